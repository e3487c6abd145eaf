//! Where meshlint runs: the pre-commit hooks with the real `pre-commit`, the GitHub
//! Action, the release assets, and the "Use it in CI" snippets of the README, which are the files
//! under `docs/ci/` verbatim and are exercised here.
//!
//! SLOW TEST: `pre_commit_hooks_with_the_real_pre_commit` takes a minute or two the first time:
//! it installs `pre-commit` from PyPI (into `target/tmp/pre-commit/venv` when it is not on the
//! PATH), and pre-commit builds meshlint with `cargo install` (`language: rust`). The build
//! shares `target/tmp/pre-commit/cargo-target` and pre-commit's cache
//! (`target/tmp/pre-commit/home`) across runs, so later runs of the same commit take seconds.
//! It tests the committed `HEAD` (pre-commit installs hooks from a commit). When PyPI cannot be
//! reached or the source is not a git checkout it fails saying so (`common::cannot_run`); it is
//! never skipped silently.

pub mod common;

use assert_cmd::cargo::cargo_bin;
use meshlint::yaml::{self, NodeRef};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Runs `f` on the root node of the YAML file `rel`.
fn with_yaml<T>(rel: &str, f: impl FnOnce(NodeRef<'_, '_>) -> T) -> T {
    let text = read(rel);
    let docs = yaml::parse(&text);
    let doc = docs[0].as_ref().unwrap_or_else(|e| panic!("{rel}: {e:?}"));
    f(doc.root().unwrap())
}

fn text(s: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&s.stdout),
        String::from_utf8_lossy(&s.stderr)
    )
}

/// A bad manifest: a pod with the hold set but a space after a comma in its IP list (MESH302,
/// error; safe fix).
const BAD: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: web
  annotations:
    proxy.istio.io/config: '{\"holdApplicationUntilProxyStarts\": true}'
    traffic.sidecar.istio.io/excludeOutboundIPRanges: \"10.0.0.0/8, 172.16.0.0/12\"
spec:
  containers:
    - name: web
      image: web:1
";

fn scratch_with_bad_manifest() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("deploy")).unwrap();
    std::fs::write(dir.path().join("deploy/app.yaml"), BAD).unwrap();
    dir
}

/// `PATH` with the built binary's directory first.
fn path_with_meshlint() -> OsString {
    let bin = cargo_bin("meshlint");
    let mut paths = vec![bin.parent().unwrap().to_path_buf()];
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(paths).unwrap()
}

fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

// ------------------------------------------------------------------------------------------
// GitHub

#[test]
fn the_github_workflow_snippet_uses_this_action_with_its_inputs() {
    let inputs: Vec<String> = with_yaml("action.yml", |root| {
        root.get("inputs")
            .unwrap()
            .entries()
            .map(|(k, _)| k.as_str().unwrap().to_owned())
            .collect()
    });
    with_yaml("docs/ci/github-workflow.yml", |root| {
        let steps: Vec<_> = root
            .path(&["jobs", "meshlint", "steps"])
            .unwrap()
            .items()
            .collect();
        let step = steps
            .iter()
            .find(|s| {
                s.get_str("uses")
                    .is_some_and(|u| u.starts_with("meshlint/meshlint@"))
            })
            .expect("the workflow uses the action");
        assert_eq!(
            step.get_str("uses"),
            Some(format!("meshlint/meshlint@v{}", version()).as_str()),
            "the snippet names the current release"
        );
        for (k, _) in step.get("with").unwrap().entries() {
            let k = k.as_str().unwrap();
            assert!(
                inputs.iter().any(|i| i == k),
                "action.yml has no input `{k}`"
            );
        }
        let permissions = root.get("permissions").unwrap();
        assert_eq!(permissions.get_str("security-events"), Some("write"));
    });
}

