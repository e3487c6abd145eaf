//! Suppressions in the linted files: `# meshlint: ignore[...]` on the finding's line or above it,
//! `# meshlint: ignore-file[...]`, the `meshlint.io/ignore` annotation, and MESH903 for those
//! that suppress nothing, with its fix. Each test runs the built binary on files in a temp dir.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

struct Dir {
    dir: tempfile::TempDir,
}

impl Dir {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        Self { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, rel: &str, text: &str) {
        std::fs::write(self.path().join(rel), text).unwrap();
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel)).unwrap()
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        Command::cargo_bin("meshlint")
            .unwrap()
            .current_dir(self.path())
            .env("NO_COLOR", "1")
            .args(args)
            .output()
            .unwrap()
    }

    /// `(code, line, column, message, fixable)` of a JSON run, and its exit code.
    #[allow(clippy::type_complexity)] // (exit code, findings as code, line, column, message, fixable)
    fn lint(&self, args: &[&str]) -> (i32, Vec<(String, u64, u64, String, bool)>) {
        let mut all = vec!["--format", "json"];
        all.extend_from_slice(args);
        let out = self.run(&all);
        let code = out.status.code().unwrap();
        assert!(code < 2, "{}", String::from_utf8_lossy(&out.stderr));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let diags = v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["code"].as_str().unwrap().to_owned(),
                    d["range"]["start"]["line"].as_u64().unwrap(),
                    d["range"]["start"]["column"].as_u64().unwrap(),
                    d["message"].as_str().unwrap().to_owned(),
                    !d["fix"].is_null(),
                )
            })
            .collect();
        (code, diags)
    }

    fn codes(&self, file: &str, text: &str) -> Vec<String> {
        self.write(file, text);
        let (_, d) = self.lint(&["--no-config", file]);
        d.into_iter().map(|(c, l, ..)| format!("{c}@{l}")).collect()
    }
}

/// A pod with the hold set, and `{ANNOTATIONS}` to fill (at 4 spaces).
fn pod(annotations: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  annotations:\n    \
         proxy.istio.io/config: '{{\"holdApplicationUntilProxyStarts\": true}}'\n{annotations}\
         spec:\n  containers: []\n"
    )
}

const BAD_RANGES: &str =
    "    traffic.sidecar.istio.io/excludeOutboundIPRanges: \"10.0.0.0/8, 10.1.0.0/16\"\n";
const BAD_PORTS: &str = "    traffic.sidecar.istio.io/excludeOutboundPorts: \"8200;8201\"\n";

#[test]
fn without_suppression_both_findings_are_reported() {
    let d = Dir::new();
    assert_eq!(
        d.codes("a.yaml", &pod(&format!("{BAD_RANGES}{BAD_PORTS}"))),
        ["MESH302@7", "MESH306@8"]
    );
}

#[test]
fn a_comment_on_the_line_above_or_on_the_line_suppresses() {
    let d = Dir::new();
    let text = pod(&format!(
        "    # meshlint: ignore[MESH302]\n{BAD_RANGES}{}",
        BAD_PORTS.replace('\n', " # meshlint: ignore[port-list-malformed]\n")
    ));
    assert!(d.codes("a.yaml", &text).is_empty());
    // A note may follow the suppression; a blank line may not.
    let text = pod(&format!(
        "    # meshlint: ignore[MESH302] legacy network, see OPS-12\n    # (owned by the network team)\n{BAD_RANGES}"
    ));
    assert!(d.codes("a.yaml", &text).is_empty());
    let text = pod(&format!("    # meshlint: ignore[MESH302]\n\n{BAD_RANGES}"));
    assert_eq!(d.codes("a.yaml", &text), ["MESH903@7", "MESH302@9"]);
    // A trailing comment covers its own line only.
    let text = pod(&format!(
        "    sidecar.istio.io/rewriteAppHTTPProbers: \"true\" # meshlint: ignore[MESH302]\n{BAD_RANGES}"
    ));
    assert_eq!(d.codes("a.yaml", &text), ["MESH903@7", "MESH302@8"]);
}

#[test]
fn bare_ignore_and_names_and_prefixes() {
    let d = Dir::new();
    for directive in [
        "ignore",
        "ignore[ip-ranges-malformed]",
        "ignore[MESH3]",
        "ignore[MESH101, MESH302]",
    ] {
        let text = pod(&format!(
            "    # meshlint: {directive}\n{BAD_RANGES}{BAD_PORTS}"
        ));
        let got = d.codes("a.yaml", &text);
        let expected: &[&str] = if directive.contains("MESH101") {
            // MESH101 suppresses nothing there: reported, the rest of the comment still works.
            &["MESH903@7", "MESH306@9"]
        } else {
            &["MESH306@9"]
        };
        assert_eq!(got, expected, "{directive}");
    }
}

