//! The built binary, run as users run it: on files in a temp dir, checking what they see.

pub mod common;

use common::{json, meshlint, write};
use std::fs;
use std::path::Path;
use tempfile::TempDir;

fn codes(v: &serde_json::Value) -> Vec<(String, String, u64, u64)> {
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
            )
        })
        .collect()
}

const CLEAN_CONFIGMAP: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: b\n";

const POD_NO_HOLD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: web
  labels:
    sidecar.istio.io/inject: \"true\"
  annotations:
    team: shop
spec:
  containers:
    - name: web
      image: nginx
";

const BAD_RANGES: &str = "apiVersion: v1
kind: Pod
metadata:
  name: web
  annotations:
    proxy.istio.io/config: '{ \"holdApplicationUntilProxyStarts\": true }'
    traffic.sidecar.istio.io/excludeOutboundIPRanges: \"10.0.0.0/8, 172.16.0.0/12\"
spec:
  containers:
    - name: web
      image: nginx
";

#[test]
fn clean_file_exits_0_with_a_summary() {
    let tmp = TempDir::new().unwrap();
    write(tmp.path(), "cm.yaml", CLEAN_CONFIGMAP);
    let out = meshlint(tmp.path())
        .arg("cm.yaml")
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    assert!(
        String::from_utf8_lossy(&out).contains("no problems"),
        "{}",
        String::from_utf8_lossy(&out)
    );
}

#[test]
fn warning_exits_1_unless_fail_on_error() {
    let tmp = TempDir::new().unwrap();
    write(tmp.path(), "pod.yaml", POD_NO_HOLD);
    meshlint(tmp.path()).arg("pod.yaml").assert().code(1);
    meshlint(tmp.path())
        .args(["--fail-on", "error", "pod.yaml"])
        .assert()
        .code(0);
    meshlint(tmp.path())
        .args(["--fail-on", "info", "pod.yaml"])
        .assert()
        .code(1);
}

#[test]
fn human_output_shows_position_code_name_and_excerpt() {
    let tmp = TempDir::new().unwrap();
    write(tmp.path(), "pod.yaml", BAD_RANGES);
    let out = meshlint(tmp.path())
        .arg("pod.yaml")
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains("pod.yaml:7:67: MESH302 [ip-ranges-malformed]"),
        "{out}"
    );
    assert!(
        out.contains("\" 172.16.0.0/12\"") || out.contains("' 172.16.0.0/12'"),
        "{out}"
    );
    assert!(
        out.contains(
            "traffic.sidecar.istio.io/excludeOutboundIPRanges: \"10.0.0.0/8, 172.16.0.0/12\""
        ),
        "{out}"
    );
    assert!(out.contains("fixable with --fix"), "{out}");
    assert!(out.contains("1 problem"), "{out}");
}

#[test]
fn concise_is_one_line_per_finding() {
    let tmp = TempDir::new().unwrap();
    write(tmp.path(), "pod.yaml", BAD_RANGES);
    let out = meshlint(tmp.path())
        .args(["--format", "concise", "pod.yaml"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    let first = out.lines().next().unwrap();
    assert!(
        first.starts_with("pod.yaml:7:67: MESH302 [ip-ranges-malformed] "),
        "{out}"
    );
}

#[test]
fn json_follows_the_contract() {
    let tmp = TempDir::new().unwrap();
    write(tmp.path(), "pod.yaml", BAD_RANGES);
    let out = meshlint(tmp.path())
        .args(["--format", "json", "pod.yaml"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v = json(&out);
    assert_eq!(v["version"], 1);
    let d = &v["diagnostics"][0];
    assert_eq!(d["code"], "MESH302");
    assert_eq!(d["name"], "ip-ranges-malformed");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], "pod.yaml");
    let offset = BAD_RANGES.find(" 172.16").unwrap() as u64;
    assert_eq!(d["range"]["start"]["offset"], offset);
    assert_eq!(d["range"]["start"]["line"], 7);
    assert_eq!(d["range"]["start"]["column"], 67);
    assert_eq!(
        d["range"]["end"]["offset"],
        offset + " 172.16.0.0/12".len() as u64
    );
    assert_eq!(d["fix"]["applicability"], "safe");
    assert_eq!(d["fix"]["edits"][0]["content"], "172.16.0.0/12");
    assert_eq!(v["summary"]["files"], 1);
    assert_eq!(v["summary"]["errors"], 1);
}

#[test]
fn columns_count_characters_offsets_count_bytes_and_bom() {
    let tmp = TempDir::new().unwrap();
    let text = format!(
        "\u{feff}{}",
        BAD_RANGES.replace("name: web", "name: wéb # café")
    );
    write(tmp.path(), "pod.yaml", &text);
    let out = meshlint(tmp.path())
        .args(["--format", "json", "pod.yaml"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v = json(&out);
    let d = &v["diagnostics"][0];
    assert_eq!(
        d["range"]["start"]["offset"],
        text.find(" 172.16").unwrap() as u64
    );
    assert_eq!(d["range"]["start"]["column"], 67);
}

#[test]
fn a_syntax_error_does_not_stop_other_documents_or_files() {
    let tmp = TempDir::new().unwrap();
    write(
        tmp.path(),
        "a-broken.yaml",
        "kind: Service\nmetadata: {name: x\n",
    );
    write(tmp.path(), "b-pod.yaml", BAD_RANGES);
    let out = meshlint(tmp.path())
        .args(["--format", "json", "."])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let found = codes(&json(&out));
    assert!(
        found
            .iter()
            .any(|(c, f, _, _)| c == "MESH900" && f == "a-broken.yaml"),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|(c, f, _, _)| c == "MESH302" && f == "b-pod.yaml"),
        "{found:?}"
    );
}

#[test]
fn unreadable_files_are_one_mesh902_each() {
    let tmp = TempDir::new().unwrap();
    fs::write(tmp.path().join("bin.yaml"), b"kind: Pod\n\0\x01\x02").unwrap();
    fs::write(tmp.path().join("utf16.yaml"), b"\xff\xfek\x00i\x00").unwrap();
    fs::write(
        tmp.path().join("latin1.yaml"),
        b"kind: Pod\nmetadata:\n  name: caf\xe9\n",
    )
    .unwrap();
    write(tmp.path(), "ok.yaml", BAD_RANGES);
    let out = meshlint(tmp.path())
        .args(["--format", "json", "."])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v = json(&out);
    let found = codes(&v);
    for f in ["bin.yaml", "utf16.yaml", "latin1.yaml"] {
        assert!(
            found
                .iter()
                .any(|(c, file, _, _)| c == "MESH902" && file == f),
            "{f}: {found:?}"
        );
    }
    let latin = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["file"] == "latin1.yaml")
        .unwrap();
    assert_eq!(latin["range"]["start"]["line"], 3);
    assert_eq!(latin["range"]["start"]["offset"], 31);
    assert_eq!(latin["range"]["start"]["column"], 12);
    let utf16 = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["file"] == "utf16.yaml")
        .unwrap();
    assert!(utf16["message"].as_str().unwrap().contains("UTF-8"));
    assert!(found.iter().any(|(c, _, _, _)| c == "MESH302"), "{found:?}");
}

#[test]
fn a_missing_path_is_a_usage_error() {
    let tmp = TempDir::new().unwrap();
    let out = meshlint(tmp.path())
        .arg("nope.yaml")
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8_lossy(&out).contains("nope.yaml"));
    meshlint(tmp.path())
        .args(["--select", "MESH999"])
        .assert()
        .code(2);
    meshlint(tmp.path())
        .args(["--format", "xml"])
        .assert()
        .code(2);
}

