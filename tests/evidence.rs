//! What meshlint knows about the cluster: the built binary on small projects in temp dirs,
//! checking which pods' start-up and Vault findings keep their severity, which are reported at
//! `info` as assumed, and which are not reported at all.

pub mod common;

use common::{findings, json, lint_json, meshlint, write};
use std::path::Path;
use tempfile::TempDir;

fn run(dir: &Path, args: &[&str]) -> (serde_json::Value, i32) {
    lint_json(dir, args)
}

fn git_init(dir: &Path) {
    let status = std::process::Command::new("git")
        .args(["init", "-q"])
        .current_dir(dir)
        .status()
        .expect("git runs");
    assert!(status.success());
}

/// `(code, file, line, column, severity)` of every finding.
fn found(v: &serde_json::Value) -> Vec<(String, String, u64, u64, String)> {
    findings(v)
        .into_iter()
        .map(|d| (d.code, d.file, d.line, d.column, d.severity))
        .collect()
}

fn f(code: &str, file: &str, line: u64, col: u64, sev: &str) -> (String, String, u64, u64, String) {
    (code.into(), file.into(), line, col, sev.into())
}

/// A Deployment without the hold; `namespace` adds `metadata.namespace`.
fn deployment(name: &str, namespace: Option<&str>) -> String {
    let ns = namespace.map_or(String::new(), |n| format!("  namespace: {n}\n"));
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n{ns}spec:\n  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels:\n        app: {name}\n    spec:\n      containers:\n        - name: {name}\n          image: nginx\n"
    )
}

fn namespace(name: &str, injection: &str) -> String {
    format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n  labels:\n    istio-injection: {injection}\n")
}

const HOLD_IOP: &str = "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  meshConfig:\n    defaultConfig:\n      holdApplicationUntilProxyStarts: true\n";

#[test]
fn a_pod_in_an_unknown_namespace_without_evidence_is_assumed_and_reported_at_info() {
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    write(d, "app.yaml", &deployment("web", Some("shop")));
    let (v, code) = run(d, &["--no-config", "."]);
    assert_eq!(found(&v), [f("MESH101", "app.yaml", 10, 5, "info")]);
    assert_eq!(code, 0, "an assumed finding does not fail the run");
    let message = v["diagnostics"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("assumed: its namespace `shop` is not declared in the project")
            && message.contains("meshlint explain injection"),
        "{message}"
    );
    assert_eq!(v["summary"]["injection_unknown"], 1);
    assert_eq!(v["summary"]["infos"], 1);
    // The old default: full severity.
    let (v, code) = run(d, &["--no-config", "--injection", "assume", "."]);
    assert_eq!(found(&v), [f("MESH101", "app.yaml", 10, 5, "warning")]);
    assert_eq!(
        (code, v["summary"]["injection_unknown"].as_u64()),
        (1, Some(0))
    );
    // Explicit: not in the mesh.
    for args in [&["--injection", "explicit"][..], &["--injection-explicit"]] {
        let (v, code) = run(d, &[&["--no-config"][..], args, &["."]].concat());
        assert_eq!((found(&v).len(), code), (0, 0), "{args:?}");
    }
    // The human summary says how many findings rest on the assumption.
    let out = meshlint(d).args(["--no-config", "."]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("1 finding assumes its pod is in the mesh"),
        "{text}"
    );
}

#[test]
fn the_injection_option_comes_from_the_configuration_too() {
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    write(d, "app.yaml", &deployment("web", None));
    write(d, ".meshlint.yaml", "injection: assume\n");
    let (v, code) = run(d, &["."]);
    assert_eq!(
        (found(&v), code),
        (vec![f("MESH101", "app.yaml", 9, 5, "warning")], 1)
    );
    write(d, ".meshlint.yaml", "injection: explicit\n");
    assert_eq!(found(&run(d, &["."]).0).len(), 0);
}

