//! Fixes that would change what a manifest means (issue 17), through the binary on files in
//! temporary directories: a label fix the selector matches on changes the selector too and is
//! unsafe; MESH203's move of `"true"` is unsafe; in the managed profile MESH205 moves nothing to
//! where MESH204 fires. Each test asserts the exact text `--fix` leaves and, where a fix is
//! unsafe, the exact text `--fix --unsafe-fixes` writes.

use assert_cmd::Command;
use std::fs;
use std::path::Path;

fn meshlint() -> Command {
    let mut cmd = Command::cargo_bin("meshlint").unwrap();
    cmd.env("NO_COLOR", "1").arg("--no-config");
    cmd
}

/// Runs `meshlint <args> <file>` on a fresh copy of `text`; returns the file's text afterwards
/// and what was printed.
fn run(text: &str, args: &[&str]) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.yaml");
    fs::write(&path, text).unwrap();
    let out = meshlint()
        .args(args)
        .arg(&path)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = fs::read_to_string(Path::new(&path)).unwrap();
    let printed =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (after, printed)
}

const WEB: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
      sidecar.istio.io/inject: \"True\"
  template:
    metadata:
      labels:
        app: web
        sidecar.istio.io/inject: \"True\"
    spec:
      containers:
      - name: web
        image: nginx:1.27
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
    sidecar.istio.io/inject: \"True\"
  ports:
  - port: 80
";

#[test]
fn mesh504_changes_the_selector_too_and_only_with_unsafe_fixes() {
    // The safe run must not touch it: the selector is immutable on an existing Deployment.
    let (after, printed) = run(WEB, &["--select", "MESH504", "--fix"]);
    assert_eq!(after, WEB);
    assert!(printed.contains("MESH504"), "{printed}");
    let (after, _) = run(WEB, &["--select", "MESH504", "--fix", "--unsafe-fixes"]);
    let (deployment, service) = WEB.split_at(WEB.find("---").unwrap());
    assert_eq!(
        after,
        deployment.replace("\"True\"", "\"true\"") + service,
        "selector and template label both change; the Service is only named"
    );
    // The fix message (JSON) names the selector and the Service.
    let (_, printed) = run(WEB, &["--select", "MESH504", "--format", "json"]);
    assert!(printed.contains("spec.selector"), "{printed}");
    assert!(
        printed.contains("Service web selects the old label"),
        "{printed}"
    );
    assert!(printed.contains("immutable"), "{printed}");
}

#[test]
fn mesh504_unsafe_yes_rewrites_match_expressions() {
    let text = WEB
        .replace(
            "    matchLabels:\n      app: web\n      sidecar.istio.io/inject: \"True\"\n",
            "    matchExpressions:\n    - {key: sidecar.istio.io/inject, operator: In, values: [\"yes\"]}\n",
        )
        .replace("\"True\"", "\"yes\"");
    let (after, _) = run(&text, &["--select", "MESH504", "--fix"]);
    assert_eq!(after, text);
    let (after, _) = run(&text, &["--select", "MESH504", "--fix", "--unsafe-fixes"]);
    let (deployment, service) = text.split_at(text.find("---").unwrap());
    assert_eq!(after, deployment.replace("\"yes\"", "\"true\"") + service);
}

#[test]
fn mesh504_without_a_consistent_selector_edit_offers_no_fix() {
    let text = WEB.replace(
        "    matchLabels:\n      app: web\n      sidecar.istio.io/inject: \"True\"\n",
        "    matchLabels:\n      app: web\n    matchExpressions:\n    - {key: sidecar.istio.io/inject, operator: NotIn, values: [\"true\"]}\n",
    );
    let (after, printed) = run(&text, &["--select", "MESH504", "--fix", "--unsafe-fixes"]);
    assert_eq!(after, text);
    assert!(printed.contains("no fix: `spec.selector`"), "{printed}");
}

#[test]
fn mesh502_renames_the_selector_key_too() {
    let text = WEB
        .replace("sidecar.istio.io/inject", "sidecar.istio.io/Inject")
        .replace("\"True\"", "\"true\"");
    let (after, _) = run(&text, &["--select", "MESH502", "--fix"]);
    assert_eq!(after, text);
    let (after, _) = run(&text, &["--select", "MESH502", "--fix", "--unsafe-fixes"]);
    let (deployment, service) = text.split_at(text.find("---").unwrap());
    assert_eq!(
        after,
        deployment.replace("sidecar.istio.io/Inject", "sidecar.istio.io/inject") + service
    );
}

#[test]
fn labels_no_selector_needs_keep_their_safe_fix() {
    let text = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
        sidecar.istio.io/inject: \"True\"
    spec:
      containers:
      - name: web
        image: nginx:1.27
";
    let (after, _) = run(text, &["--select", "MESH504", "--fix"]);
    assert_eq!(after, text.replace("\"True\"", "\"true\""));
}

#[test]
fn mesh203_true_moves_only_with_unsafe_fixes() {
    let text = "apiVersion: v1
kind: Pod
metadata:
  name: api
  labels:
    app: api
  annotations:
    sidecar.istio.io/inject: \"true\"
spec:
  containers:
  - name: api
    image: api:3
";
    let (after, _) = run(text, &["--select", "MESH203", "--fix"]);
    assert_eq!(after, text);
    let (after, _) = run(text, &["--select", "MESH203", "--fix", "--unsafe-fixes"]);
    assert_eq!(
        after,
        "apiVersion: v1
kind: Pod
metadata:
  name: api
  labels:
    app: api
    sidecar.istio.io/inject: \"true\"
spec:
  containers:
  - name: api
    image: api:3
"
    );
    // "false" stays a safe move.
    let off = text.replace("\"true\"", "\"false\"");
    let (after, _) = run(&off, &["--select", "MESH203", "--fix"]);
    assert!(after.contains("    app: api\n    sidecar.istio.io/inject: \"false\"\nspec:"));
}

#[test]
fn mesh205_in_the_managed_profile_moves_nothing_into_mesh204() {
    let text = "apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata:
  name: csm
  namespace: istio-system
spec:
  values:
    global:
      proxy:
        excludeOutboundIPRanges: \"10.8.0.0/16\"
";
    let (after, printed) = run(
        text,
        &[
            "--select",
            "MESH205",
            "--profile",
            "managed",
            "--fix",
            "--unsafe-fixes",
        ],
    );
    assert_eq!(after, text);
    assert!(
        printed.contains("no fix in the managed profile"),
        "{printed}"
    );
    // The default profile moves it.
    let (after, _) = run(text, &["--select", "MESH205", "--fix"]);
    assert_eq!(
        after,
        text.replace("excludeOutboundIPRanges", "excludeIPRanges")
    );
}