/// The action's lint step is plain bash over environment variables: run it as GitHub would.
#[test]
fn the_action_writes_sarif_and_records_the_exit_code() {
    let (script, env_names) = with_yaml("action.yml", |root| {
        let steps = root.path(&["runs", "steps"]).unwrap();
        let lint = steps
            .items()
            .find(|s| s.get_str("id") == Some("lint"))
            .expect("a step with id: lint");
        let env: Vec<String> = lint
            .get("env")
            .unwrap()
            .entries()
            .map(|(k, _)| k.as_str().unwrap().to_owned())
            .collect();
        (lint.get_str("run").unwrap().to_owned(), env)
    });
    assert!(script.contains("--format sarif --output-file"));
    assert_eq!(
        env_names,
        ["MESHLINT_PATHS", "MESHLINT_ARGS", "MESHLINT_SARIF"]
    );
    let dir = scratch_with_bad_manifest();
    let output = dir.path().join("github-output");
    let run = |args: &str| {
        std::fs::write(&output, "").unwrap();
        Command::new("bash")
            .arg("-c")
            .arg(&script)
            .current_dir(dir.path())
            .env("PATH", path_with_meshlint())
            .env("MESHLINT_PATHS", "deploy")
            .env("MESHLINT_ARGS", args)
            .env("MESHLINT_SARIF", "meshlint.sarif")
            .env("GITHUB_OUTPUT", &output)
            .output()
            .unwrap()
    };
    let out = run("");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("::warning::meshlint found problems"));
    assert_eq!(std::fs::read_to_string(&output).unwrap(), "exit-code=1\n");
    let sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("meshlint.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "MESH302");
    // A usage error fails the step itself.
    let out = run("--no-such-flag");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(&output).unwrap(), "exit-code=2\n");
}

/// What the action, the GitLab job and the release workflow say about release assets agrees.
#[test]
fn installers_download_what_the_release_workflow_publishes() {
    let release = read(".github/workflows/release.yml");
    let action = read("action.yml");
    let gitlab = read("docs/ci/gitlab-ci.yml");
    for target in [
        "x86_64-unknown-linux-musl",
        "aarch64-unknown-linux-musl",
        "x86_64-apple-darwin",
        "aarch64-apple-darwin",
        "x86_64-pc-windows-msvc",
    ] {
        assert!(
            release.contains(&format!("target: {target},")),
            "release.yml builds {target}"
        );
        assert!(
            action.contains(&format!("target={target}")),
            "action.yml installs {target}"
        );
    }
    assert!(release.contains("meshlint-${target}") && release.contains("${name}.tar.gz"));
    assert!(action.contains("asset=\"meshlint-${target}.${ext}\""));
    assert!(action.contains("${asset}.sha256") && release.contains("${asset}.sha256"));
    assert!(gitlab.contains("/meshlint-x86_64-unknown-linux-musl.tar.gz"));
    assert!(release.contains("tags: [\"v*\"]"));
}

// ------------------------------------------------------------------------------------------
// GitLab

#[test]
fn the_gitlab_job_snippet_writes_code_quality_and_junit_reports() {
    let (script, version_var, reports) = with_yaml("docs/ci/gitlab-ci.yml", |root| {
        let job = root.get("meshlint").unwrap();
        let script: Vec<String> = job
            .get("script")
            .unwrap()
            .items()
            .map(|l| l.as_str().unwrap().to_owned())
            .collect();
        let reports: Vec<(String, String)> = job
            .path(&["artifacts", "reports"])
            .unwrap()
            .entries()
            .map(|(k, v)| {
                (
                    k.as_str().unwrap().to_owned(),
                    v.as_str().unwrap().to_owned(),
                )
            })
            .collect();
        (
            script,
            job.path(&["variables", "MESHLINT_VERSION"])
                .and_then(meshlint::yaml::NodeRef::as_str)
                .unwrap()
                .to_owned(),
            reports,
        )
    });
    assert_eq!(
        version_var,
        version(),
        "the snippet installs the current release"
    );
    let dir = scratch_with_bad_manifest();
    let codes: Vec<Option<i32>> = script
        .iter()
        .map(|line| {
            Command::new("sh")
                .arg("-c")
                .arg(line)
                .current_dir(dir.path())
                .env("PATH", path_with_meshlint())
                .env("NO_COLOR", "1")
                .status()
                .unwrap()
                .code()
        })
        .collect();
    assert_eq!(
        codes,
        [Some(0), Some(1)],
        "junit (never fails), then code quality (fails the job)"
    );
    for (kind, file) in reports {
        let body = std::fs::read_to_string(dir.path().join(&file)).unwrap();
        match kind.as_str() {
            "codequality" => {
                let v: serde_json::Value = serde_json::from_str(&body).unwrap();
                assert_eq!(v[0]["check_name"], "MESH302", "{body}");
                assert_eq!(v[0]["location"]["path"], "deploy/app.yaml");
            }
            "junit" => {
                assert!(
                    body.contains("<testsuite") && body.contains("MESH302@7:"),
                    "{body}"
                );
            }
            other => panic!("unexpected report {other}"),
        }
    }
}

// ------------------------------------------------------------------------------------------
// README

