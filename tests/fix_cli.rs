//! `--fix` and `--diff` through the binary, on files in temporary directories:
//! what `--diff` prints applies with the real `git apply` and gives exactly what `--fix` writes;
//! `--diff` writes nothing; `--fix` keeps permission bits and symlinks, refuses read-only files
//! without losing anything, fixes every file of a directory, writes stdin's fixed text to
//! stdout; exit codes follow the README's (0 clean, 1 findings remain or a diff, 2 usage).

use assert_cmd::Command;
use std::fs;
use std::path::{Path, PathBuf};

fn meshlint() -> Command {
    let mut cmd = Command::cargo_bin("meshlint").unwrap();
    cmd.env("NO_COLOR", "1").arg("--no-config");
    cmd
}

const HOLD: &str = "'{ \"holdApplicationUntilProxyStarts\": true }'";

/// A Deployment missing the hold (MESH101, safe fix) with a malformed exclusion element (MESH302,
/// safe: the spaces go and the bare address gets its /32).
const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    metadata:
      annotations:
        # Vault
        traffic.sidecar.istio.io/excludeOutboundIPRanges: \"10.0.0.0/8, 192.168.0.1\"
    spec:
      containers:
      - name: web
        image: nginx
";

const DEPLOYMENT_FIXED: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    metadata:
      annotations:
        # Vault
        traffic.sidecar.istio.io/excludeOutboundIPRanges: \"10.0.0.0/8,192.168.0.1/32\"
        proxy.istio.io/config: '{ \"holdApplicationUntilProxyStarts\": true }'
    spec:
      containers:
      - name: web
        image: nginx
";

/// A finding with no fix (a hostname in an IP list), and nothing else.
const UNFIXABLE: &str = "apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    proxy.istio.io/config: '{ \"holdApplicationUntilProxyStarts\": true }'
    traffic.sidecar.istio.io/excludeOutboundIPRanges: vault.example.com
spec:
  containers: []
";

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(&path, text).unwrap();
    path
}

fn read(path: &Path) -> String {
    String::from_utf8(fs::read(path).unwrap()).unwrap()
}

/// Runs `git apply` with `patch` in `dir`.
fn git_apply(dir: &Path, patch: &[u8]) {
    let out = std::process::Command::new("git")
        .current_dir(dir)
        .args(["apply", "--whitespace=nowarn", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write as _;
            child.stdin.take().unwrap().write_all(patch)?;
            child.wait_with_output()
        })
        .expect("git runs");
    assert!(
        out.status.success(),
        "git apply failed: {}\n── patch:\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(patch)
    );
}