#[test]
fn a_comment_above_a_key_covers_findings_inside_its_multi_line_value() {
    let d = Dir::new();
    let text = pod(
        "    # meshlint: ignore[MESH302]\n    traffic.sidecar.istio.io/excludeOutboundIPRanges: >-\n      10.0.0.0/8,\n      10.1.0.0/16\n",
    );
    assert!(
        d.codes("a.yaml", &text).is_empty(),
        "{:?}",
        d.codes("a.yaml", &text)
    );
}

#[test]
fn ignore_file_covers_its_document_only() {
    let d = Dir::new();
    let doc = pod(BAD_RANGES);
    let text = format!("# meshlint: ignore-file[MESH302]\n{doc}---\n{doc}");
    let got = d.codes("a.yaml", &text);
    assert_eq!(got, ["MESH302@18"]);
    let text = format!("{doc}---\n{doc}# meshlint: ignore-file\n");
    assert_eq!(d.codes("a.yaml", &text), ["MESH302@7"]);
    let text = format!("# meshlint: ignore-file[MESH101]\n{doc}");
    assert_eq!(d.codes("a.yaml", &text), ["MESH903@1", "MESH302@8"]);
}

#[test]
fn the_annotation_suppresses_inside_its_resource() {
    let d = Dir::new();
    let deployment = |name: &str, extra: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n{extra}spec:\n  template:\n    metadata:\n      annotations:\n        vault.hashicorp.com/agent-inject: \"true\"\n    spec:\n      containers: []\n"
        )
    };
    let text = format!(
        "{}---\n{}",
        deployment(
            "a",
            "  annotations:\n    meshlint.io/ignore: \"MESH101,vault-init-race\"\n"
        ),
        deployment("b", "")
    );
    assert_eq!(d.codes("a.yaml", &text), ["MESH101@22", "MESH401@23"]);
    // An unused code is reported at the annotation's key, and only that code.
    let text = deployment(
        "a",
        "  annotations:\n    meshlint.io/ignore: \"MESH101, MESH401, MESH302\"\n",
    );
    let (_, diags) = {
        d.write("a.yaml", &text);
        d.lint(&["a.yaml"])
    };
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(
        (diags[0].0.as_str(), diags[0].1, diags[0].2),
        ("MESH903", 6, 5)
    );
    assert!(diags[0].3.contains("MESH302"), "{}", diags[0].3);
    d.run(&["--fix", "a.yaml"]);
    assert!(d
        .read("a.yaml")
        .contains("    meshlint.io/ignore: \"MESH101, MESH401\"\n"));
}

#[test]
fn the_annotation_on_a_list_covers_its_items() {
    let d = Dir::new();
    let text = "apiVersion: v1\nkind: List\nmetadata:\n  annotations:\n    meshlint.io/ignore: MESH302\nitems:\n  - apiVersion: v1\n    kind: Pod\n    metadata:\n      name: p\n      annotations:\n        proxy.istio.io/config: '{\"holdApplicationUntilProxyStarts\": true}'\n        traffic.sidecar.istio.io/excludeOutboundIPRanges: \"10.0.0.0/8, 10.1.0.0/16\"\n    spec:\n      containers: []\n";
    assert!(
        d.codes("a.yaml", text).is_empty(),
        "{:?}",
        d.codes("a.yaml", text)
    );
}

#[test]
fn the_text_inside_a_block_scalar_is_not_a_comment() {
    let d = Dir::new();
    let text = pod(&format!(
        "    note: |\n      # meshlint: ignore\n{BAD_RANGES}"
    ));
    assert_eq!(d.codes("a.yaml", &text), ["MESH302@9"]);
}

#[test]
fn unknown_codes_and_malformed_comments_are_reported() {
    let d = Dir::new();
    let text = pod(&format!(
        "    # meshlint: ignore[ip-range-malformed]\n{BAD_RANGES}"
    ));
    d.write("a.yaml", &text);
    let (_, diags) = d.lint(&["a.yaml"]);
    assert_eq!(diags[0].0, "MESH903");
    assert!(
        diags[0].3.contains("`ip-range-malformed`")
            && diags[0].3.contains("did you mean `ip-ranges-malformed`?"),
        "{}",
        diags[0].3
    );
    let text = pod(&format!("    # meshlint: ignore[MESH302\n{BAD_RANGES}"));
    d.write("a.yaml", &text);
    let (_, diags) = d.lint(&["a.yaml"]);
    assert_eq!(diags[0].0, "MESH903");
    assert!(diags[0].3.contains("no closing `]`"), "{}", diags[0].3);
    assert!(!diags[0].4, "a comment that is not understood has no fix");
    // Prose that merely mentions meshlint is no directive.
    assert_eq!(
        d.codes(
            "a.yaml",
            &pod("    # meshlint: see the README for the rules\n")
        ),
        Vec::<String>::new()
    );
}