/// The README's "Use it in CI" section shows the tested snippets verbatim.
#[test]
fn the_readme_shows_the_tested_snippets() {
    let readme = read("README.md");
    assert!(
        readme.contains("## Use it in CI"),
        "README.md must have a \"Use it in CI\" section"
    );
    for snippet in [
        "docs/ci/github-workflow.yml",
        "docs/ci/gitlab-ci.yml",
        "docs/ci/pre-commit-config.yaml",
    ] {
        assert!(
            readme.contains(&read(snippet)),
            "README.md must show {snippet} verbatim"
        );
    }
}

// ------------------------------------------------------------------------------------------
// pre-commit

#[test]
fn the_hooks_manifest_declares_both_hooks() {
    with_yaml(".pre-commit-hooks.yaml", |root| {
        let hooks: Vec<_> = root.items().collect();
        let ids: Vec<_> = hooks.iter().map(|h| h.get_str("id").unwrap()).collect();
        assert_eq!(ids, ["meshlint", "meshlint-fix"]);
        for h in &hooks {
            assert_eq!(h.get_str("language"), Some("rust"));
            assert_eq!(h.get_str("require_serial"), Some("true"));
            let types: Vec<_> = h
                .get("types_or")
                .unwrap()
                .items()
                .map(|t| t.as_str().unwrap())
                .collect();
            assert_eq!(types, ["yaml", "json"]);
            assert!(h.get_str("entry").unwrap().starts_with("meshlint "));
        }
        assert!(hooks[1].get_str("entry").unwrap().contains("--fix"));
    });
}

fn git(dir: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "meshlint test")
        .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
        .env("GIT_COMMITTER_NAME", "meshlint test")
        .env("GIT_COMMITTER_EMAIL", "test@example.invalid")
        .output()
        .expect("git is installed")
}