#[test]
fn evidence_keeps_the_severity() {
    // Each case: the extra files that show the pod `web` (in app.yaml, namespace unknown)
    // runs in a mesh.
    let cases: &[(&str, &[(&str, &str)])] = &[
        (
            "an Istio annotation on the pod template",
            &[],
        ),
        (
            "a Sidecar whose workloadSelector matches its labels",
            &[("sidecar.yaml", "apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: web}\nspec:\n  workloadSelector:\n    labels: {app: web}\n")],
        ),
        (
            "a VirtualService routing to a Service that selects it",
            &[
                ("service.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: web-svc}\nspec:\n  selector: {app: web}\n"),
                ("routes.yaml", "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: web}\nspec:\n  hosts: [web.example.com]\n  http:\n  - route:\n    - destination: {host: web-svc}\n"),
            ],
        ),
        (
            "a kustomization that builds it and an AuthorizationPolicy",
            &[
                ("kustomization.yaml", "resources: [app.yaml, policy.yaml]\n"),
                ("policy.yaml", "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: deny}\nspec: {}\n"),
            ],
        ),
        (
            "an IstioOperator whose scope covers it",
            &[("istio/iop.yaml", "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  profile: default\n")],
        ),
    ];
    for (i, (what, files)) in cases.iter().enumerate() {
        let tmp = TempDir::new().unwrap();
        let d = tmp.path();
        let app = deployment("web", None);
        let app = if i == 0 {
            app.replace(
                "        app: web\n",
                "        app: web\n        service.istio.io/canonical-name: web\n",
            )
        } else {
            app
        };
        write(d, "app.yaml", &app);
        for (name, text) in *files {
            write(d, name, text);
        }
        let (v, code) = run(d, &["--no-config", "--select", "MESH101", "."]);
        assert_eq!(
            (found(&v), code),
            (vec![f("MESH101", "app.yaml", 9, 5, "warning")], 1),
            "{what}"
        );
    }
}

#[test]
fn a_shared_directory_or_another_demos_configuration_is_no_evidence() {
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    // One project, so that naming `demo-a` still reads `demo-b`.
    git_init(d);
    // Istio files beside the app, but nothing that refers to it or builds it.
    write(d, "demo-a/app.yaml", &deployment("web", None));
    write(d, "demo-a/gateway.yaml", "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gw}\nspec:\n  selector: {istio: ingressgateway}\n");
    // Another demo routes to a Service of the same name and labels.
    write(
        d,
        "demo-b/service.yaml",
        "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n",
    );
    write(d, "demo-b/routes.yaml", "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: web}\nspec:\n  hosts: [web]\n  http:\n  - route:\n    - destination: {host: web}\n");
    let (v, _) = run(d, &["--no-config", "--select", "MESH101", "demo-a"]);
    assert_eq!(found(&v), [f("MESH101", "demo-a/app.yaml", 9, 5, "info")]);
    let (v, _) = run(d, &["--no-config", "--select", "MESH101", "."]);
    assert_eq!(found(&v), [f("MESH101", "demo-a/app.yaml", 9, 5, "info")]);
}

#[test]
fn one_named_file_of_a_git_repository_gets_the_findings_of_the_whole_tree() {
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    git_init(d);
    write(d, "platform/namespaces.yaml", &namespace("shop", "enabled"));
    write(d, "deploy/app.yaml", &deployment("web", Some("shop")));
    write(d, "deploy/batch.yaml", &deployment("batch", Some("jobs")));
    write(d, "platform/jobs.yaml", &namespace("jobs", "disabled"));
    let whole = run(d, &["--no-config", "."]);
    assert_eq!(
        found(&whole.0),
        [f("MESH101", "deploy/app.yaml", 10, 5, "warning")]
    );
    // What pre-commit runs: only the staged files are named.
    for args in [
        &["deploy/app.yaml"][..],
        &["deploy/app.yaml", "deploy/batch.yaml"],
        &["deploy"],
    ] {
        let (v, code) = run(d, &[&["--no-config"][..], args].concat());
        assert_eq!(
            (found(&v), code),
            (vec![f("MESH101", "deploy/app.yaml", 10, 5, "warning")], 1),
            "{args:?}"
        );
    }
    // From inside the tree too.
    let (v, _) = run(
        &d.join("deploy"),
        &["--no-config", "app.yaml", "batch.yaml"],
    );
    assert_eq!(found(&v), [f("MESH101", "app.yaml", 10, 5, "warning")]);
    // Outside a work tree the named file is its own project: the namespace is unknown.
    let other = TempDir::new().unwrap();
    write(
        other.path(),
        "platform/namespaces.yaml",
        &namespace("shop", "enabled"),
    );
    write(
        other.path(),
        "deploy/app.yaml",
        &deployment("web", Some("shop")),
    );
    let (v, _) = run(other.path(), &["--no-config", "deploy/app.yaml"]);
    assert_eq!(found(&v), [f("MESH101", "deploy/app.yaml", 10, 5, "info")]);
    // A `.meshlint.yaml` marks the project when there is no git work tree.
    write(other.path(), ".meshlint.yaml", "fail-on: warning\n");
    let (v, _) = run(other.path(), &["deploy/app.yaml"]);
    assert_eq!(
        found(&v),
        [f("MESH101", "deploy/app.yaml", 10, 5, "warning")]
    );
}