#[test]
fn select_and_ignore_take_codes_names_and_prefixes() {
    let tmp = TempDir::new().unwrap();
    write(
        tmp.path(),
        "pod.yaml",
        &BAD_RANGES.replace(
            "    proxy.istio.io/config: '{ \"holdApplicationUntilProxyStarts\": true }'\n",
            "",
        ),
    );
    let run = |args: &[&str]| {
        let mut all = vec!["--format", "json"];
        all.extend_from_slice(args);
        all.push("pod.yaml");
        let out = meshlint(tmp.path()).args(&all).output().unwrap();
        let mut c: Vec<String> = codes(&json(&out.stdout)).into_iter().map(|x| x.0).collect();
        c.sort();
        c
    };
    assert_eq!(run(&[]), ["MESH101", "MESH302"]);
    assert_eq!(run(&["--select", "MESH3"]), ["MESH302"]);
    assert_eq!(run(&["--select", "hold-missing"]), ["MESH101"]);
    assert_eq!(run(&["--ignore", "ip-ranges-malformed"]), ["MESH101"]);
    assert_eq!(
        run(&["--select", "MESH1,MESH3", "--ignore", "MESH101"]),
        ["MESH302"]
    );
}

#[test]
fn stdin_with_a_file_name() {
    let tmp = TempDir::new().unwrap();
    let out = meshlint(tmp.path())
        .args([
            "--format",
            "concise",
            "--stdin-filename",
            "deploy/pod.yaml",
            "-",
        ])
        .write_stdin(BAD_RANGES)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    assert!(
        String::from_utf8_lossy(&out).starts_with("deploy/pod.yaml:7:67: MESH302"),
        "{}",
        String::from_utf8_lossy(&out)
    );
}

#[test]
fn stdin_that_is_not_text_is_refused_like_a_file_and_passed_through_by_fix() {
    let tmp = TempDir::new().unwrap();
    for (input, message) in [
        (
            &b"kind: Pod\nmetadata: {name: \xff}\n"[..],
            "2:18: MESH902 [unreadable-file] the file is not valid UTF-8 (invalid byte 0xFF)",
        ),
        (
            &b"\xff\xfek\x00i\x00"[..],
            "1:1: MESH902 [unreadable-file] the file is UTF-16",
        ),
        (
            &b"kind: Pod\x00"[..],
            "1:10: MESH902 [unreadable-file] the file contains a NUL byte",
        ),
    ] {
        let out = meshlint(tmp.path())
            .args([
                "--format",
                "concise",
                "--no-config",
                "--stdin-filename",
                "p.yaml",
                "-",
            ])
            .write_stdin(input)
            .assert()
            .code(1)
            .get_output()
            .clone();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.starts_with(&format!("p.yaml:{message}")), "{stdout}");
        // `--fix` writes what it cannot fix back unchanged, byte for byte.
        let out = meshlint(tmp.path())
            .args(["--format", "concise", "--no-config", "--fix", "-"])
            .write_stdin(input)
            .assert()
            .code(1)
            .get_output()
            .clone();
        assert_eq!(out.stdout, input);
        assert!(String::from_utf8_lossy(&out.stderr).contains("MESH902"));
    }
}

#[test]
fn stdin_with_other_paths_is_a_usage_error() {
    let tmp = TempDir::new().unwrap();
    write(tmp.path(), "a.yaml", BAD_RANGES);
    let out = meshlint(tmp.path())
        .args(["a.yaml", "-"])
        .write_stdin(BAD_RANGES)
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("`-` (stdin) cannot be combined with other paths"));
}