#[test]
fn mesh903_is_info_points_at_the_comment_and_is_not_reported_for_disabled_rules() {
    let d = Dir::new();
    let text = pod(
        "    # meshlint: ignore[MESH302]\n    sidecar.istio.io/rewriteAppHTTPProbers: \"true\"\n",
    );
    d.write("a.yaml", &text);
    let (code, diags) = d.lint(&["a.yaml"]);
    assert_eq!(code, 0, "info does not fail the run");
    assert_eq!(
        (diags[0].0.as_str(), diags[0].1, diags[0].2),
        ("MESH903", 7, 5)
    );
    assert!(
        diags[0].3.contains("MESH302 (ip-ranges-malformed)") && diags[0].3.contains("line 8"),
        "{}",
        diags[0].3
    );
    // MESH302 is off: whether the comment would be used cannot be told.
    assert!(d.lint(&["--ignore", "MESH302", "a.yaml"]).1.is_empty());
    assert!(d.lint(&["--ignore", "MESH903", "a.yaml"]).1.is_empty());
    // Only a suppression naming MESH903 silences it.
    let text = pod("    # meshlint: ignore[MESH302] # meshlint: ignore[MESH903]\n    a: b\n");
    d.write("a.yaml", &text);
    assert!(
        d.lint(&["a.yaml"]).1.is_empty() || d.lint(&["a.yaml"]).1.iter().all(|x| x.0 == "MESH903")
    );
}

#[test]
fn suppressions_apply_with_no_config_and_with_a_configuration() {
    let d = Dir::new();
    d.write(".meshlint.yaml", "select: [MESH302, MESH903]\n");
    let text = pod(&format!("    # meshlint: ignore[MESH302]\n{BAD_RANGES}"));
    d.write("a.yaml", &text);
    assert!(d.lint(&[]).1.is_empty());
    assert!(d.lint(&["--no-config"]).1.is_empty());
}

