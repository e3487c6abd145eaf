//! Where meshlint runs: the pre-commit hooks with the real `pre-commit`, the wheel, the GitHub
//! Action, the release assets, and the "Use it in CI" snippets of the README, which are the files
//! under `docs/ci/` verbatim and are exercised here.
//!
//! SLOW, IGNORED BY `cargo test`: the two tests with the real `pre-commit` need Python 3 with
//! `venv`, and PyPI (pre-commit and maturin are installed from it into `target/tmp/pre-commit`
//! when they are not on the PATH); the Rust hooks' test also needs crates.io (pre-commit builds
//! meshlint with `cargo install`). `.ci/run` runs them (`cargo test --locked --test precommit --
//! --ignored`); run by hand, they fail with what is missing, never skip. They test the committed
//! `HEAD` (pre-commit installs hooks from a commit). The first run takes a minute or two; the
//! builds are cached under `target/tmp/pre-commit`, so later runs of one commit take seconds.

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

/// The wheel hooks (the default ids) and the Rust hooks, with the same entries.
#[test]
fn the_hooks_manifest_declares_the_wheel_and_the_rust_hooks() {
    with_yaml(".pre-commit-hooks.yaml", |root| {
        let hooks: Vec<_> = root.items().collect();
        let ids: Vec<_> = hooks.iter().map(|h| h.get_str("id").unwrap()).collect();
        assert_eq!(
            ids,
            [
                "meshlint",
                "meshlint-fix",
                "meshlint-rust",
                "meshlint-fix-rust"
            ]
        );
        let languages: Vec<_> = hooks
            .iter()
            .map(|h| h.get_str("language").unwrap())
            .collect();
        assert_eq!(languages, ["python", "python", "rust", "rust"]);
        for h in &hooks {
            assert_eq!(h.get_str("require_serial"), Some("true"));
            let types: Vec<_> = h
                .get("types_or")
                .unwrap()
                .items()
                .map(|t| t.as_str().unwrap())
                .collect();
            assert_eq!(types, ["yaml", "json"]);
        }
        let entry = |i: usize| hooks[i].get_str("entry").unwrap().to_owned();
        assert_eq!(entry(0), "meshlint check --force-exclude");
        assert_eq!(entry(1), "meshlint check --fix --force-exclude");
        assert_eq!(entry(2), entry(0));
        assert_eq!(entry(3), entry(1));
    });
}

/// pre-commit installs the repository root with pip for the python hooks: its pyproject.toml
/// must depend on the wheel of this very version, which python/pyproject.toml builds from this
/// crate.
#[test]
fn the_python_hooks_install_the_wheel_of_this_version() {
    let shim = read("pyproject.toml");
    assert!(
        shim.contains(&format!("\nversion = \"{}\"\n", version())),
        "pyproject.toml's version is Cargo.toml's"
    );
    assert!(
        shim.contains(&format!("dependencies = [\"meshlint=={}\"]", version())),
        "pyproject.toml depends on the meshlint wheel of this version"
    );
    let wheel = read("python/pyproject.toml");
    for line in [
        "name = \"meshlint\"",
        "bindings = \"bin\"",
        "manifest-path = \"../Cargo.toml\"",
        "dynamic = [\"version\"]",
    ] {
        assert!(wheel.contains(line), "python/pyproject.toml has `{line}`");
    }
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

/// The `pre-commit` command: on the PATH, importable, or installed into a venv under `work`;
/// a panic that says what is missing when it can be none of these.
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
    pip_install(&venv, &["pre-commit"]);
    let installed = vec![venv_bin.join("pre-commit").into_os_string()];
    assert!(works(&installed), "pre-commit installed but does not run");
    installed
}

/// `dir/bin` (`dir\Scripts` on Windows): where a venv's commands are.
fn venv_bin(venv: &Path) -> PathBuf {
    if cfg!(windows) {
        venv.join("Scripts")
    } else {
        venv.join("bin")
    }
}