/// Copies every file of `from` (flat) into a fresh directory.
fn copy_dir(from: &Path) -> tempfile::TempDir {
    let to = tempfile::tempdir().unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            fs::copy(&path, to.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    to
}

fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// `--diff` on a directory of manifests writes nothing; `git apply` of its output on one copy
/// gives byte for byte what `--fix` writes on another.
fn diff_applies_like_fix(source: &Path, extra: &[&str]) {
    let for_diff = copy_dir(source);
    let for_fix = copy_dir(source);
    let before = snapshot(for_diff.path());

    let diff = meshlint()
        .current_dir(for_diff.path())
        .args(["--diff"])
        .args(extra)
        .arg(".")
        .output()
        .unwrap();
    assert_eq!(snapshot(for_diff.path()), before, "--diff wrote something");
    let changed = !diff.stdout.is_empty();
    assert_eq!(
        diff.status.code(),
        Some(i32::from(changed)),
        "--diff exits 1 exactly when there is a diff: {}",
        String::from_utf8_lossy(&diff.stderr)
    );

    let fix = meshlint()
        .current_dir(for_fix.path())
        .arg("--fix")
        .args(extra)
        .arg(".")
        .output()
        .unwrap();
    assert!(
        matches!(fix.status.code(), Some(0 | 1)),
        "--fix: {}",
        String::from_utf8_lossy(&fix.stderr)
    );

    if changed {
        git_apply(for_diff.path(), &diff.stdout);
    }
    let (patched, fixed) = (snapshot(for_diff.path()), snapshot(for_fix.path()));
    for ((name, a), (_, b)) in patched.iter().zip(&fixed) {
        assert!(
            a == b,
            "{name}: `git apply` of --diff and --fix disagree\n── applied:\n{}\n── fixed:\n{}",
            String::from_utf8_lossy(a),
            String::from_utf8_lossy(b)
        );
    }
    assert_eq!(patched.len(), fixed.len());
}

#[test]
fn diff_applies_with_git_and_equals_fix_on_every_fix_case() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // The before/after cases: CRLF, BOM, no final newline, JSON, comments, every rule's fixes.
    let cases = tempfile::tempdir().unwrap();
    for entry in fs::read_dir(root.join("testdata/fix")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.contains(".fixed.") || path.extension().is_some_and(|e| e == "args") {
            continue;
        }
        fs::copy(&path, cases.path().join(&name)).unwrap();
    }
    diff_applies_like_fix(cases.path(), &[]);
    diff_applies_like_fix(cases.path(), &["--unsafe-fixes"]);
    diff_applies_like_fix(
        cases.path(),
        &["--unsafe-fixes", "--vault-address", "10.20.0.0/16"],
    );
    // Real manifests, as they are.
    diff_applies_like_fix(&root.join("testdata/real"), &["--unsafe-fixes"]);
}

