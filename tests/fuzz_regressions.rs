//! The fuzz targets' properties (`fuzz/checks.rs`) run over the kept corpora on every `cargo
//! test`: the seeds (`fuzz/seeds/<target>/`, minimised corpora included) and every crash input
//! found so far (`fuzz/regressions/<target>/`). Inputs that still fail, with an open issue,
//! live in `fuzz/known-failures/<target>/` and run only with `--ignored`.

#[path = "../fuzz/checks.rs"]
pub mod checks;

use std::path::Path;

const TARGETS: [&str; 4] = ["yaml", "grammars", "proxy_config", "lint_fix"];

fn check(target: &str, data: &[u8]) {
    match target {
        "yaml" => {
            if let Some(text) = checks::decode(data) {
                checks::yaml_layer(text);
            }
        }
        "lint_fix" => {
            if let Some(text) = checks::decode(data) {
                checks::lint_and_fix(text);
            }
        }
        "grammars" => {
            if let Ok(text) = std::str::from_utf8(data) {
                checks::grammars(text);
            }
        }
        "proxy_config" => {
            if let Ok(text) = std::str::from_utf8(data) {
                checks::proxy_config(text);
            }
        }
        _ => unreachable!("unknown fuzz target {target}"),
    }
}

/// Runs every file of `fuzz/<dir>/<target>/`; returns the failures as (path, panic message).
fn run_dir(dir: &str, target: &str) -> (usize, Vec<(String, String)>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(dir)
        .join(target);
    let Ok(entries) = std::fs::read_dir(&root) else {
        return (0, Vec::new());
    };
    let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    let mut failures = Vec::new();
    for path in &paths {
        let data = std::fs::read(path).unwrap();
        if let Err(panic) = std::panic::catch_unwind(|| check(target, &data)) {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            failures.push((path.display().to_string(), message));
        }
    }
    (paths.len(), failures)
}

fn run_all(dir: &str) -> usize {
    let mut total = 0;
    let mut failures = Vec::new();
    for target in TARGETS {
        let (n, f) = run_dir(dir, target);
        total += n;
        failures.extend(f);
    }
    assert!(
        failures.is_empty(),
        "{} input(s) fail:\n{}",
        failures.len(),
        failures
            .iter()
            .map(|(p, m)| format!("{p}: {}", m.chars().take(400).collect::<String>()))
            .collect::<Vec<_>>()
            .join("\n")
    );
    total
}

#[test]
fn seeds_and_minimised_corpora_hold_every_property() {
    assert!(run_all("seeds") > 0, "no fuzz seeds found");
}

#[test]
fn crash_inputs_found_by_fuzzing_stay_fixed() {
    run_all("regressions");
}

#[test]
#[ignore = "known failures with open issues: run with --ignored to see whether they are fixed"]
fn known_failures() {
    run_all("known-failures");
}