#[test]
fn each_demo_keeps_its_own_mesh_wide_hold() {
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    write(d, "demo-a/resources/iop.yaml", HOLD_IOP);
    write(
        d,
        "demo-a/resources/app.yaml",
        &deployment("a", Some("demo")),
    );
    write(
        d,
        "demo-b/resources/iop.yaml",
        "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  profile: demo\n",
    );
    write(
        d,
        "demo-b/resources/app.yaml",
        &deployment("b", Some("demo")),
    );
    let (v, code) = run(d, &["--no-config", "--select", "MESH101", "."]);
    assert_eq!(
        (found(&v), code),
        (
            vec![f("MESH101", "demo-b/resources/app.yaml", 10, 5, "warning")],
            1
        )
    );
    // A platform repository's istio/ covers its apps; `mesh-config` says which file counts.
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    write(d, "istio/iop.yaml", HOLD_IOP);
    write(d, "apps/web/app.yaml", &deployment("web", None));
    assert_eq!(
        found(&run(d, &["--no-config", "--select", "MESH101", "."]).0).len(),
        0
    );
    write(d, "labs/x/iop.yaml", HOLD_IOP);
    write(d, ".meshlint.yaml", "mesh-config: [labs/x/iop.yaml]\n");
    assert_eq!(found(&run(d, &["--select", "MESH101", "."]).0).len(), 0);
    write(d, ".meshlint.yaml", "mesh-config: [elsewhere.yaml]\n");
    assert_eq!(
        found(&run(d, &["--select", "MESH101", "."]).0),
        [f("MESH101", "apps/web/app.yaml", 9, 5, "info")]
    );
}

#[test]
fn a_kustomization_namespace_decides_injection_and_an_overlay_wins() {
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    write(
        d,
        "base/kustomization.yaml",
        "namespace: tools\nresources: [deployment.yaml]\n",
    );
    write(
        d,
        "base/deployment.yaml",
        &deployment("web", Some("ignored")),
    );
    write(
        d,
        "namespaces.yaml",
        &format!(
            "{}---\n{}",
            namespace("tools", "disabled"),
            namespace("shop", "enabled")
        ),
    );
    let (v, code) = run(d, &["--no-config", "--select", "MESH101", "."]);
    assert_eq!((found(&v).len(), code), (0, 0), "{v}");
    write(
        d,
        "overlays/shop/kustomization.yaml",
        "namespace: shop\nresources: [../../base]\n",
    );
    let (v, code) = run(d, &["--no-config", "--select", "MESH101", "."]);
    assert_eq!(
        (found(&v), code),
        (
            vec![f("MESH101", "base/deployment.yaml", 10, 5, "warning")],
            1
        )
    );
}