#[test]
fn the_fix_removes_an_unused_comment_line_or_trailing_comment() {
    let d = Dir::new();
    let text = pod(
        "    # meshlint: ignore[MESH302]\n    sidecar.istio.io/rewriteAppHTTPProbers: \"true\"  # meshlint: ignore\n",
    );
    d.write("a.yaml", &text);
    let out = d.run(&["--fix", "a.yaml"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(
        d.read("a.yaml"),
        pod("    sidecar.istio.io/rewriteAppHTTPProbers: \"true\"\n")
    );
    // CRLF stays CRLF.
    let crlf = text.replace('\n', "\r\n");
    d.write("b.yaml", &crlf);
    d.run(&["--fix", "b.yaml"]);
    assert_eq!(
        d.read("b.yaml"),
        pod("    sidecar.istio.io/rewriteAppHTTPProbers: \"true\"\n").replace('\n', "\r\n")
    );
}

#[test]
fn the_fix_keeps_the_codes_still_in_use() {
    let d = Dir::new();
    let text = pod(&format!(
        "    # meshlint: ignore[MESH101,MESH302, MESH401]\n{BAD_RANGES}"
    ));
    d.write("a.yaml", &text);
    let (_, diags) = d.lint(&["a.yaml"]);
    let codes: Vec<_> = diags.iter().map(|x| (x.0.as_str(), x.1)).collect();
    assert_eq!(codes, [("MESH903", 7), ("MESH903", 7)]);
    let out = d.run(&["--fix", "--show-fixes", "a.yaml"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        d.read("a.yaml"),
        pod(&format!("    # meshlint: ignore[MESH302]\n{BAD_RANGES}"))
    );
}

#[test]
fn suppressed_findings_are_not_fixed_and_do_not_weaken_verification() {
    let d = Dir::new();
    let text = pod(&format!(
        "    # meshlint: ignore[MESH302]\n{BAD_RANGES}{BAD_PORTS}"
    ));
    d.write("a.yaml", &text);
    let out = d.run(&["--fix", "a.yaml"]);
    assert_eq!(out.status.code(), Some(0));
    let fixed = d.read("a.yaml");
    assert!(
        fixed.contains("\"10.0.0.0/8, 10.1.0.0/16\""),
        "suppressed: left alone\n{fixed}"
    );
    assert!(
        fixed.contains("\"8200,8201\""),
        "not suppressed: fixed\n{fixed}"
    );
    // The same with --diff: only the unsuppressed fix shows.
    d.write("a.yaml", &text);
    let out = d.run(&["--diff", "a.yaml"]);
    let diff = String::from_utf8(out.stdout).unwrap();
    assert!(
        diff.contains("+    traffic.sidecar.istio.io/excludeOutboundPorts: \"8200,8201\""),
        "{diff}"
    );
    assert!(
        !diff
            .lines()
            .any(|l| l.starts_with(['-', '+']) && l.contains("IPRanges")),
        "{diff}"
    );
}

#[test]
fn stdin_applies_suppressions() {
    let text = pod(&format!("    # meshlint: ignore[MESH302]\n{BAD_RANGES}"));
    let out = Command::cargo_bin("meshlint")
        .unwrap()
        .args(["--no-config", "--format", "concise", "-"])
        .write_stdin(text)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// The fixer's verification sees findings that are not reported: a fix that would introduce an
/// error is refused even when that error's rule is not selected or is suppressed on the line.
#[test]
fn hidden_errors_still_stop_a_fix() {
    let d = Dir::new();
    let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  annotations:\n    \
        proxy.istio.io/config: {holdApplicationUntilProxyStarts: yes, concurrency: abc} # meshlint: ignore[MESH103]\n\
        spec:\n  containers: []\n";
    for args in [&["--select", "MESH501"][..], &[][..]] {
        d.write("a.yaml", text);
        let mut all = vec!["--fix", "--format", "concise", "a.yaml"];
        all.extend_from_slice(args);
        let out = d.run(&all);
        let shown = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            shown.contains("was not applied: it would introduce MESH103"),
            "{args:?}: {shown}"
        );
        assert!(d
            .read("a.yaml")
            .contains("{holdApplicationUntilProxyStarts: yes, concurrency: abc}"));
    }
}

#[test]
fn a_syntax_error_is_suppressed_by_the_comments_read_before_it() {
    let d = Dir::new();
    // On the line above, trailing on the error's line (read by the parser or not), and
    // `ignore-file` in the broken document only.
    for text in [
        "a: b\n# meshlint: ignore[MESH900]\nc: [\n",
        "a: b\nc: [ # meshlint: ignore[MESH900]\n",
        "a: b\nc: d\n e: f # meshlint: ignore[MESH900]\n",
        "# meshlint: ignore-file[MESH900]\na: b\nc: d\n e: f\n",
        "a: b\rc: d\r# meshlint: ignore[yaml-syntax-error]\r e: f\r",
    ] {
        assert_eq!(d.codes("syn.yaml", text), Vec::<String>::new(), "{text:?}");
    }
    assert_eq!(
        d.codes(
            "syn.yaml",
            "x: 1\n---\n# meshlint: ignore-file[MESH900]\na: b\nc: d\n e: f\n---\nq: [\n"
        ),
        ["MESH900@8"]
    );
    // Not covering the error's line: reported, and the suppression is unused.
    assert_eq!(
        d.codes(
            "syn.yaml",
            "a: b\n# meshlint: ignore[MESH900]\nc: d\n e: f\n"
        ),
        ["MESH903@2", "MESH900@4"]
    );
    // A suppression of another rule in a broken document: whether it would be used cannot be
    // told, so it is not reported as unused.
    assert_eq!(
        d.codes(
            "syn.yaml",
            "a: b # meshlint: ignore[MESH101]\nc: d\n e: f\n"
        ),
        ["MESH900@3"]
    );
}

/// A Deployment in namespace `shop` missing the hold, its MESH101 suppressed, with a malformed
/// port list for the fixer to work on.
const SUPPRESSED_APP: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    metadata:
      # meshlint: ignore[MESH101] started by a wrapper that waits for Envoy
      annotations:
        traffic.sidecar.istio.io/excludeOutboundPorts: \"8200;8201\"
    spec:
      containers: []
";

#[test]
fn a_suppression_of_a_finding_that_other_files_rule_out_is_not_unused() {
    // Another file takes `shop` out of the mesh (or holds every pod mesh-wide): MESH101 does
    // not apply today, but editing that file brings it back, so the suppression is in use
    // whether the other file is linted too or not, and no fix deletes it.
    let others = [
        (
            "ns.yaml",
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    istio-injection: disabled\n",
        ),
        (
            "mesh.yaml",
            "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  meshConfig:\n    defaultConfig:\n      holdApplicationUntilProxyStarts: true\n",
        ),
    ];
    for (name, other) in others {
        let d = Dir::new();
        d.write(name, other);
        d.write("app.yaml", SUPPRESSED_APP);
        for args in [&["app.yaml"][..], &["."], &["app.yaml", name]] {
            let mut all = vec!["--no-config"];
            all.extend_from_slice(args);
            let (_, found) = d.lint(&all);
            let codes: Vec<String> = found.iter().map(|(c, l, ..)| format!("{c}@{l}")).collect();
            assert_eq!(codes, ["MESH306@11"], "{name}, {args:?}");
        }
        let out = d.run(&["--no-config", "--fix", "app.yaml"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert_eq!(
            d.read("app.yaml"),
            SUPPRESSED_APP.replace("8200;8201", "8200,8201"),
            "{name}: only the port list is fixed; the suppression stays"
        );
    }
}