#[test]
fn the_walk_respects_gitignore_hidden_files_and_extensions() {
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    fs::create_dir(d.join(".git")).unwrap();
    write(d, ".gitignore", "ignored/\n");
    write(d, "ignored/pod.yaml", POD_NO_HOLD);
    write(d, ".hidden/pod.yaml", POD_NO_HOLD);
    write(d, "a/pod.yml", POD_NO_HOLD);
    write(d, "a/pod.json", "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"x\"}, \"spec\": {}}");
    write(d, "a/notes.txt", POD_NO_HOLD);
    write(d, "explicit.txt", POD_NO_HOLD);
    let out = meshlint(d)
        .args(["--format", "json", "."])
        .output()
        .unwrap();
    let files: Vec<String> = codes(&json(&out.stdout)).into_iter().map(|x| x.1).collect();
    assert!(files.contains(&"a/pod.yml".to_owned()), "{files:?}");
    assert!(files.contains(&"a/pod.json".to_owned()), "{files:?}");
    assert!(
        !files.iter().any(|f| f.contains("ignored")
            || f.contains("hidden")
            || std::path::Path::new(f)
                .extension()
                .is_some_and(|e| e == "txt")),
        "{files:?}"
    );
    let out = meshlint(d)
        .args(["--format", "json", "explicit.txt"])
        .output()
        .unwrap();
    assert_eq!(codes(&json(&out.stdout))[0].1, "explicit.txt");
}

#[test]
fn output_is_the_same_whatever_the_thread_count() {
    let tmp = TempDir::new().unwrap();
    for i in 0..40 {
        write(
            tmp.path(),
            &format!("d{}/pod{i}.yaml", i % 7),
            if i % 2 == 0 { POD_NO_HOLD } else { BAD_RANGES },
        );
    }
    let one = meshlint(tmp.path())
        .args(["--format", "json", "--jobs", "1", "."])
        .output()
        .unwrap()
        .stdout;
    let two = meshlint(tmp.path())
        .args(["--format", "json", "--jobs", "2", "."])
        .output()
        .unwrap()
        .stdout;
    assert_eq!(one, two);
    let found = codes(&json(&one));
    let mut sorted = found.clone();
    sorted.sort_by(|a, b| (&a.1, a.2, a.3).cmp(&(&b.1, b.2, b.3)));
    assert_eq!(found, sorted);
}

#[test]
fn helm_templates_are_skipped_but_strings_with_braces_are_linted() {
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    write(
        d,
        "chart/Chart.yaml",
        "apiVersion: v2\nname: shop\nversion: 1.0.0\n",
    );
    write(
        d,
        "chart/templates/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
    );
    write(
        d,
        "loose-template.yaml",
        "kind: Pod\nmetadata:\n  name: x\n  labels:\n    app: {{ .Values.app }}\n",
    );
    write(d, "rule.yaml", "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: r\nspec:\n  groups:\n    - name: g\n      rules:\n        - alert: A\n          annotations:\n            summary: \"{{ $labels.pod }} is down\"\n");
    let out = meshlint(d)
        .args(["--format", "json", "."])
        .output()
        .unwrap();
    let found = codes(&json(&out.stdout));
    assert!(
        found.contains(&("MESH901".into(), "chart/templates/deploy.yaml".into(), 4, 9)),
        "{found:?}"
    );
    assert!(
        found.contains(&("MESH901".into(), "loose-template.yaml".into(), 5, 10)),
        "{found:?}"
    );
    assert!(!found.iter().any(|x| x.1 == "rule.yaml"), "{found:?}");
    // MESH901 is info: below the default threshold, a run of templates passes...
    meshlint(d)
        .args(["chart/templates/deploy.yaml"])
        .assert()
        .code(0);
}

/// MESH901 follows the thresholds the user set, as every code does: `--fail-on info` and a
/// severity override make a run of templates fail (it used to exit 0 whatever was set).
#[test]
fn mesh901_follows_fail_on_and_severity_overrides() {
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    write(
        d,
        "chart/templates/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
    );
    meshlint(d).arg("chart").assert().code(0);
    meshlint(d)
        .args(["--fail-on", "info", "chart"])
        .assert()
        .code(1);
    write(d, ".meshlint.yaml", "severity:\n  MESH901: error\n");
    let out = meshlint(d).arg("chart").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("1 problem (1 error, 0 warnings, 0 infos)"),
        "{stdout}"
    );
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    write(d, ".meshlint.yaml", "fail-on: info\n");
    meshlint(d).arg("chart").assert().code(1);
}