#[test]
fn an_empty_mesh_wide_exclusion_is_reported_only_where_vault_is_in_play() {
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    let iop = "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  values:\n    global:\n      proxy:\n        excludeIPRanges: \"\"\n";
    write(d, "istio/iop.yaml", iop);
    let (v, _) = run(d, &["--no-config", "--select", "MESH301", "."]);
    assert_eq!(found(&v).len(), 0, "the default written out");
    let (v, _) = run(
        d,
        &[
            "--no-config",
            "--select",
            "MESH301",
            "--vault-address",
            "10.8.0.0/16",
            ".",
        ],
    );
    assert_eq!(
        found(&v),
        [f("MESH301", "istio/iop.yaml", 7, 26, "warning")]
    );
    write(d, "apps/payouts.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: payouts\n  annotations:\n    vault.hashicorp.com/agent-inject: \"true\"\nspec:\n  containers: []\n");
    let (v, _) = run(d, &["--no-config", "--select", "MESH301", "."]);
    assert_eq!(
        found(&v),
        [f("MESH301", "istio/iop.yaml", 7, 26, "warning")]
    );
}

#[test]
fn explain_injection_prints_its_page() {
    let out = meshlint(Path::new("."))
        .args(["explain", "injection"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("# injection"), "{text}");
    for needle in [
        "`evidence`",
        "`assume`",
        "`explicit`",
        "namespaces:",
        "summary.injection_unknown",
    ] {
        assert!(text.contains(needle), "{needle}");
    }
}

/// The shipped examples declare or show what they need: `--injection assume` (meshlint 0.1's
/// default) reports exactly what the default reports, and nothing rests on an assumption.
#[test]
fn the_examples_report_the_same_under_assume() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (default, code) = run(root, &["--no-config", "examples"]);
    let (assume, assume_code) = run(root, &["--no-config", "--injection", "assume", "examples"]);
    assert_eq!(default["diagnostics"], assume["diagnostics"]);
    assert_eq!((code, assume_code), (1, 1));
    assert_eq!(default["summary"]["injection_unknown"], 0);
    assert!(found(&default)
        .iter()
        .any(|d| d.0 == "MESH101" && d.4 == "warning"));
}

#[test]
fn files_the_configuration_excludes_are_not_part_of_the_project() {
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    git_init(d);
    write(
        d,
        "testdata/namespaces.yaml",
        &namespace("shop", "disabled"),
    );
    write(d, "deploy/app.yaml", &deployment("web", Some("shop")));
    let (v, _) = run(d, &["deploy/app.yaml"]);
    assert_eq!(found(&v).len(), 0, "testdata's Namespace decides: {v}");
    write(d, ".meshlint.yaml", "exclude: [testdata/]\n");
    let (v, _) = run(d, &["deploy/app.yaml"]);
    assert_eq!(found(&v), [f("MESH101", "deploy/app.yaml", 10, 5, "info")]);
    // As when the whole tree is linted.
    let (v, _) = run(d, &["."]);
    assert_eq!(found(&v), [f("MESH101", "deploy/app.yaml", 10, 5, "info")]);
}

#[test]
fn a_patch_named_alone_is_a_patch_of_the_kustomization_that_names_it() {
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    git_init(d);
    write(
        d,
        "base/kustomization.yaml",
        "resources: [deployment.yaml]\npatches:\n  - path: patch.yaml\n",
    );
    write(
        d,
        "base/deployment.yaml",
        &deployment("web", None).replace(
            "        app: web\n",
            "        app: web\n        sidecar.istio.io/inject: \"true\"\n",
        ),
    );
    write(
        d,
        "base/patch.yaml",
        &deployment("web", None).replace(
            "        app: web\n",
            "        app: web\n        sidecar.istio.io/inject: \"true\"\n",
        ),
    );
    let whole = found(&run(d, &["--no-config", "--select", "MESH101", "."]).0);
    assert_eq!(
        whole,
        [f("MESH101", "base/deployment.yaml", 9, 5, "warning")]
    );
    let (v, code) = run(
        d,
        &["--no-config", "--select", "MESH101", "base/patch.yaml"],
    );
    assert_eq!((found(&v).len(), code), (0, 0), "{v}");
}