#[test]
fn diff_has_git_headers_and_a_count_on_stderr_whatever_the_format() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "deploy/web.yaml", DEPLOYMENT);
    for format in ["human", "json", "sarif"] {
        let out = meshlint()
            .current_dir(dir.path())
            .args(["--diff", "--format", format, "deploy"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(
            stdout.starts_with("--- a/deploy/web.yaml\n+++ b/deploy/web.yaml\n@@ "),
            "{stdout}"
        );
        assert!(!stdout.contains('\u{1b}'), "no colour off a terminal");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "one count line: {stderr}");
        assert!(stderr.contains("2 fix"), "{stderr}");
    }
    // `--fix --diff` cannot do both: a usage error, nothing written.
    let out = meshlint()
        .current_dir(dir.path())
        .args(["--fix", "--diff", "deploy"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(read(&dir.path().join("deploy/web.yaml")), DEPLOYMENT);
}

#[test]
fn diff_exits_0_without_a_diff_even_when_findings_remain() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pod.yaml", UNFIXABLE);
    let out = meshlint()
        .current_dir(dir.path())
        .args(["--diff", "pod.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    // A plain run reports the finding (exit 1); `--fix` too, and leaves the file alone.
    meshlint()
        .current_dir(dir.path())
        .arg("pod.yaml")
        .assert()
        .code(1);
    let out = meshlint()
        .current_dir(dir.path())
        .args(["--fix", "--format", "concise", "pod.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("MESH302"));
    assert_eq!(read(&dir.path().join("pod.yaml")), UNFIXABLE);
}

#[test]
fn fix_that_fixes_everything_exits_0_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "web.yaml", DEPLOYMENT);
    let out = meshlint()
        .current_dir(dir.path())
        .args(["--fix", "web.yaml"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(read(&path), DEPLOYMENT_FIXED);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("Fixed 2 problems in 1 file"), "{stdout}");
    // Nothing left: a second run changes nothing and exits 0.
    let out = meshlint()
        .current_dir(dir.path())
        .args(["--fix", "web.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(read(&path), DEPLOYMENT_FIXED);
}

#[test]
fn fix_exit_code_is_computed_on_what_remains() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "web.yaml", DEPLOYMENT);
    write(dir.path(), "pod.yaml", UNFIXABLE);
    let out = meshlint()
        .current_dir(dir.path())
        .args(["--fix", "--format", "json", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let remaining: Vec<&str> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(remaining, ["MESH302"]);
    // With --fail-on error the remaining warning-free error still fails; a warning would not.
    let out = meshlint()
        .current_dir(dir.path())
        .args(["--fix", "--fail-on", "error", "web.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn fix_on_a_directory_fixes_every_file() {
    let dir = tempfile::tempdir().unwrap();
    let names = ["a.yaml", "sub/b.yml", "sub/deeper/c.yaml", "d.json"];
    for name in &names[..3] {
        write(dir.path(), name, DEPLOYMENT);
    }
    write(
        dir.path(),
        "d.json",
        "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"p\"}, \"spec\": {\"containers\": []}}\n",
    );
    let out = meshlint()
        .current_dir(dir.path())
        .args(["--fix", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    for name in &names[..3] {
        assert_eq!(read(&dir.path().join(name)), DEPLOYMENT_FIXED, "{name}");
    }
    assert_eq!(
        read(&dir.path().join("d.json")),
        "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"p\", \"annotations\": {\"proxy.istio.io/config\": \"{ \\\"holdApplicationUntilProxyStarts\\\": true }\"}}, \"spec\": {\"containers\": []}}\n"
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("in 4 files"), "{stdout}");
}

#[test]
fn fix_writes_stdin_fixed_to_stdout() {
    let out = meshlint()
        .args([
            "--fix",
            "--format",
            "json",
            "--stdin-filename",
            "web.yaml",
            "-",
        ])
        .write_stdin(DEPLOYMENT)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), DEPLOYMENT_FIXED);
    // What remains goes to stderr.
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["diagnostics"].as_array().unwrap().len(), 0);

    // Unfixable: the text comes back unchanged, the finding is reported, exit 1.
    let out = meshlint()
        .args(["--fix", "-"])
        .write_stdin(UNFIXABLE)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), UNFIXABLE);
    assert!(String::from_utf8_lossy(&out.stderr).contains("MESH302"));

    // `--diff` on stdin: a diff, exit 1.
    let out = meshlint()
        .args(["--diff", "--stdin-filename", "web.yaml", "-"])
        .write_stdin(DEPLOYMENT)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .starts_with("--- a/web.yaml\n+++ b/web.yaml\n"));
}

#[cfg(unix)]
mod unix {
    use super::*;
    use std::os::unix::fs::{symlink, PermissionsExt};

    #[test]
    fn fix_keeps_permission_bits() {
        let dir = tempfile::tempdir().unwrap();
        for (name, mode) in [("a.yaml", 0o600), ("b.yaml", 0o640), ("c.yaml", 0o755)] {
            let path = write(dir.path(), name, DEPLOYMENT);
            fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
        }
        meshlint()
            .current_dir(dir.path())
            .args(["--fix", "."])
            .assert()
            .code(0);
        for (name, mode) in [("a.yaml", 0o600), ("b.yaml", 0o640), ("c.yaml", 0o755)] {
            let path = dir.path().join(name);
            assert_eq!(read(&path), DEPLOYMENT_FIXED, "{name}");
            let got = fs::metadata(&path).unwrap().permissions().mode() & 0o7777;
            assert_eq!(got, mode, "{name}: mode {got:o}, want {mode:o}");
        }
        // No temporary file is left behind.
        let left: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 3);
    }

    #[test]
    fn read_only_file_is_reported_and_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let locked = write(dir.path(), "locked.yaml", DEPLOYMENT);
        let open = write(dir.path(), "open.yaml", DEPLOYMENT);
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o444)).unwrap();
        let out = meshlint()
            .current_dir(dir.path())
            .args(["--fix", "--format", "concise", "."])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "an I/O failure exits 2");
        // Nothing lost: the read-only file holds its original bytes and mode; the other file is
        // fixed.
        assert_eq!(read(&locked), DEPLOYMENT);
        assert_eq!(
            fs::metadata(&locked).unwrap().permissions().mode() & 0o777,
            0o444
        );
        assert_eq!(read(&open), DEPLOYMENT_FIXED);
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(stdout.contains("locked.yaml"), "{stdout}");
        assert!(stdout.contains("read-only"), "{stdout}");
        // Its findings are still reported, as they still are in the file.
        assert!(
            stdout.contains("locked.yaml:") && stdout.contains("MESH101"),
            "{stdout}"
        );
        let left: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 2, "no temporary file is left behind");
    }

    #[test]
    fn symlinks_stay_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let real = write(dir.path(), "real/web.yaml", DEPLOYMENT);
        let link = dir.path().join("link.yaml");
        symlink("real/web.yaml", &link).unwrap();
        meshlint()
            .current_dir(dir.path())
            .args(["--fix", "link.yaml"])
            .assert()
            .code(0);
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(
            fs::read_link(&link).unwrap(),
            Path::new("real/web.yaml"),
            "the link still names the same file"
        );
        assert_eq!(read(&real), DEPLOYMENT_FIXED);
        assert_eq!(read(&link), DEPLOYMENT_FIXED);
    }

    #[test]
    fn diff_leaves_modes_and_bytes_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "web.yaml", &DEPLOYMENT.replace('\n', "\r\n"));
        fs::set_permissions(&path, fs::Permissions::from_mode(0o604)).unwrap();
        let mtime = fs::metadata(&path).unwrap().modified().unwrap();
        meshlint()
            .current_dir(dir.path())
            .args(["--diff", "web.yaml"])
            .assert()
            .code(1);
        let meta = fs::metadata(&path).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o604);
        assert_eq!(meta.modified().unwrap(), mtime);
        assert_eq!(read(&path), DEPLOYMENT.replace('\n', "\r\n"));
    }
}

