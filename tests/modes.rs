//! Data-plane modes end to end: ambient pods and namespaces get no sidecar rules unless a
//! sidecar is injected too (it wins), an `istio.io/dataplane-mode` value Istio ignores is
//! MESH506, and `--profile ossm2` decides injection by the pod's own annotation. Each test runs
//! the built binary in a scratch repository.

pub mod common;

use common::{findings, json, lint_json, meshlint, write, Found};
use std::path::Path;

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    dir
}

fn deployment(labels: &str, annotations: &str) -> String {
    format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  template:\n    metadata:\n      labels:\n        app: web\n{labels}{annotations}    spec:\n      containers:\n        - name: web\n          image: web:1\n")
}

fn namespace(labels: &str) -> String {
    format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n{labels}")
}

fn run(dir: &Path, args: &[&str]) -> Vec<Found> {
    let args: Vec<&str> = args.iter().copied().chain(["."]).collect();
    findings(&lint_json(dir, &args).0)
}

fn codes(dir: &Path, args: &[&str]) -> Vec<String> {
    run(dir, args).into_iter().map(|f| f.code).collect()
}

#[test]
fn ambient_namespaces_and_pods_get_no_sidecar_rules_unless_a_sidecar_is_injected() {
    let d = repo();
    let vault = "      annotations:\n        vault.hashicorp.com/agent-inject: \"true\"\n";
    write(
        d.path(),
        "ns.yaml",
        &namespace("    istio.io/dataplane-mode: ambient\n"),
    );
    write(d.path(), "web.yaml", &deployment("", vault));
    assert!(codes(d.path(), &[]).is_empty());
    // The pod's own label, in a namespace nothing describes (assumed in the mesh otherwise).
    std::fs::remove_file(d.path().join("ns.yaml")).unwrap();
    write(
        d.path(),
        "web.yaml",
        &deployment("        istio.io/dataplane-mode: ambient\n", vault),
    );
    assert!(codes(d.path(), &["--injection", "assume"]).is_empty());
    // An injection-enabled namespace injects the sidecar, which wins over ambient.
    write(
        d.path(),
        "ns.yaml",
        &namespace("    istio-injection: enabled\n    istio.io/dataplane-mode: ambient\n"),
    );
    // (Both labels on one namespace is itself MESH209.)
    assert_eq!(codes(d.path(), &[]), ["MESH209", "MESH101", "MESH401"]);
    // So does the pod's own opt-in.
    write(d.path(), "ns.yaml", &namespace("    team: shop\n"));
    write(
        d.path(),
        "web.yaml",
        &deployment(
            "        istio.io/dataplane-mode: ambient\n        sidecar.istio.io/inject: \"true\"\n",
            "",
        ),
    );
    assert_eq!(codes(d.path(), &[]), ["MESH101"]);
}

#[test]
fn a_dataplane_mode_istio_ignores_is_reported_at_its_value() {
    let d = repo();
    write(
        d.path(),
        "ns.yaml",
        &namespace("    istio.io/dataplane-mode: enabled\n"),
    );
    let found = run(d.path(), &[]);
    assert_eq!(found.len(), 1, "{found:?}");
    let f = &found[0];
    assert_eq!(
        (
            f.code.as_str(),
            f.file.as_str(),
            f.line,
            f.column,
            f.severity.as_str()
        ),
        ("MESH506", "ns.yaml", 6, 30, "warning")
    );
    assert_eq!(
        f.message,
        "label `istio.io/dataplane-mode: enabled` on namespace `shop` is ignored: Istio reads only `ambient` (ambient mode) and `none` (out of it), so namespace `shop` is not in ambient mode"
    );
    // Not ambient, so the namespace's pods are judged as any other: no injection label.
    write(d.path(), "web.yaml", &deployment("", ""));
    assert_eq!(codes(d.path(), &[]), ["MESH506"]);
}

#[test]
fn pod_checks_istioctl_analyze_makes_are_reported_on_every_pod_template() {
    let d = repo();
    write(
        d.path(),
        "ns.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    istio-injection: enabled\n    istio.io/rev: canary\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: edge\n",
    );
    // A StatefulSet (istioctl analyze checks Pods and Deployments only) running as 1337.
    write(
        d.path(),
        "db.yaml",
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\n  namespace: shop\nspec:\n  template:\n    metadata:\n      annotations:\n        proxy.istio.io/config: '{ \"holdApplicationUntilProxyStarts\": true }'\n    spec:\n      securityContext:\n        runAsUser: 1337\n      containers:\n        - name: db\n          image: db:1\n",
    );
    // A gateway DaemonSet in a namespace without injection.
    write(
        d.path(),
        "gw.yaml",
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: gw\n  namespace: edge\nspec:\n  template:\n    metadata:\n      annotations:\n        inject.istio.io/templates: gateway\n    spec:\n      containers:\n        - name: istio-proxy\n          image: auto\n",
    );
    let found: Vec<(String, String, u64, u64, String)> = run(d.path(), &[])
        .into_iter()
        .map(|f| (f.code, f.file, f.line, f.column, f.severity))
        .collect();
    let want = |c: &str, f: &str, l: u64, col: u64, s: &str| {
        (c.to_owned(), f.to_owned(), l, col, s.to_owned())
    };
    assert_eq!(
        found,
        [
            want("MESH309", "db.yaml", 13, 20, "error"),
            want("MESH507", "gw.yaml", 14, 18, "error"),
            want("MESH209", "ns.yaml", 7, 5, "warning"),
        ]
    );
    // MESH508 runs only when selected by code or name.
    let alpha = run(d.path(), &["--select", "alpha-annotation"]);
    assert_eq!(alpha.len(), 1, "{alpha:?}");
    assert_eq!(
        (alpha[0].file.as_str(), alpha[0].line, alpha[0].column),
        ("gw.yaml", 10, 9)
    );
}