/// Naming one file gives what linting the whole tree gives for it, whatever else is there.
#[test]
fn gathering_reads_what_linting_the_root_reads() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "a chart template is not linted, so its Namespace is not read",
            "charts/x/templates/ns.yaml",
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    istio-injection: enabled\n",
        ),
        (
            "a Jinja template neither",
            "ansible/ns.yaml",
            "{% if true %}\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    istio-injection: enabled\n{% endif %}\n",
        ),
        (
            "a chart's HTTP proxy values are no mesh-wide setting",
            "apps/values.yaml",
            "global:\n  proxy:\n    httpProxy: http://proxy:3128\n",
        ),
    ];
    for (what, name, text) in cases {
        let tmp = TempDir::new().unwrap();
        let d = tmp.path();
        git_init(d);
        write(
            d,
            "charts/x/Chart.yaml",
            "apiVersion: v2\nname: x\nversion: 0.1.0\n",
        );
        write(d, name, text);
        write(d, "apps/app.yaml", &deployment("web", Some("shop")));
        let whole = found(&run(d, &["--no-config", "--select", "MESH101", "."]).0);
        let named = found(&run(d, &["--no-config", "--select", "MESH101", "apps/app.yaml"]).0);
        assert_eq!(
            whole,
            [f("MESH101", "apps/app.yaml", 10, 5, "info")],
            "{what}"
        );
        assert_eq!(named, whole, "{what}");
    }
}

#[test]
fn stdin_reads_its_own_facts_under_its_file_name() {
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    let text = format!(
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {{name: web}}\nspec:\n  selector:\n    matchLabels: {{app: web}}\n---\n{}",
        deployment("web", None)
    );
    let out = meshlint(d)
        .args(["--no-config", "--format", "json", "--select", "MESH101"])
        .args(["--stdin-filename", "apps/web/all.yaml", "-"])
        .write_stdin(text)
        .output()
        .unwrap();
    let v = json(&out.stdout);
    assert_eq!(
        found(&v),
        [f("MESH101", "apps/web/all.yaml", 16, 5, "warning")]
    );
}

#[test]
fn a_severity_override_does_not_lift_an_assumed_finding() {
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    write(d, ".meshlint.yaml", "severity:\n  MESH101: error\n");
    write(d, "app.yaml", &deployment("web", None));
    let (v, code) = run(d, &["app.yaml"]);
    assert_eq!(
        (found(&v), code),
        (vec![f("MESH101", "app.yaml", 9, 5, "info")], 0)
    );
    let out = meshlint(d)
        .args(["--format", "json", "--stdin-filename", "app.yaml", "-"])
        .write_stdin(deployment("web", None))
        .output()
        .unwrap();
    let v = json(&out.stdout);
    assert_eq!(found(&v), [f("MESH101", "app.yaml", 9, 5, "info")]);
    // With evidence, the override applies.
    write(
        d,
        "app.yaml",
        &deployment("web", None).replace(
            "        app: web\n",
            "        app: web\n        istio.io/rev: canary\n",
        ),
    );
    let (v, _) = run(d, &["app.yaml"]);
    assert_eq!(found(&v), [f("MESH101", "app.yaml", 9, 5, "error")]);
}

#[test]
fn evidence_is_judged_in_each_namespace_kustomize_deploys_to() {
    for other in ["alpha", "zeta"] {
        let tmp = TempDir::new().unwrap();
        let d = tmp.path();
        write(
            d,
            "base/kustomization.yaml",
            "resources: [deployment.yaml]\n",
        );
        write(d, "base/deployment.yaml", &deployment("web", None));
        write(
            d,
            &format!("overlays/{other}/kustomization.yaml"),
            &format!("namespace: {other}\nresources: [../../base]\n"),
        );
        write(
            d,
            "overlays/shop/kustomization.yaml",
            "namespace: shop\nresources: [../../base]\n",
        );
        // Istio configuration in `shop`, set by its own kustomization, in another tree.
        write(
            d,
            "mesh/kustomization.yaml",
            "namespace: shop\nresources: [policy.yaml]\n",
        );
        write(d, "mesh/policy.yaml", "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: web}\nspec:\n  selector:\n    matchLabels: {app: web}\n");
        let (v, _) = run(d, &["--no-config", "--select", "MESH101", "."]);
        assert_eq!(
            found(&v),
            [f("MESH101", "base/deployment.yaml", 9, 5, "warning")],
            "{other}"
        );
    }
}
