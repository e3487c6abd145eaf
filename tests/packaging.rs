//! What the package declares holds: `rust-version` is what the locked dependencies need.

use std::process::Command;

/// `1.88` and `1.88.0` as the same `[1, 88, 0]`.
fn version_key(v: &str) -> Vec<u64> {
    let mut key: Vec<u64> = v.split('.').map(|p| p.parse().unwrap_or(0)).collect();
    key.resize(3, 0);
    key
}

/// Cargo.toml's `rust-version` is the highest `rust-version` the locked dependencies declare
/// (each in its own Cargo.toml), for the packages built on this host. `cargo metadata` reads
/// them: the lock file's packages, resolved as a build here resolves them (`--filter-platform`
/// leaves out Windows-only crates on Linux, which a build on Windows checks).
#[test]
fn rust_version_is_what_the_locked_dependencies_need() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let host = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned()))
        .arg("-vV")
        .output()
        .expect("rustc runs");
    let host = String::from_utf8_lossy(&host.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .expect("rustc -vV names the host");
    let out = Command::new(cargo)
        .args(["metadata", "--locked", "--offline", "--format-version", "1"])
        .args(["--filter-platform", &host])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo metadata --locked --offline failed (build the tests first, which fetches the \
         sources): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let packages = meta["packages"].as_array().unwrap();
    let ours = packages
        .iter()
        .find(|p| p["name"] == "meshlint" && p["source"].is_null())
        .expect("meshlint is a package");
    let declared = ours["rust_version"]
        .as_str()
        .expect("Cargo.toml sets rust-version");
    let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock")).unwrap();
    let mut needed: Vec<(Vec<u64>, String)> = Vec::new();
    for p in packages.iter().filter(|p| !p["source"].is_null()) {
        let (name, version) = (p["name"].as_str().unwrap(), p["version"].as_str().unwrap());
        assert!(
            lock.contains(&format!("name = \"{name}\"\nversion = \"{version}\"\n")),
            "{name} {version} is not in Cargo.lock"
        );
        if let Some(rv) = p["rust_version"].as_str() {
            needed.push((version_key(rv), format!("{name} {version} needs {rv}")));
        }
    }
    needed.sort();
    let (highest, because) = needed.last().expect("dependencies declare rust-versions");
    assert!(
        packages.len() > 50,
        "only {} packages: not the lock file's",
        packages.len()
    );
    assert_eq!(
        &version_key(declared),
        highest,
        "Cargo.toml says rust-version = {declared}, but {because}"
    );
}
