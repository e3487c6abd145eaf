//! Findings that depend on other files' facts: a `Namespace`'s labels, a mesh-wide setting in
//! an IstioOperator, a `kustomization.yaml` naming a patch. Each file is linted once, before
//! the others are seen, and its findings are settled at the end of the run; these tests run
//! the built binary on trees where the fact sits in another file, before and after the file
//! it changes in walk order.

pub mod common;

use assert_cmd::Command;
use common::write;
use std::fs;
use std::path::Path;
use tempfile::TempDir;

fn meshlint(dir: &Path, args: &[&str]) -> (serde_json::Value, i32) {
    let out = Command::cargo_bin("meshlint")
        .unwrap()
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(["--format", "json", "--no-config"])
        .args(args)
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)));
    (v, out.status.code().unwrap())
}

/// `(code, file, line, column)` of every finding, and the messages.
fn found(v: &serde_json::Value) -> Vec<(String, String, u64, u64, String)> {
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                d["file"].as_str().unwrap().to_owned(),
                d["range"]["start"]["line"].as_u64().unwrap(),
                d["range"]["start"]["column"].as_u64().unwrap(),
                d["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn codes(v: &serde_json::Value) -> Vec<(String, String)> {
    found(v).into_iter().map(|(c, f, ..)| (c, f)).collect()
}

fn pair(code: &str, file: &str) -> (String, String) {
    (code.to_owned(), file.to_owned())
}

const VAULT_POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: payouts
  annotations:
    proxy.istio.io/config: '{ \"holdApplicationUntilProxyStarts\": true }'
    vault.hashicorp.com/agent-inject: \"true\"
spec:
  containers:
    - name: payouts
      image: payouts:1
";

const POD_NO_HOLD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx
";

fn operator(proxy: &str) -> String {
    format!(
        "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  name: mesh\nspec:\n  values:\n    global:\n      proxy:\n{proxy}"
    )
}

const HOLD_OPERATOR: &str = "apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata:
  name: mesh
spec:
  meshConfig:
    defaultConfig:
      holdApplicationUntilProxyStarts: true
";

/// The IstioOperator's file name sorts before and after the pod's: walk order must not matter.
const OPERATOR_NAMES: [&str; 2] = ["a-operator.yaml", "z-operator.yaml"];

#[test]
fn a_mesh_wide_port_exclusion_elsewhere_settles_the_vault_race() {
    for name in OPERATOR_NAMES {
        let tmp = TempDir::new().unwrap();
        let d = tmp.path();
        write(d, "m-pod.yaml", VAULT_POD);
        write(
            d,
            name,
            &operator("        excludeOutboundPorts: \"8200\"\n"),
        );
        for jobs in ["1", "2"] {
            let (v, code) = meshlint(d, &["--jobs", jobs, "."]);
            assert!(codes(&v).is_empty(), "{name}, --jobs {jobs}: {v}");
            assert_eq!(code, 0);
        }
        // Managed Cloud Service Mesh honours exclusions per pod only.
        let (v, code) = meshlint(d, &["--profile", "managed", "."]);
        assert!(codes(&v).contains(&pair("MESH401", "m-pod.yaml")), "{v}");
        assert_eq!(code, 1);
        // The pod alone races.
        let (v, _) = meshlint(d, &["m-pod.yaml"]);
        assert_eq!(codes(&v), [pair("MESH401", "m-pod.yaml")]);
    }
}

#[test]
fn a_mesh_wide_setting_in_the_same_file_applies_to_its_pods() {
    // The file's facts are gathered while it is linted, so its pods, before or after the
    // IstioOperator in the stream, must still see them.
    let operator = operator("        excludeOutboundPorts: \"8200\"\n");
    for text in [
        format!("{VAULT_POD}---\n{operator}"),
        format!("{operator}---\n{VAULT_POD}"),
    ] {
        let tmp = TempDir::new().unwrap();
        let d = tmp.path();
        write(d, "all.yaml", &text);
        write(d, "other.yaml", POD_NO_HOLD);
        for jobs in ["1", "2"] {
            let (v, _) = meshlint(d, &["--jobs", jobs, "."]);
            let codes = codes(&v);
            assert!(!codes.contains(&pair("MESH401", "all.yaml")), "{text}: {v}");
            assert!(
                codes.contains(&pair("MESH101", "other.yaml")),
                "{text}: {v}"
            );
        }
        let (v, _) = meshlint(d, &["all.yaml"]);
        assert!(codes(&v).is_empty(), "{text}: {v}");
        // Managed Cloud Service Mesh honours exclusions per pod only.
        let (v, _) = meshlint(d, &["--profile", "managed", "all.yaml"]);
        assert!(codes(&v).contains(&pair("MESH401", "all.yaml")), "{v}");
    }
}

#[test]
fn a_mesh_wide_exclusion_elsewhere_that_misses_vault_is_named_in_the_message() {
    for name in OPERATOR_NAMES {
        let tmp = TempDir::new().unwrap();
        let d = tmp.path();
        write(d, "m-pod.yaml", VAULT_POD);
        write(
            d,
            name,
            &operator("        excludeOutboundPorts: \"9090\"\n"),
        );
        let (v, _) = meshlint(d, &["."]);
        let f = found(&v);
        assert_eq!(f.len(), 1, "{v}");
        assert_eq!((f[0].0.as_str(), f[0].2, f[0].3), ("MESH401", 7, 5));
        assert!(
            f[0].4.contains(&format!(
                "the mesh-wide `excludeOutboundPorts: \"9090\"` ({name}:9)"
            )),
            "{}",
            f[0].4
        );
    }
}

#[test]
fn a_mesh_wide_hold_elsewhere_is_named_by_hold_disabled() {
    let pod = POD_NO_HOLD.replace(
        "  name: web\n",
        "  name: web\n  annotations:\n    proxy.istio.io/config: '{\"holdApplicationUntilProxyStarts\": false}'\n",
    );
    for name in OPERATOR_NAMES {
        let tmp = TempDir::new().unwrap();
        let d = tmp.path();
        write(d, "m-pod.yaml", &pod);
        write(d, name, HOLD_OPERATOR);
        let (v, _) = meshlint(d, &["."]);
        let f = found(&v);
        assert_eq!(f.len(), 1, "{v}");
        assert_eq!(f[0].0, "MESH102");
        assert!(
            f[0].4
                .contains(&format!("true` ({name}:8) for it: this pod starts")),
            "{}",
            f[0].4
        );
    }
}

#[test]
fn an_empty_pod_exclusion_names_the_mesh_wide_one_it_overrides() {
    let pod = VAULT_POD.replace(
        "    vault.hashicorp.com/agent-inject: \"true\"\n",
        "    traffic.sidecar.istio.io/excludeOutboundIPRanges: \"\"\n",
    );
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    write(d, "m-pod.yaml", &pod);
    write(
        d,
        "z-operator.yaml",
        &operator("        excludeIPRanges: \"10.8.0.0/16\"\n"),
    );
    let (v, _) = meshlint(d, &["."]);
    let f = found(&v);
    assert_eq!(f.len(), 1, "{v}");
    assert_eq!(f[0].0, "MESH301");
    assert!(f[0].4.contains("z-operator.yaml:9"), "{}", f[0].4);
}

#[test]
fn namespaces_elsewhere_decide_injection_in_every_rule_that_needs_it() {
    let pod = |ns: &str| {
        VAULT_POD
            .replace(
                "  name: payouts\n",
                &format!("  name: payouts\n  namespace: {ns}\n"),
            )
            .replace(
                "'{ \"holdApplicationUntilProxyStarts\": true }'",
                "'{ \"holdApplicationUntilProxyStarts\": false }'",
            )
    };
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    write(d, "apps/off.yaml", &pod("off"));
    write(d, "apps/on.yaml", &pod("on"));
    write(d, "apps/unknown.yaml", &pod("elsewhere"));
    write(
        d,
        "namespaces.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: off\n  labels:\n    istio-injection: disabled\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: on\n  labels:\n    istio-injection: enabled\n",
    );
    let (v, _) = meshlint(d, &["."]);
    assert_eq!(
        codes(&v),
        [
            pair("MESH102", "apps/on.yaml"),
            pair("MESH401", "apps/on.yaml"),
            pair("MESH102", "apps/unknown.yaml"),
            pair("MESH401", "apps/unknown.yaml"),
        ],
        "{v}"
    );
}

#[test]
fn a_suppression_another_file_leaves_without_work_is_kept() {
    let pod = POD_NO_HOLD.replace("metadata:\n", "# meshlint: ignore[MESH101]\nmetadata:\n");
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    write(d, "m-pod.yaml", &pod);
    // Alone, the suppression hides MESH101.
    let (v, code) = meshlint(d, &["."]);
    assert!(codes(&v).is_empty(), "{v}");
    assert_eq!(code, 0);
    // A mesh-wide hold makes MESH101 not apply today; remove that setting and it is back, so
    // the suppression is still in use (no MESH903, which --fix would act on).
    write(d, "z-operator.yaml", HOLD_OPERATOR);
    let (v, code) = meshlint(d, &["."]);
    assert!(codes(&v).is_empty(), "{v}");
    assert_eq!(code, 0);
}

#[test]
fn kustomize_patches_named_elsewhere_get_no_missing_findings() {
    let patch = VAULT_POD.replace(
        "    proxy.istio.io/config: '{ \"holdApplicationUntilProxyStarts\": true }'\n",
        "    traffic.sidecar.istio.io/excludeOutboundIPRanges: \"10.0.0.0/8, 10.1.0.0/16\"\n",
    );
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    write(d, "overlay/patches/vault.yaml", &patch);
    write(
        d,
        "overlay/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../base\npatches:\n  - path: patches/vault.yaml\n",
    );
    let base = VAULT_POD.replace(
        "    proxy.istio.io/config: '{ \"holdApplicationUntilProxyStarts\": true }'\n",
        "",
    );
    write(d, "base/pod.yaml", &base);
    let (v, _) = meshlint(d, &["."]);
    // The patch is a partial object: only its values are checked. The base is whole.
    assert_eq!(
        codes(&v),
        [
            pair("MESH101", "base/pod.yaml"),
            pair("MESH401", "base/pod.yaml"),
            pair("MESH302", "overlay/patches/vault.yaml"),
        ],
        "{v}"
    );
    // The kustomization and the patch named in mixed spellings: absolute and relative.
    let abs = |rel: &str| d.join(rel).display().to_string();
    for args in [
        [
            abs("overlay/kustomization.yaml"),
            "overlay/patches/vault.yaml".into(),
        ],
        [
            "overlay/kustomization.yaml".into(),
            abs("overlay/patches/vault.yaml"),
        ],
        [
            "./overlay/kustomization.yaml".into(),
            "overlay//patches/./vault.yaml".into(),
        ],
    ] {
        let (v, _) = meshlint(d, &[args[0].as_str(), args[1].as_str()]);
        assert_eq!(
            codes(&v),
            [pair("MESH302", "overlay/patches/vault.yaml")],
            "{args:?}: {v}"
        );
    }
    // From the overlay's directory, the patch reached through `..`.
    let (v, _) = meshlint(
        &d.join("overlay"),
        &["kustomization.yaml", "../overlay/patches/vault.yaml"],
    );
    assert_eq!(codes(&v), [pair("MESH302", "patches/vault.yaml")], "{v}");
}

#[test]
fn fixes_use_the_facts_of_every_file() {
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    write(d, "m-pod.yaml", POD_NO_HOLD);
    write(d, "z-operator.yaml", HOLD_OPERATOR);
    let out = Command::cargo_bin("meshlint")
        .unwrap()
        .current_dir(d)
        .args(["--no-config", "--diff", "."])
        .output()
        .unwrap();
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(out.status.code(), Some(0));
    fs::remove_file(d.join("z-operator.yaml")).unwrap();
    let out = Command::cargo_bin("meshlint")
        .unwrap()
        .current_dir(d)
        .args(["--no-config", "--diff", "."])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("+  annotations:\n+    proxy.istio.io/config"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(out.status.code(), Some(1));
}

/// Audit A1: a mesh-wide `false` (a vendored chart's default) in one file and a linted `true`
/// in another: the `true` wins whichever file the walk reads first.
#[test]
fn a_mesh_wide_true_beats_a_false_in_any_file_order() {
    let legacy = "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  name: legacy\nspec:\n  meshConfig:\n    defaultConfig:\n      holdApplicationUntilProxyStarts: false\n";
    let config_map = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: istio\n  namespace: istio-system\ndata:\n  mesh: |\n    defaultConfig:\n      holdApplicationUntilProxyStarts: true\n";
    let disabled = POD_NO_HOLD.replace(
        "  name: web\n",
        "  name: web\n  annotations:\n    proxy.istio.io/config: '{\"holdApplicationUntilProxyStarts\": false}'\n",
    );
    for (false_name, true_name) in [
        ("a-istio-operator.yaml", "b-istio-configmap.yaml"),
        ("z-istio-operator.yaml", "b-istio-configmap.yaml"),
    ] {
        let tmp = TempDir::new().unwrap();
        let d = tmp.path();
        write(d, false_name, legacy);
        write(d, true_name, config_map);
        write(d, "c-app.yaml", POD_NO_HOLD);
        write(d, "d-off.yaml", &disabled);
        let (v, _) = meshlint(d, &["."]);
        let f = found(&v);
        assert_eq!(f.len(), 1, "{false_name}: {v}");
        assert_eq!(
            (f[0].0.as_str(), f[0].1.as_str()),
            ("MESH102", "d-off.yaml")
        );
        assert!(
            f[0].4.contains(&format!(
                "overrides the mesh-wide `meshConfig.defaultConfig.holdApplicationUntilProxyStarts: true` ({true_name}:7)"
            )),
            "{}",
            f[0].4
        );
    }
    // The same with a vendored chart's values next to an overlay's.
    for chart in ["charts", "zcharts"] {
        let tmp = TempDir::new().unwrap();
        let d = tmp.path();
        write(
            d,
            &format!("{chart}/values.yaml"),
            "meshConfig:\n  defaultConfig:\n    holdApplicationUntilProxyStarts: false\n",
        );
        write(
            d,
            "istio/values.yaml",
            "meshConfig:\n  defaultConfig:\n    holdApplicationUntilProxyStarts: true\n",
        );
        write(d, "app/web.yaml", POD_NO_HOLD);
        let (v, code) = meshlint(d, &["."]);
        assert_eq!((found(&v).len(), code), (0, 0), "{chart}: {v}");
    }
}

/// Audit A1: MESH106 reads the same merged hold.
#[test]
fn hold_ignored_by_lifecycle_sees_a_true_read_after_a_false() {
    for false_name in ["a-values.yaml", "z-values.yaml"] {
        let tmp = TempDir::new().unwrap();
        let d = tmp.path();
        write(
            d,
            false_name,
            "meshConfig:\n  defaultConfig:\n    holdApplicationUntilProxyStarts: false\n",
        );
        write(
            d,
            "m-configmap.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: istio\ndata:\n  mesh: |\n    defaultConfig:\n      holdApplicationUntilProxyStarts: true\n",
        );
        write(
            d,
            "n-operator.yaml",
            &operator("        lifecycle:\n          preStop:\n            exec:\n              command: [sleep, \"5\"]\n"),
        );
        let (v, _) = meshlint(d, &["."]);
        let f = found(&v);
        assert_eq!(f.len(), 1, "{false_name}: {v}");
        assert_eq!(
            (f[0].0.as_str(), f[0].1.as_str(), f[0].2),
            ("MESH106", "n-operator.yaml", 9)
        );
        assert!(f[0].4.contains("(m-configmap.yaml:6)"), "{}", f[0].4);
    }
}

/// Audit A1b: a Kustomize base describes the namespace without labels, the overlay's patch adds
/// `istio-injection: enabled`: the labels are merged, whichever directory comes first.
#[test]
fn a_namespace_described_twice_gets_the_union_of_its_labels() {
    let web = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers: []\n";
    for (base, overlay) in [("base", "overlay"), ("zbase", "overlay")] {
        let tmp = TempDir::new().unwrap();
        let d = tmp.path();
        write(
            d,
            &format!("{base}/namespace.yaml"),
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n",
        );
        write(d, &format!("{base}/web.yaml"), web);
        write(
            d,
            &format!("{base}/kustomization.yaml"),
            "resources:\n- namespace.yaml\n- web.yaml\n",
        );
        write(
            d,
            &format!("{overlay}/kustomization.yaml"),
            &format!("resources:\n- ../{base}\npatches:\n- path: namespace-patch.yaml\n"),
        );
        write(
            d,
            &format!("{overlay}/namespace-patch.yaml"),
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    istio-injection: enabled\n",
        );
        let (v, _) = meshlint(d, &["."]);
        let f = found(&v);
        assert_eq!(f.len(), 1, "{v}");
        assert_eq!(
            (f[0].0.as_str(), f[0].1.as_str(), f[0].2, f[0].3),
            ("MESH101", format!("{base}/web.yaml").as_str(), 8, 5)
        );
    }
    // Two descriptions that disagree: `enabled` wins over `disabled` in either order.
    for names in [["a/ns.yaml", "b/ns.yaml"], ["b/ns.yaml", "a/ns.yaml"]] {
        let tmp = TempDir::new().unwrap();
        let d = tmp.path();
        let ns = |value: &str| {
            format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    istio-injection: {value}\n")
        };
        write(d, names[0], &ns("disabled"));
        write(d, names[1], &ns("enabled"));
        write(d, "web.yaml", web);
        let (v, _) = meshlint(d, &["."]);
        assert_eq!(codes(&v), [pair("MESH101", "web.yaml")], "{names:?}: {v}");
    }
}