/// A Python 3 with `venv`, or a panic that says so.
fn python() -> &'static str {
    ["python3", "python"]
        .into_iter()
        .find(|p| {
            Command::new(p)
                .args([
                    "-c",
                    "import sys, venv; sys.exit(sys.version_info < (3, 8))",
                ])
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .expect(
            "this test needs Python 3.8+ with the venv module (pre-commit and pip are Python \
             tools): install python3 and python3-venv",
        )
}

/// Makes the venv `venv` (once) and pip-installs `packages` into it from PyPI, or panics with
/// pip's message.
fn pip_install(venv: &Path, packages: &[&str]) {
    if !venv_bin(venv).join("python").exists() && !venv_bin(venv).join("python.exe").exists() {
        let made = Command::new(python())
            .args(["-m", "venv"])
            .arg(venv)
            .output()
            .unwrap();
        assert!(
            made.status.success(),
            "python -m venv failed: {}",
            text(&made)
        );
    }
    let pip = Command::new(venv_bin(venv).join("python"))
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(packages)
        .output()
        .unwrap();
    assert!(
        pip.status.success(),
        "pip install {} failed (this test needs PyPI, or a PIP_INDEX_URL mirror): {}",
        packages.join(" "),
        text(&pip)
    );
}

/// The committed `HEAD` of this checkout (pre-commit installs hooks from a commit), or a
/// panic that says why there is none.
fn head() -> String {
    let root = root();
    let head = git(&root, &["rev-parse", "HEAD"]);
    assert!(
        head.status.success(),
        "pre-commit installs hooks from a commit, and {} is not a git checkout: {}",
        root.display(),
        text(&head)
    );
    assert!(
        git(&root, &["cat-file", "-e", "HEAD:.pre-commit-hooks.yaml"])
            .status
            .success(),
        "pre-commit installs hooks from a commit: commit .pre-commit-hooks.yaml first"
    );
    String::from_utf8(head.stdout).unwrap().trim().to_owned()
}

/// A scratch git repository with a bad manifest and a file that is not one, all staged.
fn scratch_repo() -> tempfile::TempDir {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    assert!(git(dir, &["init", "-q"]).status.success());
    std::fs::create_dir(dir.join("deploy")).unwrap();
    std::fs::write(dir.join("deploy/app.yaml"), BAD).unwrap();
    std::fs::write(dir.join("notes.txt"), "not a manifest: [\n").unwrap();
    assert!(git(dir, &["add", "-A"]).status.success());
    scratch
}

/// Runs `pre-commit args` in `dir` with pre-commit's cache in `home` and `env` set.
fn run_pre_commit(
    pc: &[OsString],
    dir: &Path,
    home: &Path,
    env: &[(&str, OsString)],
    args: &[&str],
) -> Output {
    let mut cmd = Command::new(&pc[0]);
    cmd.args(&pc[1..])
        .args(args)
        .current_dir(dir)
        .env("PRE_COMMIT_HOME", home)
        .env("PRE_COMMIT_COLOR", "never")
        .env("NO_COLOR", "1")
        .env("GIT_AUTHOR_NAME", "meshlint test")
        .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
        .env("GIT_COMMITTER_NAME", "meshlint test")
        .env("GIT_COMMITTER_EMAIL", "test@example.invalid");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// What the lint hook printed for the bad manifest: it failed with meshlint's message, and only
/// YAML and JSON files were passed to it.
fn assert_lint_hook_failed(out: &Output) {
    let shown = text(out);
    assert_eq!(out.status.code(), Some(1), "the hook must fail:\n{shown}");
    assert!(
        shown.contains("Failed")
            && shown.contains("deploy/app.yaml:7:")
            && shown.contains("MESH302")
            && shown.contains("excludeOutboundIPRanges"),
        "the lint hook shows meshlint's message:\n{shown}"
    );
    assert!(
        !shown.contains("notes.txt"),
        "only YAML and JSON files are passed:\n{shown}"
    );
}

/// What the fix hook did: rewrote the file, and failed as pre-commit does when a hook changes
/// files.
fn assert_fix_hook_fixed(out: &Output, dir: &Path) {
    let shown = text(out);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(
        shown.contains("files were modified by this hook"),
        "{shown}"
    );
    let fixed = std::fs::read_to_string(dir.join("deploy/app.yaml")).unwrap();
    assert_eq!(fixed, BAD.replace(", 172.16", ",172.16"));
}

/// SLOW (see the module docs): `pre-commit try-repo` of the Rust hooks of this repository in a
/// scratch git repository — the lint hook fails on a bad manifest with meshlint's message and
/// the fix hook rewrites it.
#[test]
#[ignore = "slow, and needs Python 3 with venv, PyPI (pre-commit) and crates.io (the hook's cargo install): .ci/run runs it with --ignored"]
fn rust_hooks_with_the_real_pre_commit() {
    let root = root();
    let head = head();
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pre-commit");
    std::fs::create_dir_all(&work).unwrap();
    let pc = pre_commit(&work);
    let scratch = scratch_repo();
    let dir = scratch.path();
    // `cargo install` of the hook: one shared target directory, a quick build profile.
    let env: Vec<(&str, OsString)> = vec![
        ("CARGO_TARGET_DIR", work.join("cargo-target").into()),
        ("CARGO_PROFILE_RELEASE_LTO", "false".into()),
        ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16".into()),
        ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0".into()),
    ];
    let root_s = root.to_string_lossy().into_owned();
    let home = work.join("home");
    let try_hook = |id: &str, verbose: bool| {
        let mut args = vec!["try-repo", &root_s, id, "--ref", &head, "--all-files"];
        if verbose {
            args.push("--verbose");
        }
        run_pre_commit(&pc, dir, &home, &env, &args)
    };
    assert_lint_hook_failed(&try_hook("meshlint-rust", true));
    assert_fix_hook_fixed(&try_hook("meshlint-fix-rust", false), dir);
}

/// `PATH` without the directories that hold `cargo` or `rustc`: what a machine without a Rust
/// toolchain has.
fn path_without_rust() -> OsString {
    let kept: Vec<PathBuf> = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .filter(|d| {
            !["cargo", "rustc", "cargo.exe", "rustc.exe"]
                .iter()
                .any(|tool| d.join(tool).exists())
        })
        .collect();
    std::env::join_paths(kept).unwrap()
}

/// The wheel, and the one wheel the hooks' package needs to be built (setuptools), in a
/// directory pip installs from (returned).
fn build_wheel(root: &Path, work: &Path) -> PathBuf {
    let links = work.join("links");
    let _ = std::fs::remove_dir_all(&links);
    std::fs::create_dir_all(&links).unwrap();
    let tools = work.join("tools");
    pip_install(&tools, &["maturin>=1.5,<2.0"]);
    let started = std::time::Instant::now();
    let built = Command::new(venv_bin(&tools).join("maturin"))
        .args(["build", "--profile", "dev", "--locked", "--out"])
        .arg(&links)
        .current_dir(root.join("python"))
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "maturin build failed:\n{}",
        text(&built)
    );
    println!("wheel built in {:.1?}", started.elapsed());
    let downloaded = Command::new(venv_bin(&tools).join("python"))
        .args([
            "-m",
            "pip",
            "download",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(["--only-binary", ":all:", "--dest"])
        .arg(&links)
        .arg("setuptools>=61")
        .output()
        .unwrap();
    assert!(
        downloaded.status.success(),
        "pip download setuptools failed (this test needs PyPI): {}",
        text(&downloaded)
    );
    links
}

/// A fresh venv with the wheel installed from `links` only (no Rust toolchain on the PATH): its
/// `meshlint`, checked to run.
fn wheel_in_fresh_venv(work: &Path, links: &Path) -> PathBuf {
    let venv = work.join("fresh-venv");
    let _ = std::fs::remove_dir_all(&venv);
    let started = std::time::Instant::now();
    let made = Command::new(python())
        .args(["-m", "venv"])
        .arg(&venv)
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", text(&made));
    let installed = Command::new(venv_bin(&venv).join("python"))
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(["--no-index", "--find-links"])
        .arg(links)
        .arg("meshlint")
        .env("PATH", path_without_rust())
        .output()
        .unwrap();
    assert!(installed.status.success(), "{}", text(&installed));
    println!("venv made and wheel installed in {:.1?}", started.elapsed());
    let meshlint = venv_bin(&venv).join("meshlint");
    let v = Command::new(&meshlint).arg("--version").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&v.stdout),
        format!("meshlint {}\n", version())
    );
    meshlint
}

/// SLOW (see the module docs): the wheel, as a user without Rust gets it. Builds the wheel with
/// maturin (`python/pyproject.toml`, the dev profile: this tests the packaging, not the
/// optimiser), installs it into a fresh venv and runs it there, then runs the real
/// `pre-commit` with the python hooks of this repository (`try-repo`) and with the README's
/// `.pre-commit-config.yaml`, pip installing from a local directory of wheels only
/// (`--find-links`, no index) and with no `cargo` or `rustc` on the PATH.
#[test]
#[ignore = "slow, and needs Python 3 with venv and PyPI (maturin, pre-commit, setuptools): .ci/run runs it with --ignored"]
fn the_wheel_installs_without_rust_and_its_pre_commit_hooks_run() {
    let root = root();
    let head = head();
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wheel");
    std::fs::create_dir_all(&work).unwrap();

    let links = build_wheel(&root, &work);
    let meshlint = wheel_in_fresh_venv(&work, &links);
    let scratch = scratch_repo();
    let dir = scratch.path();
    let lint = Command::new(&meshlint)
        .args(["check", "deploy"])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(lint.status.code(), Some(1), "{}", text(&lint));
    assert!(
        text(&lint).contains("deploy/app.yaml:7:"),
        "{}",
        text(&lint)
    );

    // The python hooks through the real pre-commit, pip reading the directory only and no Rust
    // toolchain in sight; a fresh pre-commit cache, so that the hooks get this wheel.
    let pc = pre_commit(&Path::new(env!("CARGO_TARGET_TMPDIR")).join("pre-commit"));
    let home = tempfile::tempdir().unwrap();
    let env: Vec<(&str, OsString)> = vec![
        ("PATH", path_without_rust()),
        ("PIP_NO_INDEX", "1".into()),
        ("PIP_FIND_LINKS", links.clone().into_os_string()),
        ("CARGO_HOME", work.join("no-cargo-here").into()),
        ("RUSTUP_HOME", work.join("no-rustup-here").into()),
    ];
    let root_s = root.to_string_lossy().into_owned();
    let started = std::time::Instant::now();
    let lint = run_pre_commit(
        &pc,
        dir,
        home.path(),
        &env,
        &[
            "try-repo",
            &root_s,
            "meshlint",
            "--ref",
            &head,
            "--all-files",
            "--verbose",
        ],
    );
    println!(
        "pre-commit try-repo (hook environment from the wheel) in {:.1?}",
        started.elapsed()
    );
    assert_lint_hook_failed(&lint);
    let fix = run_pre_commit(
        &pc,
        dir,
        home.path(),
        &env,
        &[
            "try-repo",
            &root_s,
            "meshlint-fix",
            "--ref",
            &head,
            "--all-files",
        ],
    );
    assert_fix_hook_fixed(&fix, dir);

    // The README's .pre-commit-config.yaml, pointed at this checkout: the fixed file passes,
    // the bad one fails.
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
    let clean = run_pre_commit(&pc, dir, home.path(), &env, &["run", "--all-files"]);
    assert_eq!(clean.status.code(), Some(0), "{}", text(&clean));
    std::fs::write(dir.join("deploy/app.yaml"), BAD).unwrap();
    assert!(git(dir, &["add", "-A"]).status.success());
    let configured = run_pre_commit(&pc, dir, home.path(), &env, &["run", "--all-files"]);
    let out = text(&configured);
    assert_eq!(configured.status.code(), Some(1), "{out}");
    assert!(out.contains("MESH302") && out.contains("meshlint"), "{out}");
}
