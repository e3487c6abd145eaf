//! `.meshlint.yaml`: errors with line and column, discovery (closest wins, stops at the
//! repository root), `extend`, `--config`/`--no-config`, command-line overrides, and every key.
//! Each test runs the built binary in a scratch repository.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

/// A scratch repository (a directory holding `.git`).
struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        Self { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, rel: &str, text: &str) -> &Self {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
        self
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel)).unwrap()
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::cargo_bin("meshlint").unwrap();
        c.current_dir(self.path()).env("NO_COLOR", "1").args(args);
        c
    }

    /// Runs with `--format json`; returns the exit code and `(code, file, line, severity)`.
    fn json(&self, args: &[&str]) -> (i32, Vec<(String, String, u64, String)>) {
        let mut all = vec!["--format", "json"];
        all.extend_from_slice(args);
        let out = self.cmd(&all).output().unwrap();
        let code = out.status.code().unwrap();
        assert!(
            code == 0 || code == 1,
            "exit {code}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let diags = v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["code"].as_str().unwrap().to_owned(),
                    d["file"].as_str().unwrap().to_owned(),
                    d["range"]["start"]["line"].as_u64().unwrap(),
                    d["severity"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        (code, diags)
    }

    fn codes(&self, args: &[&str]) -> Vec<String> {
        let (_, d) = self.json(args);
        d.into_iter().map(|(c, f, ..)| format!("{c}@{f}")).collect()
    }

    /// Runs and expects exit 2; returns stderr.
    fn fails(&self, args: &[&str]) -> String {
        let out = self.cmd(args).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "stdout: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8(out.stderr).unwrap()
    }
}

/// A Deployment whose pods get a sidecar without the hold (MESH101, warning) and carry a
/// malformed IP list (MESH302, error) on line 13.
const APP: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
      annotations:
        traffic.sidecar.istio.io/excludeOutboundIPRanges: \"10.0.0.0/8, 10.1.0.0/16\"
    spec:
      containers:
        - name: web
          image: web:1
";

/// The same without the MESH302 (only MESH101).
const HOLDLESS: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  template:
    metadata:
      labels: {app: api, sidecar.istio.io/inject: \"true\"}
    spec:
      containers:
        - name: api
          image: api:1
";

#[test]
fn an_unknown_key_is_an_error_with_its_position_and_a_suggestion() {
    let repo = Repo::new();
    repo.write("app.yaml", APP)
        .write(".meshlint.yaml", "profile: managed\nselct: [MESH101]\n");
    let err = repo.fails(&[]);
    assert_eq!(
        err.trim(),
        ".meshlint.yaml:2:1: unknown key `selct`; did you mean `select`?"
    );
}

#[test]
fn wrong_types_and_unknown_rules_are_errors_with_positions() {
    let repo = Repo::new();
    repo.write("app.yaml", APP);
    for (config, expected) in [
        (
            "ignore: {MESH101: true}\n",
            ".meshlint.yaml:1:9: `ignore` must be a list of strings, not a mapping",
        ),
        (
            "ignore:\n  - hold-mising\n",
            ".meshlint.yaml:2:5: unknown rule `hold-mising` (see `meshlint rules`); did you mean `hold-missing`?",
        ),
        (
            "severity:\n  MESH303: critical\n",
            ".meshlint.yaml:2:12: `MESH303` must be one of `error`, `warning`, `info`, not `critical`",
        ),
        (
            "fail-on: warn\n",
            ".meshlint.yaml:1:10: `fail-on` must be one of `error`, `warning`, `info`, not `warn`",
        ),
        (
            "injection: explict\n",
            ".meshlint.yaml:1:12: `injection` must be one of `evidence`, `assume`, `explicit`, not `explict`; did you mean `explicit`?",
        ),
        (
            "native-sidecars: 1\n",
            ".meshlint.yaml:1:18: `native-sidecars` must be true or false, not an integer",
        ),
        (
            "namespaces:\n  prod:\n    label: {istio-injection: enabled}\n",
            ".meshlint.yaml:3:5: unknown key `label` under namespace `prod` (only `labels`); did you mean `labels`?",
        ),
        (
            "vault:\n  ports: [82000]\n",
            ".meshlint.yaml:2:11: `82000` is not a port number (1-65535)",
        ),
        (
            "exclude: ['[z-a]']\n",
            ".meshlint.yaml:1:11: `[z-a]` is not a valid glob: invalid range; 'z' > 'a'",
        ),
    ] {
        repo.write(".meshlint.yaml", config);
        assert_eq!(repo.fails(&[]).trim(), expected, "for {config:?}");
    }
    repo.write(".meshlint.yaml", "select: [MESH1\n");
    assert_eq!(
        repo.fails(&[]).trim(),
        ".meshlint.yaml:1:9: YAML syntax error: unclosed bracket '['"
    );
}

#[test]
fn the_closest_configuration_wins_and_extend_inherits() {
    let repo = Repo::new();
    repo.write("app.yaml", APP)
        .write("team/app.yaml", APP)
        .write("other/app.yaml", APP)
        .write(".meshlint.yaml", "ignore: [MESH302]\n")
        // Closest wins: without `extend`, nothing of the root file applies under team/.
        .write("team/.meshlint.yaml", "ignore: [MESH101]\n");
    assert_eq!(
        repo.codes(&[]),
        [
            "MESH101@app.yaml",
            "MESH101@other/app.yaml",
            "MESH302@team/app.yaml"
        ]
    );
    // With `extend`, team/ inherits what it does not set itself.
    repo.write(
        "team/.meshlint.yaml",
        "extend: ../.meshlint.yaml\nfail-on: error\n",
    );
    let (code, diags) = repo.json(&["team"]);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0].0, "MESH101");
    assert_eq!(code, 0, "fail-on: error comes from team/.meshlint.yaml");
    // The effective configuration of a path.
    let out = repo.cmd(&["config", "team/app.yaml"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("# from team/.meshlint.yaml\n#   extends .meshlint.yaml\n"),
        "{text}"
    );
    assert!(text.contains("\nignore: [MESH302]\n"), "{text}");
    assert!(text.contains("\nfail-on: error\n"), "{text}");
}

#[test]
fn extend_cycles_and_missing_files_are_errors() {
    let repo = Repo::new();
    repo.write("app.yaml", APP)
        .write(".meshlint.yaml", "extend: base.yaml\n")
        .write("base.yaml", "ignore: [MESH101]\nextend: ./.meshlint.yaml\n");
    assert_eq!(
        repo.fails(&[]).trim(),
        "base.yaml:2:9: `extend` makes a cycle: .meshlint.yaml -> base.yaml -> .meshlint.yaml"
    );
    repo.write(".meshlint.yaml", "extend: nowhere.yaml\n");
    let err = repo.fails(&[]);
    assert!(
        err.starts_with(".meshlint.yaml:1:9: cannot read `nowhere.yaml`"),
        "{err}"
    );
}

#[test]
fn discovery_stops_at_the_repository_root() {
    let outer = tempfile::tempdir().unwrap();
    std::fs::write(outer.path().join(".meshlint.yaml"), "ignore: [MESH101]\n").unwrap();
    let repo_dir = outer.path().join("repo");
    std::fs::create_dir_all(repo_dir.join(".git")).unwrap();
    std::fs::write(repo_dir.join("app.yaml"), HOLDLESS).unwrap();
    let out = Command::cargo_bin("meshlint")
        .unwrap()
        .current_dir(&repo_dir)
        .args(["--format", "concise"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "the outer configuration must not apply"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("MESH101"));
}

#[test]
fn config_and_no_config() {
    let repo = Repo::new();
    repo.write("app.yaml", APP)
        .write(".meshlint.yaml", "ignore: [MESH101]\n")
        .write("ci/strict.yaml", "ignore: [MESH302]\n");
    assert_eq!(repo.codes(&[]), ["MESH302@app.yaml"]);
    assert_eq!(
        repo.codes(&["--no-config"]),
        ["MESH101@app.yaml", "MESH302@app.yaml"]
    );
    assert_eq!(
        repo.codes(&["--config", "ci/strict.yaml"]),
        ["MESH101@app.yaml"]
    );
    let err = repo.fails(&["--config", "ci/missing.yaml"]);
    assert!(
        err.contains("ci/missing.yaml: configuration file not found"),
        "{err}"
    );
    // A broken configuration file is not read with --no-config.
    repo.write(".meshlint.yaml", "bogus: 1\n");
    assert_eq!(repo.json(&["--no-config"]).1.len(), 2);
}

#[test]
fn command_line_flags_win_over_the_configuration() {
    let repo = Repo::new();
    repo.write("app.yaml", APP).write(
        ".meshlint.yaml",
        "select: [MESH302]\nfail-on: error\nprofile: managed\n",
    );
    assert_eq!(repo.codes(&[]), ["MESH302@app.yaml"]);
    // --select replaces the configuration's selection.
    assert_eq!(repo.codes(&["--select", "MESH101"]), ["MESH101@app.yaml"]);
    // --ignore adds to it.
    assert!(repo.codes(&["--ignore", "MESH302"]).is_empty());
    // fail-on error: a warning alone passes, unless --fail-on says otherwise.
    repo.write(".meshlint.yaml", "select: [MESH101]\nfail-on: error\n");
    assert_eq!(repo.json(&[]).0, 0);
    assert_eq!(repo.json(&["--fail-on", "warning"]).0, 1);
}

#[test]
fn per_file_ignores_and_excludes_are_relative_to_their_file() {
    let repo = Repo::new();
    repo.write("deploy/app.yaml", APP)
        .write("deploy/legacy/app.yaml", APP)
        .write("vendor/app.yaml", APP)
        .write("notes.txt", "not yaml: [")
        .write(
            ".meshlint.yaml",
            "select: [MESH302]\nper-file-ignores:\n  'deploy/legacy/*.yaml': [ip-ranges-malformed]\nexclude: [vendor]\n",
        );
    assert_eq!(repo.codes(&[]), ["MESH302@deploy/app.yaml"]);
    // A file named on the command line is linted even when excluded, unless --force-exclude.
    assert_eq!(
        repo.codes(&["vendor/app.yaml"]),
        ["MESH302@vendor/app.yaml"]
    );
    assert!(repo
        .codes(&["--force-exclude", "vendor/app.yaml"])
        .is_empty());
    // include replaces the default extensions.
    repo.write("deploy/app.yml.txt", APP).write(
        ".meshlint.yaml",
        "select: [MESH302]\ninclude: ['deploy/*.txt']\n",
    );
    assert_eq!(repo.codes(&[]), ["MESH302@deploy/app.yml.txt"]);
}

#[test]
fn per_resource_ignores_match_kind_namespace_and_name() {
    let repo = Repo::new();
    let two = format!("{APP}---\n{}", APP.replace("name: web", "name: api"));
    repo.write("app.yaml", &two).write(
        ".meshlint.yaml",
        "select: [MESH302]\nper-resource-ignores:\n  Deployment/shop/web: [MESH302]\n",
    );
    let (_, diags) = repo.json(&[]);
    assert_eq!(diags.len(), 1);
    assert!(
        diags[0].2 > 18,
        "only the second resource is reported: {diags:?}"
    );
    repo.write(
        ".meshlint.yaml",
        "select: [MESH302]\nper-resource-ignores:\n  '*/shop/*': [MESH3]\n",
    );
    assert!(repo.codes(&[]).is_empty());
    repo.write(
        ".meshlint.yaml",
        "select: [MESH302]\nper-resource-ignores:\n  'Deployment/other/*': [MESH302]\n",
    );
    assert_eq!(repo.codes(&[]).len(), 2);
}

#[test]
fn severity_overrides_change_the_report_and_the_exit_code() {
    let repo = Repo::new();
    repo.write("app.yaml", APP).write(
        ".meshlint.yaml",
        "severity:\n  MESH302: warning\n  hold-missing: info\n",
    );
    let (code, diags) = repo.json(&[]);
    let sev: Vec<(&str, &str)> = diags.iter().map(|d| (d.0.as_str(), d.3.as_str())).collect();
    assert_eq!(sev, [("MESH101", "info"), ("MESH302", "warning")]);
    assert_eq!(code, 1);
    assert_eq!(repo.json(&["--fail-on", "error"]).0, 0);
}

#[test]
fn options_reach_the_rules() {
    let repo = Repo::new();
    // Without its opt-in label: only the namespace and the `injection` option decide.
    repo.write(
        "app.yaml",
        &HOLDLESS.replace(", sidecar.istio.io/inject: \"true\"", ""),
    );
    let run = |config: &str| {
        repo.write(".meshlint.yaml", config);
        repo.codes(&["--select", "MESH101"])
    };
    assert_eq!(run(""), ["MESH101@app.yaml"]);
    assert!(run("native-sidecars: true\n").is_empty());
    assert!(run("injection: explicit\n").is_empty());
    assert!(run("namespaces:\n  shop:\n    labels:\n      istio-injection: disabled\n").is_empty());
    assert_eq!(
        run("injection: explicit\nnamespaces:\n  shop:\n    labels: {istio-injection: enabled}\n"),
        ["MESH101@app.yaml"]
    );
    // A linted Namespace wins over the configuration's labels.
    repo.write(
        "ns.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    istio-injection: enabled\n",
    );
    assert_eq!(
        run("namespaces:\n  shop:\n    labels: {istio-injection: disabled}\n"),
        ["MESH101@app.yaml"]
    );
}

#[test]
fn profile_and_vault_options() {
    let repo = Repo::new();
    repo.write("app.yaml", HOLDLESS).write(
        "mesh.yaml",
        "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  meshConfig:\n    defaultConfig:\n      holdApplicationUntilProxyStarts: true\n",
    );
    repo.write(".meshlint.yaml", "");
    assert!(repo.codes(&["--select", "MESH101"]).is_empty());
    repo.write(".meshlint.yaml", "profile: managed\n");
    assert_eq!(repo.codes(&["--select", "MESH101"]), ["MESH101@app.yaml"]);
    assert!(repo
        .codes(&["--select", "MESH101", "--profile", "in-cluster"])
        .is_empty());

    let vault = "\
apiVersion: v1
kind: Pod
metadata:
  name: v
  annotations:
    proxy.istio.io/config: '{\"holdApplicationUntilProxyStarts\": true}'
    vault.hashicorp.com/agent-inject: \"true\"
    traffic.sidecar.istio.io/excludeOutboundPorts: \"8201\"
spec:
  containers: []
";
    let repo = Repo::new();
    repo.write("pod.yaml", vault);
    assert_eq!(repo.codes(&["--select", "MESH401"]), ["MESH401@pod.yaml"]);
    repo.write(".meshlint.yaml", "vault:\n  ports: [8201]\n");
    assert!(repo.codes(&["--select", "MESH401"]).is_empty());
}

#[test]
fn the_config_subcommand_prints_defaults_without_a_file() {
    let repo = Repo::new();
    let out = repo.cmd(&["config"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("# no configuration file"), "{text}");
    for key in [
        "profile: in-cluster",
        "fail-on: warning",
        "injection: evidence",
        "mesh-config: []",
        "  ports: [8200]",
    ] {
        assert!(text.contains(key), "{key} missing from:\n{text}");
    }
    // What it prints is itself a valid configuration file.
    repo.write(".meshlint.yaml", &text);
    repo.write("app.yaml", HOLDLESS);
    assert_eq!(repo.codes(&[]), ["MESH101@app.yaml"]);
}

#[test]
fn stdin_uses_the_configuration_of_its_file_name() {
    let repo = Repo::new();
    repo.write("team/.meshlint.yaml", "ignore: [MESH101]\n");
    let out = repo
        .cmd(&[
            "--format",
            "concise",
            "--stdin-filename",
            "team/app.yaml",
            "-",
        ])
        .write_stdin(HOLDLESS)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = repo
        .cmd(&["--format", "concise", "-"])
        .write_stdin(HOLDLESS)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn fixes_follow_the_configuration() {
    let repo = Repo::new();
    repo.write("app.yaml", APP)
        .write(".meshlint.yaml", "ignore: [MESH302]\n");
    repo.cmd(&["--fix", "--format", "concise"])
        .output()
        .unwrap();
    let fixed = repo.read("app.yaml");
    assert!(
        fixed.contains("\"10.0.0.0/8, 10.1.0.0/16\""),
        "MESH302 is ignored, so not fixed:\n{fixed}"
    );
    assert!(
        fixed.contains("holdApplicationUntilProxyStarts"),
        "MESH101 is fixed:\n{fixed}"
    );
}

/// The example of `docs/configuration.md` is a valid configuration with every key.
#[test]
fn the_documented_example_is_valid() {
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/configuration.md"),
    )
    .unwrap();
    let start = doc.find("```yaml\n").unwrap() + "```yaml\n".len();
    let example = &doc[start..start + doc[start..].find("```").unwrap()];
    let repo = Repo::new();
    repo.write(".meshlint.yaml", "")
        .write("team/.meshlint.yaml", example)
        .write("team/app.yaml", HOLDLESS);
    for key in meshlint::config::KEYS {
        assert!(
            example.contains(&format!("\n{key}:"))
                || example.contains(&format!("# .meshlint.yaml\n{key}:")),
            "the example shows `{key}`"
        );
    }
    let out = repo.cmd(&["config", "team"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (_, diags) = repo.json(&["team"]);
    let codes: Vec<&str> = diags.iter().map(|d| d.0.as_str()).collect();
    assert_eq!(codes, ["MESH101"], "selected by `MESH1`");
}