/// The fixed text of the deployment, checked once more by the library: the CLI tests above
/// compare against it.
#[test]
fn the_expected_fixed_deployment_is_what_the_library_gives() {
    use meshlint::config::Policy;
    use meshlint::context::{collect_facts, Context, LintOptions};
    use meshlint::rules::{FileInfo, RuleSelector};
    let mut cx = Context::new(LintOptions::default());
    cx.absorb(collect_facts(DEPLOYMENT, "web.yaml"));
    let out = meshlint::fix_source(
        DEPLOYMENT,
        &FileInfo {
            path: "web.yaml".into(),
            ..FileInfo::default()
        },
        false,
        &cx,
        &Policy::from_selector(RuleSelector::default()),
        false,
    );
    assert_eq!(out.text, DEPLOYMENT_FIXED);
    assert!(DEPLOYMENT_FIXED.contains(HOLD));
}

/// A Pod whose `proxy.istio.io/config` is a mapping (MESH501, safe fix: make it a JSON string)
/// that, once a string, is invalid (MESH103, an error): the fix is always rejected.
const REJECTED: &str = "apiVersion: v1
kind: Pod
metadata:
  name: web
  annotations:
    proxy.istio.io/config: {holdApplicationUntilProxyStarts: true, concurrency: abc}
spec:
  containers: []
";

const REJECTED_LINE: &str = "fix for MESH501 at r.yaml:6:28 was not applied: it would introduce MESH103: `proxy.istio.io/config` is invalid: `concurrency` is `\"abc\"`, a string, but must be an integer; the sidecar injector rejects it and denies the pod (failed to convert to apply proxy config)\n";

#[test]
fn a_fix_that_would_be_rejected_is_not_offered_on_stdin() {
    // A lint of stdin checks the fixes it offers (a lint of files leaves that to `--diff`,
    // for speed: see `diff_with_only_rejected_fixes_says_so`).
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "r.yaml", REJECTED);
    let run = |format: &str| {
        meshlint()
            .current_dir(dir.path())
            .args(["--format", format, "--stdin-filename", "r.yaml", "-"])
            .write_stdin(REJECTED)
            .output()
            .unwrap()
    };
    let out = run("concise");
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.ends_with("\n1 problem (1 error, 0 warnings, 0 infos) in 1 of 1 file checked\n"),
        "{stdout}"
    );
    let out = run("human");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(!stdout.contains("fixable"), "{stdout}");

    let json: serde_json::Value = serde_json::from_slice(&run("json").stdout).unwrap();
    let finding = &json["diagnostics"][0];
    assert_eq!(finding["code"], "MESH501");
    assert!(
        finding.get("fix").is_none_or(serde_json::Value::is_null),
        "{finding}"
    );
    assert_eq!(json["summary"]["fixable"], 0);

    let sarif: serde_json::Value = serde_json::from_slice(&run("sarif").stdout).unwrap();
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "MESH501");
    assert!(result.get("fixes").is_none(), "{result}");
    // Nothing was written.
    assert_eq!(read(&dir.path().join("r.yaml")), REJECTED);
}