#[test]
fn under_ossm2_injection_follows_the_pods_annotation() {
    let d = repo();
    write(
        d.path(),
        "ns.yaml",
        &namespace("    istio-injection: enabled\n"),
    );
    // An injection-enabled namespace injects nothing under OpenShift Service Mesh 2.
    write(d.path(), "web.yaml", &deployment("", ""));
    assert_eq!(codes(d.path(), &[]), ["MESH101"]);
    assert!(codes(d.path(), &["--profile", "ossm2"]).is_empty());
    // The annotation opts in: the start-up rules apply, and MESH203 does not call it deprecated.
    write(
        d.path(),
        "web.yaml",
        &deployment(
            "",
            "      annotations:\n        sidecar.istio.io/inject: \"true\"\n",
        ),
    );
    assert_eq!(codes(d.path(), &["--profile", "ossm2"]), ["MESH101"]);
    assert_eq!(codes(d.path(), &[]), ["MESH101", "MESH203"]);
    // The label does not opt in there: MESH203 at the label, and no start-up finding.
    write(
        d.path(),
        "web.yaml",
        &deployment("        sidecar.istio.io/inject: \"true\"\n", ""),
    );
    let found = run(d.path(), &["--profile", "ossm2"]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (found[0].code.as_str(), found[0].line, found[0].column),
        ("MESH203", 11, 9)
    );
    assert!(found[0]
        .message
        .contains("does not opt the pod in under OpenShift Service Mesh 2"));
    // The profile is a configuration key too.
    write(d.path(), ".meshlint.yaml", "profile: ossm2\n");
    assert_eq!(codes(d.path(), &[]), ["MESH203"]);
}

#[test]
fn sidecars_in_two_files_of_one_namespace_name_each_other() {
    let d = repo();
    let sidecar = |name: &str| {
        format!("apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata:\n  name: {name}\n  namespace: shop\nspec:\n  egress:\n    - hosts: [\"./*\"]\n")
    };
    write(d.path(), "a/default.yaml", &sidecar("default"));
    write(d.path(), "b/extra.yaml", &sidecar("extra"));
    let found = run(d.path(), &[]);
    let got: Vec<(&str, &str, u64, u64)> = found
        .iter()
        .map(|f| (f.code.as_str(), f.file.as_str(), f.line, f.column))
        .collect();
    assert_eq!(
        got,
        [
            ("MESH210", "a/default.yaml", 2, 1),
            ("MESH210", "b/extra.yaml", 2, 1)
        ]
    );
    assert!(
        found[0]
            .message
            .ends_with("The other: `extra` (b/extra.yaml:2)"),
        "{}",
        found[0].message
    );
    // Linting one file still sees the other (facts come from the project).
    let out = meshlint(d.path())
        .args(["--format", "json", "b/extra.yaml"])
        .output()
        .unwrap();
    let found = findings(&json(&out.stdout));
    assert_eq!(found.len(), 1);
    assert!(found[0]
        .message
        .ends_with("The other: `default` (a/default.yaml:2)"));
    // In another namespace: no conflict.
    write(
        d.path(),
        "b/extra.yaml",
        &sidecar("extra").replace("shop", "web"),
    );
    assert!(codes(d.path(), &[]).is_empty());
}

#[test]
fn the_injection_label_on_a_pod_template_is_replaced_only_with_unsafe_fixes() {
    let d = repo();
    let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  template:\n    metadata:\n      labels:\n        app: web\n        istio-injection: enabled # opt in\n      annotations:\n        proxy.istio.io/config: '{ \"holdApplicationUntilProxyStarts\": true }'\n    spec:\n      containers:\n        - name: web\n          image: web:1\n";
    write(d.path(), "web.yaml", text);
    let out = meshlint(d.path()).args(["--fix", "."]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "the warning stays without --unsafe-fixes"
    );
    assert_eq!(
        std::fs::read_to_string(d.path().join("web.yaml")).unwrap(),
        text
    );
    let out = meshlint(d.path())
        .args(["--fix", "--unsafe-fixes", "."])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(
        std::fs::read_to_string(d.path().join("web.yaml")).unwrap(),
        text.replace(
            "istio-injection: enabled # opt in",
            // Quoted as the document quotes (it uses single quotes).
            "sidecar.istio.io/inject: 'true' # opt in"
        )
    );
}
