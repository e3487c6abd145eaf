//! `<<` merge keys through the binary: Kubernetes applies them (go-yaml v2), so findings read
//! the merged annotations, and `--fix` (with and without `--unsafe-fixes`) never writes a key
//! that would hide a merged value: the files below are left exactly as they are, or changed
//! only where no merge is involved.

use assert_cmd::Command;
use std::fs;

fn meshlint() -> Command {
    let mut cmd = Command::cargo_bin("meshlint").unwrap();
    cmd.env("NO_COLOR", "1").arg("--no-config");
    cmd
}

/// A Deployment whose pod template's `metadata` is `metadata` below (indented for it).
fn deployment(metadata: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    metadata:
      labels:
        sidecar.istio.io/inject: \"true\"
{metadata}    spec:
      containers:
      - name: web
        image: web:1
"
    )
}

/// The four shapes: a merged proxy config without the hold (MESH101), a merged hold switched
/// off (MESH102), a merged port exclusion Vault's port is missing from (MESH401), merged
/// annotations at the metadata level (MESH101).
fn shapes() -> Vec<(&'static str, String)> {
    vec![
        (
            "MESH101",
            deployment(
                "      annotations:\n        <<: {proxy.istio.io/config: '{\"concurrency\": 4}'}\n",
            ),
        ),
        (
            "MESH102",
            deployment(
                "      annotations:\n        <<: {proxy.istio.io/config: '{\"holdApplicationUntilProxyStarts\": false}'}\n",
            ),
        ),
        (
            "MESH401",
            deployment(
                "      annotations:\n        <<: {traffic.sidecar.istio.io/excludeOutboundPorts: \"443\"}\n        proxy.istio.io/config: '{\"holdApplicationUntilProxyStarts\": true}'\n        vault.hashicorp.com/agent-inject: \"true\"\n",
            ),
        ),
        (
            "MESH101",
            deployment("      <<: {annotations: {prometheus.io/scrape: \"true\"}}\n"),
        ),
    ]
}

/// The codes `--format json` reports for `text`, and how many of them have a fix.
fn findings(text: &str) -> (Vec<String>, usize) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.yaml");
    fs::write(&path, text).unwrap();
    let out = meshlint()
        .args(["--format", "json", "--unsafe-fixes"])
        .arg(&path)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let diags = json["diagnostics"].as_array().unwrap();
    let codes = diags
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect();
    let fixes = diags.iter().filter(|d| !d["fix"].is_null()).count();
    (codes, fixes)
}

#[test]
fn merged_values_are_read_and_no_fix_is_offered() {
    for (code, text) in shapes() {
        let (codes, fixes) = findings(&text);
        assert_eq!(codes, [code], "{text}");
        assert_eq!(fixes, 0, "{text}");
    }
    // A merged `true` is the hold: nothing to report.
    let text = deployment(
        "      annotations:\n        <<: {proxy.istio.io/config: '{\"holdApplicationUntilProxyStarts\": true}'}\n",
    );
    assert_eq!(findings(&text), (Vec::new(), 0), "{text}");
}

#[test]
fn fix_leaves_merged_maps_unchanged() {
    for unsafe_fixes in [false, true] {
        for (code, text) in shapes() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("app.yaml");
            fs::write(&path, &text).unwrap();
            let mut cmd = meshlint();
            cmd.arg("--fix");
            if unsafe_fixes {
                cmd.arg("--unsafe-fixes");
            }
            let out = cmd.arg(&path).output().unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert_eq!(fs::read_to_string(&path).unwrap(), text, "{code}: {stdout}");
            // The finding stays, and says why it has no fix.
            assert_eq!(out.status.code(), Some(1), "{code}: {stdout}");
            assert!(stdout.contains(code), "{stdout}");
            assert!(stdout.contains("merge `<<` values"), "{stdout}");
        }
    }
}

#[test]
fn fix_still_writes_where_no_merge_is_involved() {
    // The labels merge; the annotations do not: the hold is added to them as usual.
    let text = deployment("      annotations:\n        a: b\n").replace(
        "        sidecar.istio.io/inject: \"true\"\n",
        "        <<: {sidecar.istio.io/inject: \"true\"}\n",
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.yaml");
    fs::write(&path, &text).unwrap();
    let out = meshlint().arg("--fix").arg(&path).output().unwrap();
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        text.replace(
            "        a: b\n",
            "        a: b\n        proxy.istio.io/config: '{ \"holdApplicationUntilProxyStarts\": true }'\n"
        ),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(out.status.code(), Some(0));
}
