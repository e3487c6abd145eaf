//! Helpers the integration tests share: running the built binary in a directory, writing
//! files there, and reading its JSON report back.

// Each test crate uses some of these: crates declare `pub mod common;`, so that the helpers a
// crate does not use are not dead code there (no `allow(dead_code)` needed).

use assert_cmd::Command;
use std::fs;
use std::path::Path;

/// The built binary, run in `dir` without colours.
pub fn meshlint(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("meshlint").unwrap();
    cmd.current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE");
    cmd
}

/// Writes `text` to `dir/name`, creating the directories on the way.
pub fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// The JSON report in `out`, or a panic that shows what was printed instead.
pub fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(out)))
}

/// One finding of a JSON report, as a user reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub code: String,
    pub file: String,
    pub line: u64,
    pub column: u64,
    pub severity: String,
    pub message: String,
}

/// Every finding of a JSON report, in its order.
pub fn findings(v: &serde_json::Value) -> Vec<Found> {
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| Found {
            code: d["code"].as_str().unwrap().to_owned(),
            file: d["file"].as_str().unwrap().to_owned(),
            line: d["range"]["start"]["line"].as_u64().unwrap(),
            column: d["range"]["start"]["column"].as_u64().unwrap(),
            severity: d["severity"].as_str().unwrap().to_owned(),
            message: d["message"].as_str().unwrap().to_owned(),
        })
        .collect()
}

/// Runs `meshlint --format json ARGS` in `dir`: its report and exit code.
pub fn lint_json(dir: &Path, args: &[&str]) -> (serde_json::Value, i32) {
    let out = meshlint(dir)
        .args(["--format", "json"])
        .args(args)
        .output()
        .unwrap();
    (json(&out.stdout), out.status.code().unwrap())
}

/// Whether the tests run under CI (`CI` set to anything but empty, `0` or `false`, as CI
/// services and this project's `.ci/run` environment set it).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
}

/// Ends a test that cannot run on this machine because `missing` is missing (the network, git,
/// a FIFO...). A test never passes without having run: this fails with the reason. Under CI the
/// machine must provide what every test needs; elsewhere the message says how to leave the test
/// out knowingly (`cargo test -- --skip NAME`).
#[track_caller]
pub fn cannot_run(test: &str, missing: &str) -> ! {
    assert!(
        !in_ci(),
        "{test} cannot run under CI: {missing}. CI must provide what every test needs."
    );
    panic!(
        "{test} cannot run on this machine: {missing}. It is not skipped silently; \
         to leave it out knowingly run `cargo test -- --skip {test}`."
    );
}