#[test]
fn diff_with_only_rejected_fixes_says_so() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "r.yaml", REJECTED);
    let out = meshlint()
        .current_dir(dir.path())
        .args(["--diff", "r.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "nothing would change");
    assert!(out.stdout.is_empty());
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        format!("{REJECTED_LINE}no fix would change any file: 1 fix would not apply (see above)\n")
    );
    assert_eq!(read(&dir.path().join("r.yaml")), REJECTED);
}

#[test]
fn diff_lists_rejected_fixes_beside_the_changes() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "r.yaml", REJECTED);
    write(dir.path(), "deploy.yaml", DEPLOYMENT);
    let out = meshlint()
        .current_dir(dir.path())
        .args(["--diff", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        format!("{REJECTED_LINE}2 fixes would change 1 file\n")
    );
}

#[test]
fn fix_reports_rejected_fixes_in_every_format_and_offers_none() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "r.yaml", REJECTED);
    let out = meshlint()
        .current_dir(dir.path())
        .args(["--fix", "r.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.ends_with(&format!(
            "No fixes applied; 1 remains\n{REJECTED_LINE}1 problem (1 error, 0 warnings, 0 infos) in 1 of 1 file checked\n"
        )),
        "{stdout}"
    );
    // The finding that remains does not offer the fix that was just refused.
    assert!(!stdout.contains("fixable with --fix"), "{stdout}");
    let out = meshlint()
        .current_dir(dir.path())
        .args(["--fix", "--format", "json", "r.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8(out.stderr).unwrap(), REJECTED_LINE);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["summary"]["fixable"], 0);
    assert_eq!(read(&path), REJECTED);
}

/// `meshlint --fix --select MESH101` on `text` (as `p.yaml`): the fixed file, after checking
/// that the fix applied, nothing was refused, and `--format json` had offered it.
fn fixed_by_mesh101(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "p.yaml", text);
    let json = meshlint()
        .current_dir(dir.path())
        .args(["--select", "MESH101", "--format", "json", "p.yaml"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(json["summary"]["fixable"], 1, "{json}");
    let out = meshlint()
        .current_dir(dir.path())
        .args(["--select", "MESH101", "--fix", "p.yaml"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("Fixed 1 problem in 1 file"), "{stdout}");
    assert!(!stdout.contains("not applied"), "{stdout}");
    read(&path)
}

#[test]
fn appending_after_a_block_scalar_that_ends_the_file_keeps_its_value() {
    let text =
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    note: |\n      hello";
    assert_eq!(
        fixed_by_mesh101(text),
        format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    note: |-\n      hello\n    proxy.istio.io/config: {HOLD}")
    );
}

#[test]
fn appending_beside_an_explicit_key_writes_at_the_entries_indentation() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    ? sidecar.istio.io/inject\n    : \"true\"\nspec:\n  containers: []\n";
    assert_eq!(
        fixed_by_mesh101(text),
        format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    ? sidecar.istio.io/inject\n    : \"true\"\n    proxy.istio.io/config: {HOLD}\nspec:\n  containers: []\n")
    );
}

#[test]
fn an_empty_json_proxy_config_stays_json() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    proxy.istio.io/config: '{}'\nspec:\n  containers: []\n";
    assert_eq!(
        fixed_by_mesh101(text),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    proxy.istio.io/config: '{\"holdApplicationUntilProxyStarts\": true}'\nspec:\n  containers: []\n"
    );
}