fn works(cmd: &[OsString]) -> bool {
    Command::new(&cmd[0])
        .args(&cmd[1..])
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn pypi_reachable() -> bool {
    use std::net::ToSocketAddrs;
    let proxied = ["HTTPS_PROXY", "https_proxy", "PIP_INDEX_URL", "PIP_PROXY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some());
    proxied
        || ("pypi.org", 443).to_socket_addrs().is_ok_and(|mut addrs| {
            addrs.any(|a| {
                std::net::TcpStream::connect_timeout(&a, std::time::Duration::from_secs(5)).is_ok()
            })
        })
}

/// The `pre-commit` command: on the PATH, importable, or installed into a venv under `work`.
/// Fails the test (`common::cannot_run`) when it must be installed and PyPI is unreachable.
fn pre_commit(work: &Path) -> Vec<OsString> {
    let venv = work.join("venv");
    let venv_bin = if cfg!(windows) {
        venv.join("Scripts")
    } else {
        venv.join("bin")
    };
    let candidates: [Vec<OsString>; 3] = [
        vec!["pre-commit".into()],
        vec!["python3".into(), "-m".into(), "pre_commit".into()],
        vec![venv_bin.join("pre-commit").into()],
    ];
    if let Some(found) = candidates.iter().find(|c| works(c)) {
        return found.clone();
    }
    let python = ["python3", "python"]
        .into_iter()
        .find(|p| {
            Command::new(p)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .expect("the pre-commit test needs Python 3 (pre-commit is a Python tool)");
    let made = Command::new(python)
        .args(["-m", "venv"])
        .arg(&venv)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "python -m venv failed: {}",
        text(&made)
    );
    let pip = Command::new(venv_bin.join("python"))
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "pre-commit",
        ])
        .output()
        .unwrap();
    if !pip.status.success() {
        if !pypi_reachable() {
            common::cannot_run(
                "pre_commit_hooks_with_the_real_pre_commit",
                &format!(
                    "PyPI is unreachable, so pre-commit cannot be installed ({})",
                    text(&pip).trim()
                ),
            );
        }
        panic!("pip install pre-commit failed: {}", text(&pip));
    }
    let installed = vec![venv_bin.join("pre-commit").into_os_string()];
    assert!(works(&installed), "pre-commit installed but does not run");
    installed
}

/// SLOW (see the module docs): `pre-commit try-repo` on this repository in a scratch git
/// repository — the lint hook fails on a bad manifest with meshlint's message and the fix hook
/// rewrites it; then the README's `.pre-commit-config.yaml` passes on the fixed file and fails
/// on the bad one.
#[test]
fn pre_commit_hooks_with_the_real_pre_commit() {
    let root = root();
    let head = git(&root, &["rev-parse", "HEAD"]);
    if !head.status.success() {
        common::cannot_run(
            "pre_commit_hooks_with_the_real_pre_commit",
            &format!(
                "{} is not a git checkout (pre-commit installs hooks from a commit)",
                root.display()
            ),
        );
    }
    let head = String::from_utf8(head.stdout).unwrap().trim().to_owned();
    assert!(
        git(&root, &["cat-file", "-e", "HEAD:.pre-commit-hooks.yaml"])
            .status
            .success(),
        "pre-commit installs hooks from a commit: commit .pre-commit-hooks.yaml first"
    );
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pre-commit");
    std::fs::create_dir_all(&work).unwrap();
    let pc = pre_commit(&work);

    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    assert!(git(dir, &["init", "-q"]).status.success());
    std::fs::create_dir(dir.join("deploy")).unwrap();
    std::fs::write(dir.join("deploy/app.yaml"), BAD).unwrap();
    std::fs::write(dir.join("notes.txt"), "not a manifest: [\n").unwrap();
    // The README's configuration, pointed at this checkout.
    let config = read("docs/ci/pre-commit-config.yaml");
    let published = format!("rev: v{}", version());
    assert!(
        config.contains("repo: https://github.com/meshlint/meshlint")
            && config.contains(&published)
    );
    let local = config
        .replace(
            "https://github.com/meshlint/meshlint",
            &root.to_string_lossy(),
        )
        .replace(&published, &format!("rev: {head}"));
    std::fs::write(dir.join(".pre-commit-config.yaml"), local).unwrap();
    assert!(git(dir, &["add", "-A"]).status.success());

    let run = |args: &[&str]| -> Output {
        Command::new(&pc[0])
            .args(&pc[1..])
            .args(args)
            .current_dir(dir)
            .env("PRE_COMMIT_HOME", work.join("home"))
            .env("PRE_COMMIT_COLOR", "never")
            .env("NO_COLOR", "1")
            // `cargo install` of the hook: one shared target directory, a quick build profile.
            .env("CARGO_TARGET_DIR", work.join("cargo-target"))
            .env("CARGO_PROFILE_RELEASE_LTO", "false")
            .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
            .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
            .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
            .env("GIT_AUTHOR_NAME", "meshlint test")
            .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
            .env("GIT_COMMITTER_NAME", "meshlint test")
            .env("GIT_COMMITTER_EMAIL", "test@example.invalid")
            .output()
            .unwrap()
    };
    let root_s = root.to_string_lossy().into_owned();

    // Both hooks, in the manifest's order: the lint hook fails with meshlint's message, then
    // the fix hook rewrites the file (and fails, as pre-commit does when a hook changes files).
    // try-repo builds in a throwaway store, so it is run once.
    let tried = run(&[
        "try-repo",
        &root_s,
        "--ref",
        &head,
        "--all-files",
        "--verbose",
    ]);
    let out = text(&tried);
    assert_eq!(tried.status.code(), Some(1), "the hooks must fail:\n{out}");
    let (lint, fix) = out
        .split_once("meshlint (fix)")
        .unwrap_or_else(|| panic!("both hooks ran:\n{out}"));
    assert!(
        lint.contains("Failed")
            && lint.contains("deploy/app.yaml:7:")
            && lint.contains("MESH302")
            && lint.contains("excludeOutboundIPRanges"),
        "the lint hook shows meshlint's message:\n{out}"
    );
    assert!(
        !out.contains("notes.txt"),
        "only YAML and JSON files are passed:\n{out}"
    );
    assert!(fix.contains("files were modified by this hook"), "{out}");
    let fixed = std::fs::read_to_string(dir.join("deploy/app.yaml")).unwrap();
    assert_eq!(fixed, BAD.replace(", 172.16", ",172.16"));

    // The README's .pre-commit-config.yaml, through `pre-commit run` (its build is cached in
    // PRE_COMMIT_HOME for this commit): the fixed file passes, the bad one fails.
    assert!(git(dir, &["add", "-A"]).status.success());
    let clean = run(&["run", "--all-files"]);
    assert_eq!(clean.status.code(), Some(0), "{}", text(&clean));
    std::fs::write(dir.join("deploy/app.yaml"), BAD).unwrap();
    assert!(git(dir, &["add", "-A"]).status.success());
    let configured = run(&["run", "--all-files"]);
    let out = text(&configured);
    assert_eq!(configured.status.code(), Some(1), "{out}");
    assert!(out.contains("MESH302") && out.contains("meshlint"), "{out}");
}