#[test]
fn a_broken_file_is_a_template_only_for_braces_outside_comments() {
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    let head = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x";
    // `{{` only in comments: the syntax error is reported, not hidden as a template.
    write(
        d,
        "commented.yaml",
        &format!("{head} # {{{{ .Values.name }}}}\ndata:\n  a: [b\n"),
    );
    write(
        d,
        "trailing.yaml",
        &format!("{head}\ndata:\n  b: [oops # {{{{ x }}}}\n"),
    );
    // A quote inside a plain scalar opens no string: the `#` after it starts a comment.
    write(
        d,
        "apostrophe.yaml",
        &format!("{head}\n bad: indent\ndata:\n  note: don't panic # {{{{ x }}}}\n"),
    );
    // A `#` line inside a block scalar is content, so its `{{` makes the file a template.
    write(
        d,
        "block.yaml",
        &format!("{head}\ndata:\n  a: |\n    # {{{{ .Values.x }}}}\n  b: [oops\n"),
    );
    let out = meshlint(d)
        .args(["--format", "json", "--no-config", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let found = codes(&json(&out.stdout));
    assert_eq!(
        found,
        vec![
            ("MESH900".into(), "apostrophe.yaml".into(), 5, 2),
            ("MESH901".into(), "block.yaml".into(), 7, 7),
            ("MESH900".into(), "commented.yaml".into(), 6, 6),
            ("MESH900".into(), "trailing.yaml".into(), 6, 6),
        ]
    );
}

#[test]
fn namespace_labels_from_another_file_decide_injection() {
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    write(d, "ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: tools\n  labels:\n    istio-injection: disabled\n");
    write(
        d,
        "pod.yaml",
        &POD_NO_HOLD.replace("  name: web\n", "  name: web\n  namespace: tools\n"),
    );
    meshlint(d)
        .args(["--select", "MESH101", "."])
        .assert()
        .code(0);
    // Alone, the namespace is unknown: the pod's own label opts it in.
    meshlint(d)
        .args(["--select", "MESH101", "pod.yaml"])
        .assert()
        .code(1);
}

#[test]
fn a_mesh_wide_hold_suppresses_hold_missing_in_cluster_only() {
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    write(d, "iop.yaml", "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  meshConfig:\n    defaultConfig:\n      holdApplicationUntilProxyStarts: true\n");
    write(d, "pod.yaml", POD_NO_HOLD);
    meshlint(d)
        .args(["--select", "MESH101", "."])
        .assert()
        .code(0);
    meshlint(d)
        .args(["--select", "MESH101", "--profile", "managed", "."])
        .assert()
        .code(1);
}

/// A gateway's only container is Envoy (`inject.istio.io/templates: gateway`, `istio-proxy`
/// with `image: auto`): nothing to hold, and `istio.io/rev` on the Deployment is the revision
/// marker. The ordinary Deployment beside it is still reported.
#[test]
fn a_gateway_deployment_gets_no_hold_or_revision_label_finding() {
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    let gateway = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: ingress
  namespace: ingress
  labels:
    istio.io/rev: canary
spec:
  selector:
    matchLabels:
      istio: ingress
  template:
    metadata:
      annotations:
        inject.istio.io/templates: gateway
      labels:
        istio: ingress
        sidecar.istio.io/inject: \"true\"
    spec:
      containers:
        - name: istio-proxy
          image: auto
";
    let app = gateway
        .replace("name: ingress\n", "name: web\n")
        .replace(
            "        inject.istio.io/templates: gateway\n",
            "        team: web\n",
        )
        .replace(
            "- name: istio-proxy\n          image: auto",
            "- name: web\n          image: auto",
        );
    write(d, "gateway.yaml", &format!("{gateway}---\n{app}"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_meshlint"))
        .current_dir(d)
        .env("NO_COLOR", "1")
        .args(["--no-config", "--format", "json", "gateway.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let found = codes(&json(&out.stdout));
    let gateway_lines = gateway.lines().count() as u64;
    assert!(
        !found.iter().any(|(code, _, line, _)| *line <= gateway_lines
            && matches!(code.as_str(), "MESH101" | "MESH201")),
        "{found:?}"
    );
    // The application's Deployment (after the gateway and `---`): MESH101 at its `annotations`,
    // MESH201 at its `istio.io/rev` label.
    let sep = gateway_lines + 1;
    assert!(
        found.contains(&("MESH101".into(), "gateway.yaml".into(), sep + 14, 7)),
        "{found:?}"
    );
    assert!(
        found.contains(&("MESH201".into(), "gateway.yaml".into(), sep + 7, 5)),
        "{found:?}"
    );
}

#[test]
fn rules_and_explain() {
    let tmp = TempDir::new().unwrap();
    let out = meshlint(tmp.path())
        .arg("rules")
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains("MESH101") && out.contains("hold-missing") && out.contains("warning"),
        "{out}"
    );
    for code in ["MESH302", "MESH501", "MESH900", "MESH902"] {
        assert!(out.contains(code), "{code} missing from `rules`");
    }
    let by_code = meshlint(tmp.path())
        .args(["explain", "MESH101"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let by_name = meshlint(tmp.path())
        .args(["explain", "hold-missing"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    assert_eq!(by_code, by_name);
    assert!(String::from_utf8_lossy(&by_code).starts_with("# MESH101 hold-missing"));
    meshlint(tmp.path())
        .args(["explain", "MESH999"])
        .assert()
        .code(2);
}

#[test]
fn color_only_when_asked_or_on_a_terminal() {
    let tmp = TempDir::new().unwrap();
    write(tmp.path(), "pod.yaml", BAD_RANGES);
    let plain = meshlint(tmp.path())
        .arg("pod.yaml")
        .output()
        .unwrap()
        .stdout;
    assert!(!plain.contains(&0x1b), "no ANSI when not a terminal");
    let colored = meshlint(tmp.path())
        .args(["--color", "always", "pod.yaml"])
        .output()
        .unwrap()
        .stdout;
    assert!(colored.contains(&0x1b), "ANSI with --color always");
}

/// The shipped examples, in the three formats people read: snapshots of exactly what they see.
#[test]
fn examples_snapshots() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (format, name) in [
        ("human", "examples_human"),
        ("concise", "examples_concise"),
        ("json", "examples_json"),
    ] {
        let out = meshlint(root)
            .args(["--no-config", "--format", format, "examples"])
            .assert()
            .code(1)
            .get_output()
            .stdout
            .clone();
        insta::assert_snapshot!(name, String::from_utf8(out).unwrap());
    }
}

/// `(code, line, column, offset, message)` of every finding of a JSON run in `dir`.
fn positions(dir: &Path, args: &[&str]) -> Vec<(String, u64, u64, u64, String)> {
    let out = meshlint(dir)
        .args(["--format", "json", "--no-config"])
        .args(args)
        .output()
        .unwrap();
    json(&out.stdout)["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let s = &d["range"]["start"];
            (
                d["code"].as_str().unwrap().to_owned(),
                s["line"].as_u64().unwrap(),
                s["column"].as_u64().unwrap(),
                s["offset"].as_u64().unwrap(),
                d["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn mesh902_points_at_the_first_invalid_byte_or_nul_with_a_matching_offset() {
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    for (bytes, line, column, offset, says) in [
        // A PNG header: 0x89 comes first, the NULs later.
        (&b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"[..], 1, 1, 0, "0x89"),
        // A gzip header: 0x1F is valid UTF-8, 0x8B is not.
        (&b"\x1f\x8b\x08\x00\x00\x00"[..], 1, 2, 1, "0x8B"),
        (&b"a: \xff\nb: \xc3\xa9\x00\n"[..], 1, 4, 3, "0xFF"),
        (
            &b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \xc3\xa9\xe2\x82\xacx\xffy\x00\n"[..],
            4,
            12,
            55,
            "0xFF",
        ),
        // A NUL first, after multi-byte characters.
        (&b"a: \xc3\xa9\xe2\x82\xac\x00\xff"[..], 1, 6, 8, "NUL"),
        (&b"\xff\xfe\x00\x00a\x00\x00\x00"[..], 1, 1, 0, "UTF-32"),
    ] {
        fs::write(d.join("bin.yaml"), bytes).unwrap();
        let found = positions(d, &["bin.yaml"]);
        assert_eq!(found.len(), 1, "{found:?}");
        let (code, l, c, o, message) = &found[0];
        assert_eq!(
            (code.as_str(), *l, *c, *o),
            ("MESH902", line, column, offset),
            "{bytes:?}: {message}"
        );
        assert!(message.contains(says), "{message}");
    }
}

#[test]
fn a_lone_cr_is_a_line_break_for_every_position() {
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    write(
        d,
        "cr.yaml",
        "apiVersion: v1\rkind: ConfigMap\rmetadata:\r  name: x\r  labels:\r    a: 08\r    b: \"1\"\r    b: \"2\"\r",
    );
    let found = positions(d, &["cr.yaml"]);
    let short: Vec<_> = found
        .iter()
        .map(|(c, l, col, o, _)| (c.as_str(), *l, *col, *o))
        .collect();
    assert_eq!(short, [("MESH501", 6, 8, 68), ("MESH503", 8, 5, 86)]);
    assert!(found[1].4.contains("first on line 7"), "{}", found[1].4);
    // CRLF stays one line break.
    write(
        d,
        "crlf.yaml",
        "apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: x\r\n  labels:\r\n    a: 08\r\n",
    );
    let found = positions(d, &["crlf.yaml"]);
    assert_eq!((found[0].1, found[0].2, found[0].3), (6, 8, 73));
    // The human excerpt shows each line on its own, numbered.
    write(
        d,
        "multi.yaml",
        "apiVersion: v1\rkind: Pod\rmetadata:\r  name: p\r  annotations:\r    proxy.istio.io/config: |\r      holdApplicationUntilProxyStarts: \"true\"\r      concurrency: 2\rspec: {containers: []}\r",
    );
    let out = meshlint(d)
        .args(["--no-config", "--select", "MESH103", "multi.yaml"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("multi.yaml:6:28: MESH103"), "{text}");
    assert!(!text.contains('\r'), "{text:?}");
    let numbered: Vec<&str> = text
        .lines()
        .filter(|l| l.contains('│'))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| n.parse::<u32>().is_ok())
        .collect();
    assert_eq!(numbered, ["6", "7", "8"], "{text}");
}

#[test]
fn chart_templates_are_found_whatever_the_path_looks_like() {
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    let bad = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels: {a: 08}\n";
    write(
        d,
        "ch/Chart.yaml",
        "apiVersion: v2\nname: c\nversion: 1.0.0\n",
    );
    write(d, "ch/templates/a.yaml", bad);
    write(d, "ch/templates/sub/b.yaml", bad);
    write(d, "plain/templates/c.yaml", bad);
    let mesh901 = |dir: &Path, args: &[&str], files: &[&str]| {
        let out = meshlint(dir)
            .args(["--format", "json", "--no-config"])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let found = codes(&json(&out.stdout));
        let want: Vec<_> = files
            .iter()
            .map(|f| ("MESH901".to_owned(), (*f).to_owned(), 1, 1))
            .collect();
        assert_eq!(found, want, "{args:?}");
    };
    let templates = d.join("ch/templates");
    mesh901(&templates, &["."], &["a.yaml", "sub/b.yaml"]);
    mesh901(&templates, &["a.yaml"], &["a.yaml"]);
    mesh901(&templates.join("sub"), &["b.yaml"], &["b.yaml"]);
    mesh901(&templates.join("sub"), &["../a.yaml"], &["../a.yaml"]);
    mesh901(
        &d.join("ch"),
        &["templates"],
        &["templates/a.yaml", "templates/sub/b.yaml"],
    );
    // Stdin named as a template.
    let out = meshlint(&d.join("ch"))
        .args(["--format", "json", "--no-config", "--stdin-filename"])
        .args(["templates/a.yaml", "-"])
        .write_stdin(bad)
        .output()
        .unwrap();
    assert_eq!(
        codes(&json(&out.stdout)),
        [("MESH901".to_owned(), "templates/a.yaml".to_owned(), 1, 1)]
    );
    // `templates/` without a `Chart.yaml` beside it is linted.
    let out = meshlint(&d.join("plain/templates"))
        .args(["--format", "json", "--no-config", "c.yaml"])
        .output()
        .unwrap();
    assert_eq!(
        codes(&json(&out.stdout)),
        [("MESH501".to_owned(), "c.yaml".to_owned(), 5, 15)]
    );
}

#[test]
fn reported_paths_are_relative_to_the_working_directory_and_clean() {
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    let bad = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels: {a: 08}\n";
    write(d, "warn.yaml", bad);
    write(d, "sub/w.yaml", bad);
    let abs = d.join("warn.yaml").display().to_string();
    for (arg, shown) in [
        (".//warn.yaml", "warn.yaml"),
        ("./sub/../warn.yaml", "warn.yaml"),
        ("sub//w.yaml", "sub/w.yaml"),
        ("./sub/./w.yaml", "sub/w.yaml"),
        (abs.as_str(), "warn.yaml"),
    ] {
        let out = meshlint(d)
            .args(["--format", "json", "--no-config", arg])
            .output()
            .unwrap();
        let found = codes(&json(&out.stdout));
        assert_eq!(found.len(), 1, "{arg}");
        assert_eq!(found[0].1, shown, "{arg}");
        // Every format shows the same path.
        for (format, needle) in [
            ("sarif", format!("\"uri\": \"{shown}\"")),
            ("github", format!("file={shown},")),
            ("concise", format!("{shown}:5:15:")),
            ("gitlab", format!("\"path\": \"{shown}\"")),
            ("junit", format!("name=\"{shown}\"")),
        ] {
            let out = meshlint(d)
                .args(["--format", format, "--no-config", arg])
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(text.contains(&needle), "{arg} {format}: {text}");
        }
    }
    // Outside the working directory: as given, without redundant `.` and `/`.
    let out = meshlint(&d.join("sub"))
        .args(["--format", "json", "--no-config", "..//warn.yaml"])
        .output()
        .unwrap();
    assert_eq!(codes(&json(&out.stdout))[0].1, "../warn.yaml");
    // `--fix` on such spellings writes the file itself.
    for arg in [".//warn.yaml", abs.as_str()] {
        write(d, "warn.yaml", bad);
        meshlint(d)
            .args(["--no-config", "--fix", arg])
            .assert()
            .code(0);
        assert!(fs::read_to_string(d.join("warn.yaml"))
            .unwrap()
            .contains("{a: \"08\"}"));
    }
}

#[test]
fn a_file_named_twice_is_linted_and_reported_once() {
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    let bad = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels: {a: 08}\n";
    write(d, "a.yaml", bad);
    write(d, "dir/b.yaml", bad);
    let abs = d.join("a.yaml").display().to_string();
    for args in [
        vec!["a.yaml", "./a.yaml"],
        vec!["a.yaml", abs.as_str()],
        vec!["dir", "dir/b.yaml", "a.yaml"],
        vec!["dir/b.yaml", "./dir", "a.yaml", "a.yaml"],
    ] {
        let out = meshlint(d)
            .args(["--format", "json", "--no-config"])
            .args(&args)
            .output()
            .unwrap();
        let v = json(&out.stdout);
        let files: Vec<String> = codes(&v).into_iter().map(|c| c.1).collect();
        let want: Vec<&str> = if args.iter().any(|a| a.contains("dir")) {
            vec!["a.yaml", "dir/b.yaml"]
        } else {
            vec!["a.yaml"]
        };
        assert_eq!(files, want, "{args:?}");
        assert_eq!(v["summary"]["files"], want.len(), "{args:?}");
    }
    // `--fix` writes it once.
    meshlint(d)
        .args(["--no-config", "--fix", "a.yaml", "./a.yaml"])
        .assert()
        .code(0);
    assert!(fs::read_to_string(d.join("a.yaml"))
        .unwrap()
        .contains("{a: \"08\"}"));
}

#[test]
fn sarif_rule_help_is_the_summary_then_the_page() {
    let tmp = TempDir::new().unwrap();
    write(tmp.path(), "broken.yaml", "a: [\n");
    let out = meshlint(tmp.path())
        .args(["--format", "sarif", "--no-config", "broken.yaml"])
        .output()
        .unwrap();
    let v = json(&out.stdout);
    let rule = v["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "MESH900")
        .unwrap();
    assert_eq!(
        rule["help"]["text"],
        format!(
            "A YAML document does not parse. See {}",
            rule["helpUri"].as_str().unwrap()
        )
    );
}

// ------------------------------------------------------------------------------------------
// The command line of issue 19: `meshlint check`, ambiguous commands, flag combinations,
// `-j`, `--help`, empty paths, one set of counts, and messages.

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn check_lints_as_the_bare_command_does() {
    let tmp = TempDir::new().unwrap();
    write(tmp.path(), "deploy/pod.yaml", POD_NO_HOLD);
    let bare = meshlint(tmp.path()).arg("deploy").output().unwrap();
    let check = meshlint(tmp.path())
        .args(["check", "deploy"])
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(1), "{}", stderr_of(&check));
    assert!(
        stdout_of(&check).contains("MESH101"),
        "{}",
        stdout_of(&check)
    );
    assert_eq!(stdout_of(&check), stdout_of(&bare));
    assert_eq!(check.status.code(), bare.status.code());
    // `check` takes every lint option.
    let fixed = meshlint(tmp.path())
        .args(["check", "--diff", "deploy"])
        .output()
        .unwrap();
    assert!(
        stdout_of(&fixed).contains("+++ b/deploy/pod.yaml"),
        "{}",
        stdout_of(&fixed)
    );
}

/// `meshlint config` in a Kubebuilder project (which has `config/`) printed the configuration
/// and exited 0: nothing linted, CI green.
#[test]
fn a_command_name_that_is_also_a_path_is_refused() {
    let tmp = TempDir::new().unwrap();
    write(tmp.path(), "config/manager/pod.yaml", POD_NO_HOLD);
    write(tmp.path(), "rules/pod.yaml", POD_NO_HOLD);
    write(tmp.path(), "explain", "not a rule\n");
    for (args, name) in [
        (&["config"][..], "config"),
        (&["rules"][..], "rules"),
        (&["explain", "MESH101"][..], "explain"),
    ] {
        let out = meshlint(tmp.path()).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stdout_of(&out));
        assert!(
            stderr_of(&out).starts_with(&format!(
                "meshlint: error: `{name}` is both a meshlint command and a path here: did you mean `meshlint check {name}`?"
            )),
            "{}",
            stderr_of(&out)
        );
        assert_eq!(stdout_of(&out), "", "{args:?}");
    }
    // Both ways out: `check` lints the path, `--` runs the command.
    let out = meshlint(tmp.path())
        .args(["check", "config"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout_of(&out).contains("config/manager/pod.yaml:"),
        "{}",
        stdout_of(&out)
    );
    let out = meshlint(tmp.path())
        .args(["config", "--"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(
        stdout_of(&out).contains("fail-on: warning"),
        "{}",
        stdout_of(&out)
    );
    let out = meshlint(tmp.path())
        .args(["explain", "--", "MESH101"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    write(tmp.path(), "help/pod.yaml", POD_NO_HOLD);
    let out = meshlint(tmp.path()).arg("help").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).ends_with("(for help, write `meshlint --help`)\n"),
        "{}",
        stderr_of(&out)
    );
    // Where no such path exists, the command runs as ever.
    let empty = TempDir::new().unwrap();
    meshlint(empty.path()).arg("rules").assert().code(0);
}

#[test]
fn flag_combinations_that_cannot_work_are_usage_errors() {
    let tmp = TempDir::new().unwrap();
    write(tmp.path(), "pod.yaml", BAD_RANGES);
    for (args, says) in [
        (
            &["--fix", "--diff", "pod.yaml"][..],
            "the argument '--fix' cannot be used with '--diff'",
        ),
        (
            &["--statistics", "--format", "json", "pod.yaml"][..],
            "--statistics prints a table for people and cannot be combined with --format json",
        ),
        (
            &["--show-fixes", "pod.yaml"][..],
            "the following required arguments were not provided:\n  --fix",
        ),
        (
            &["--stdin-filename", "x.yaml", "pod.yaml"][..],
            "--stdin-filename names the text read from stdin: give `-` as the path",
        ),
        (
            &["check", "--fix", "--diff", "pod.yaml"][..],
            "the argument '--fix' cannot be used with '--diff'",
        ),
    ] {
        let out = meshlint(tmp.path()).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr_of(&out));
        assert!(
            stderr_of(&out).contains(says),
            "{args:?}: {}",
            stderr_of(&out)
        );
        assert_eq!(stdout_of(&out), "", "{args:?}");
    }
    // Nothing was written by the refused --fix --diff.
    assert_eq!(
        fs::read_to_string(tmp.path().join("pod.yaml")).unwrap(),
        BAD_RANGES
    );
    // The combinations that work still do.
    meshlint(tmp.path())
        .args(["--fix", "--show-fixes", "pod.yaml"])
        .assert()
        .code(0);
}

/// `-j 100000` panicked and then hung with 16,000 threads; `-j 0` was taken silently.
#[test]
fn jobs_is_bounded() {
    let tmp = TempDir::new().unwrap();
    write(tmp.path(), "cm.yaml", CLEAN_CONFIGMAP);
    for n in ["0", "65", "256", "100000", "many"] {
        let out = meshlint(tmp.path())
            .args(["-j", n, "cm.yaml"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "-j {n}");
        let err = stderr_of(&out);
        assert!(
            err.contains("invalid value") && err.contains("--jobs <N>"),
            "-j {n}: {err}"
        );
        assert!(!err.contains("panicked"), "-j {n}: {err}");
    }
    let err = stderr_of(
        &meshlint(tmp.path())
            .args(["-j", "0", "."])
            .output()
            .unwrap(),
    );
    assert!(err.contains("give 1 to 64"), "{err}");
    for n in ["1", "64"] {
        meshlint(tmp.path()).args(["-j", n, "."]).assert().code(0);
    }
}

#[test]
fn help_shows_examples_exit_codes_and_where_configuration_comes_from() {
    let tmp = TempDir::new().unwrap();
    for args in [&["--help"][..], &["check", "--help"][..]] {
        let out = meshlint(tmp.path()).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        let help = stdout_of(&out);
        for needle in [
            "Examples:",
            "meshlint check --fix deploy/",
            "Exit codes:",
            "  2  usage, configuration or I/O error",
            "closest `.meshlint.yaml`",
            "found automatically",
        ] {
            assert!(help.contains(needle), "{args:?} lacks {needle:?}:\n{help}");
        }
    }
    let help = stdout_of(
        &meshlint(tmp.path())
            .args(["config", "--help"])
            .output()
            .unwrap(),
    );
    assert!(
        help.contains("[PATH]  The file or directory whose configuration to print"),
        "{help}"
    );
}

/// A directory with no manifests, or a mistyped one, said "All clear: 0 files" and exited 0.
#[test]
fn a_named_directory_without_manifests_is_an_error_with_a_suggestion() {
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    write(d, "deployments/cm.yaml", CLEAN_CONFIGMAP);
    write(d, "deploy/README.md", "# notes\n");
    let out = meshlint(d).arg("deploy/").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr_of(&out),
        "meshlint: error: no manifests under deploy/ — did you mean deployments/?\n"
    );
    assert_eq!(stdout_of(&out), "");
    let out = meshlint(d).arg("deplyments").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr_of(&out),
        "meshlint: error: deplyments: no such file or directory — did you mean deployments/?\n"
    );
    // One empty directory among others is still a mistake on the command line.
    meshlint(d).args(["deployments", "deploy"]).assert().code(2);
    // Without a close name: what meshlint lints.
    write(d, "empty/.keep", "");
    let err = stderr_of(&meshlint(d).arg("empty").output().unwrap());
    assert!(
        err.starts_with(
            "meshlint: error: no manifests under empty (meshlint lints the files `include` matches"
        ),
        "{err}"
    );
    // No path named: the current directory is linted, empty or not.
    let out = meshlint(&d.join("empty")).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(
        stdout_of(&out),
        "All clear: 0 files checked, no problems.\n"
    );
    // Files named on the command line (as pre-commit names them) that are all excluded are
    // not an error: nothing was asked of a directory.
    write(d, ".meshlint.yaml", "exclude: [\"deployments/\"]\n");
    meshlint(d)
        .args(["--force-exclude", "deployments/cm.yaml"])
        .assert()
        .code(0);
}

#[test]
fn verbose_says_how_many_files_the_walk_skipped_and_why() {
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    write(d, "deploy/cm.yaml", CLEAN_CONFIGMAP);
    write(d, "deploy/notes.md", "# notes\n");
    write(d, "deploy/run.sh", "echo\n");
    write(d, "deploy/vendor/other.yaml", CLEAN_CONFIGMAP);
    write(d, ".meshlint.yaml", "exclude: [\"deploy/vendor/\"]\n");
    let out = meshlint(d).args(["--verbose", "deploy"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains(
            "meshlint: skipped 3 files: 2 not matched by `include` (by default *.yaml, *.yml, *.json), 1 named by `exclude`"
        ),
        "{}",
        stderr_of(&out)
    );
    // Not without --verbose.
    let out = meshlint(d).arg("deploy").output().unwrap();
    assert_eq!(stderr_of(&out), "");
}

/// Lint said "6 fixable with --fix", --fix then "Fixed 4 problems; 3 remain" (9 − 4 ≠ 3), and
/// "All clear" came before "Fixed 3 problems"; JSON's `fixable` counted unsafe fixes, the
/// human line did not, and "in 4 files" meant files with findings while JSON's `files` meant
/// files checked.
#[test]
fn lint_fix_and_json_give_one_set_of_counts() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    for e in fs::read_dir(&examples).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "yaml") {
            fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
        }
    }
    let human = stdout_of(&meshlint(dir).arg(".").output().unwrap());
    let report = json(
        &meshlint(dir)
            .args(["--format", "json", "."])
            .output()
            .unwrap()
            .stdout,
    );
    let summary = &report["summary"];
    let count = |k: &str| {
        summary[k]
            .as_u64()
            .unwrap_or_else(|| panic!("summary.{k}: {summary}"))
    };
    let problems = count("errors") + count("warnings") + count("infos");
    assert_eq!(
        count("fixable"),
        count("fixable_safe") + count("fixable_unsafe")
    );
    assert!(
        count("fixable_safe") > 0 && count("fixable_unsafe") > 0,
        "{summary}"
    );
    let summary_line = format!(
        "{problems} problems ({} errors, {} warnings, 0 infos) in {} of {} files checked; {} fixable with --fix ({} more with --unsafe-fixes)\n",
        count("errors"),
        count("warnings"),
        count("files_with_findings"),
        count("files"),
        count("fixable_safe"),
        count("fixable_unsafe"),
    );
    assert!(
        human.ends_with(&summary_line),
        "{human}\nexpected: {summary_line}"
    );

    // --fix: found before = fixed + went away with them + remaining, in words and in JSON.
    let work = TempDir::new().unwrap();
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        fs::copy(&p, work.path().join(p.file_name().unwrap())).unwrap();
    }
    let out = meshlint(work.path()).args(["--fix", "."]).output().unwrap();
    let text = stdout_of(&out);
    let line = text
        .lines()
        .find(|l| l.starts_with("Fixed "))
        .unwrap_or_else(|| panic!("{text}"));
    let numbers: Vec<u64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|w| !w.is_empty())
        .map(|w| w.parse().unwrap())
        .collect();
    // "Fixed A problems in F files (B more went away with them); C remain"
    let [applied, _files, gone, remain] = numbers[..] else {
        panic!("{line}")
    };
    assert_eq!(applied + gone + remain, problems, "{line}");
    assert!(
        text.ends_with(&format!(
            "{remain} problems (0 errors, {remain} warnings, 0 infos) in 2 of 6 files checked\n"
        )),
        "{text}"
    );
    // The same run in JSON, from the same files.
    let work2 = TempDir::new().unwrap();
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        fs::copy(&p, work2.path().join(p.file_name().unwrap())).unwrap();
    }
    let report = json(
        &meshlint(work2.path())
            .args(["--fix", "--format", "json", "."])
            .output()
            .unwrap()
            .stdout,
    );
    let fixed = &report["summary"]["fixed"];
    assert_eq!(fixed["before"], problems);
    assert_eq!(fixed["fixed"], applied);
    assert_eq!(fixed["resolved_by_other_fixes"], gone);
    assert_eq!(
        report["diagnostics"].as_array().unwrap().len() as u64,
        remain
    );
}

#[test]
fn all_clear_comes_last_after_a_fix() {
    let tmp = TempDir::new().unwrap();
    write(tmp.path(), "pod.yaml", BAD_RANGES);
    let out = meshlint(tmp.path())
        .args(["--fix", "pod.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout_of(&out),
        "Fixed 1 problem in 1 file; none remain\nAll clear: 1 file checked, no problems.\n"
    );
}

#[test]
fn messages_name_the_tool_suggest_rules_and_count_in_words() {
    let tmp = TempDir::new().unwrap();
    write(tmp.path(), "pod.yaml", BAD_RANGES);
    let out = meshlint(tmp.path())
        .args(["--config", "nope.yaml", "pod.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).starts_with("meshlint: error: nope.yaml"),
        "{}",
        stderr_of(&out)
    );
    let out = meshlint(tmp.path())
        .args(["explain", "hold-mising"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr_of(&out),
        "meshlint: error: unknown rule `hold-mising` (did you mean `hold-missing`?) (see `meshlint rules`)\n"
    );
    let out = meshlint(tmp.path())
        .args(["--ignore", "hold-mising", "pod.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr_of(&out),
        "meshlint: error: unknown rule selector: `hold-mising` (did you mean `hold-missing`?) (see `meshlint rules`)\n"
    );
    let out = meshlint(tmp.path())
        .args(["--diff", "pod.yaml"])
        .output()
        .unwrap();
    assert_eq!(stderr_of(&out), "1 fix would change 1 file\n");
    write(tmp.path(), "two.yaml", &BAD_RANGES.replace("web", "api"));
    let out = meshlint(tmp.path()).args(["--diff", "."]).output().unwrap();
    assert_eq!(stderr_of(&out), "2 fixes would change 2 files\n");
}

/// The caret of a tab-indentation error pointed at the token after the tab.
#[test]
fn a_tab_indentation_error_points_at_the_tab() {
    let tmp = TempDir::new().unwrap();
    write(
        tmp.path(),
        "tab.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n",
    );
    let v = json(
        &meshlint(tmp.path())
            .args(["--format", "json", "tab.yaml"])
            .output()
            .unwrap()
            .stdout,
    );
    let d = &v["diagnostics"][0];
    assert_eq!(d["code"], "MESH900");
    assert!(d["message"].as_str().unwrap().contains("tabs"), "{d}");
    assert_eq!(d["range"]["start"]["line"], 4);
    assert_eq!(d["range"]["start"]["column"], 1, "{d}");
    assert_eq!(d["range"]["start"]["offset"], 41, "{d}");
}
