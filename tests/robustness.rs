//! Hostile and broken inputs (issue 7): each runs the built binary and must end with a clear
//! diagnostic or error, write nothing, not panic, and stay within a bounded cost.
//!
//! The bound is 2 s and 200 MiB of peak resident memory per run for a release build. `cargo
//! test` runs the unoptimised binary, so there the time bound is multiplied by
//! [`DEBUG_SLOWDOWN`]; memory is the same. Peak memory is sampled from `/proc/PID/status`
//! (`VmHWM`) while the process runs, so it is checked on Linux only. Big inputs are generated
//! here at run time, never committed. The 100 MB stream of small documents is a benchmark case
//! (`benches/run.sh CORPUS --big`), not a test: it is too slow for CI in a debug build.
//!
//! The unreadable-file case uses a symlink to `/proc/self/mem` (reading its first page fails with
//! EIO even for root, as CI runs) as well as a `chmod 000` file, which fails only for other users.

pub mod common;

use std::fmt::Write as _;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TIME_LIMIT: Duration = Duration::from_secs(2);
const MEMORY_LIMIT_KIB: u64 = 200 * 1024;
/// How much slower the unoptimised test binary may be.
const DEBUG_SLOWDOWN: u32 = 10;

fn time_limit() -> Duration {
    if cfg!(debug_assertions) {
        TIME_LIMIT * DEBUG_SLOWDOWN
    } else {
        TIME_LIMIT
    }
}

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
    elapsed: Duration,
    /// Peak resident set in KiB, when the platform tells.
    peak_kib: Option<u64>,
}

impl Outcome {
    /// Output for an assertion message, cut to a readable length.
    fn all(&self) -> String {
        let all = format!("{}{}", self.stdout, self.stderr);
        if all.len() > 4000 {
            let mut cut = 4000;
            while !all.is_char_boundary(cut) {
                cut -= 1;
            }
            format!("{}… ({} bytes in all)", &all[..cut], all.len())
        } else {
            all
        }
    }
}

fn vm_hwm(pid: u32) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn spawn(dir: &Path, args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_meshlint"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("meshlint runs")
}

/// Waits for `child`, draining its output and sampling its peak memory; kills it past twice
/// the time limit so a hang fails the test instead of blocking it.
fn finish(mut child: std::process::Child, started: Instant) -> Outcome {
    let pid = child.id();
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let mut peak = None;
    let status = loop {
        if let Some(kib) = vm_hwm(pid) {
            peak = Some(peak.map_or(kib, |p: u64| p.max(kib)));
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > time_limit() * 2 {
            let _ = child.kill();
            let _ = child.wait();
            panic!("meshlint did not finish within {:?}", time_limit() * 2);
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let elapsed = started.elapsed();
    let stdout = String::from_utf8_lossy(&out_reader.join().unwrap()).into_owned();
    let stderr = String::from_utf8_lossy(&err_reader.join().unwrap()).into_owned();
    Outcome {
        code: status.code().unwrap_or(-1),
        stdout,
        stderr,
        elapsed,
        peak_kib: peak,
    }
}

fn run(dir: &Path, args: &[&str]) -> Outcome {
    let started = Instant::now();
    finish(spawn(dir, args), started)
}

/// Every file under `dir` with its bytes (symlinks and special files by their link or kind).
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let ft = e.file_type().unwrap();
            if ft.is_symlink() {
                let target = fs::read_link(&p).unwrap();
                out.push((p, target.to_string_lossy().as_bytes().to_vec()));
            } else if ft.is_dir() {
                stack.push(p);
            } else if ft.is_file() {
                let meta = fs::metadata(&p).unwrap();
                let content = if meta.len() > 64 << 20 {
                    // Huge (sparse) files: their size and modification time stand for them.
                    format!("{} {:?}", meta.len(), meta.modified().ok()).into_bytes()
                } else {
                    fs::read(&p).unwrap_or_default()
                };
                out.push((p.clone(), content));
            } else {
                out.push((p, b"<special>".to_vec()));
            }
        }
    }
    out.sort();
    out
}

/// Runs meshlint on `args` in `dir` and checks the common contract: an exit code of 0, 1 or 2,
/// no panic, nothing written, and the cost bound.
fn check(dir: &Path, args: &[&str]) -> Outcome {
    let before = snapshot(dir);
    let o = run(dir, args);
    assert!(
        matches!(o.code, 0..=2),
        "exit code {} for {args:?}:\n{}",
        o.code,
        o.all()
    );
    assert!(
        !o.stderr.contains("panicked") && !o.stderr.contains("RUST_BACKTRACE"),
        "meshlint panicked on {args:?}:\n{}",
        o.stderr
    );
    assert!(
        o.elapsed <= time_limit(),
        "{args:?} took {:?} (limit {:?})",
        o.elapsed,
        time_limit()
    );
    if let Some(kib) = o.peak_kib {
        assert!(
            kib <= MEMORY_LIMIT_KIB,
            "{args:?} peaked at {} MiB (limit {} MiB)",
            kib / 1024,
            MEMORY_LIMIT_KIB / 1024
        );
    }
    assert_eq!(snapshot(dir), before, "{args:?} changed files");
    o
}

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// Runs one file through meshlint and returns the outcome.
fn lint_one(name: &str, bytes: &[u8]) -> Outcome {
    let dir = temp();
    fs::write(dir.path().join(name), bytes).unwrap();
    check(dir.path(), &["--format", "concise", name])
}

fn assert_clean(o: &Outcome) {
    assert_eq!(o.code, 0, "{}", o.all());
    assert!(o.all().contains("no problems"), "{}", o.all());
}

fn assert_finding(o: &Outcome, code: &str, words: &str) {
    assert_eq!(o.code, 1, "{}", o.all());
    assert!(
        o.stdout.contains(code) && o.stdout.contains(words),
        "expected {code} with {words:?}:\n{}",
        o.all()
    );
}

// --- Structure bombs ------------------------------------------------------------------------

#[test]
fn billion_laughs_alias_bomb_costs_nothing() {
    let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 9].join(", ");
        let _ = writeln!(text, "a{i}: &a{i} [{refs}]");
    }
    // The same bomb inside a pod's annotations, where rules look at values.
    text.push_str("---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    x: &b [*a9, *a9]\n    y: *b\n");
    let o = lint_one("bomb.yaml", text.as_bytes());
    assert!(matches!(o.code, 0 | 1), "{}", o.all());
}

#[test]
fn merge_key_bomb_costs_little() {
    // Each mapping merges the previous one nine times: expanded, 9^60 entries. Rules read the
    // merged annotations and labels; each merged mapping is walked once per lookup.
    let mut text = String::from(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: &m0 {k0: v}\n  annotations:\n",
    );
    for i in 1..60 {
        let refs = vec![format!("*m{}", i - 1); 9].join(", ");
        let _ = writeln!(text, "    a{i}: &m{i} {{<<: [{refs}], k{i}: v}}");
    }
    text.push_str("    <<: [*m59, *m59]\nspec:\n  containers: [{name: a, image: a}]\n");
    // And a mapping that merges itself.
    text.push_str("---\napiVersion: v1\nkind: Pod\nmetadata: &self\n  name: q\n  <<: *self\n  annotations: {<<: *self}\n");
    let start = Instant::now();
    let o = lint_one("merge-bomb.yaml", text.as_bytes());
    assert!(matches!(o.code, 0 | 1), "{}", o.all());
    assert!(start.elapsed() < Duration::from_secs(10));
}

#[test]
fn deep_flow_nesting_is_a_syntax_error() {
    let n = 100_000;
    let text = format!("{}{}\n", "[".repeat(n), "]".repeat(n));
    let o = lint_one("flow.yaml", text.as_bytes());
    assert_finding(&o, "MESH900", "YAML syntax error");
}

#[test]
fn deep_block_nesting_is_a_syntax_error() {
    // Block collections nest without indentation through compact sequences and explicit keys
    // (indentation would make the file quadratic in the depth).
    for (name, unit) in [
        ("seq.yaml", "- "),
        ("keys.yaml", "? "),
        ("mixed.yaml", "- ? "),
    ] {
        let text = format!("{}x\n", unit.repeat(100_000));
        let o = lint_one(name, text.as_bytes());
        assert_finding(&o, "MESH900", "YAML syntax error");
    }
    // Indented block mappings as deep as a 20 MB file allows.
    let mut text = String::new();
    for depth in 0..6_000 {
        text.push_str(&" ".repeat(depth));
        text.push_str("a:\n");
    }
    let o = lint_one("indented.yaml", text.as_bytes());
    assert_finding(&o, "MESH900", "YAML syntax error");
}

#[test]
fn five_megabyte_single_line() {
    let mut text =
        String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  blob: ");
    text.push_str(&"x".repeat(5 << 20));
    text.push('\n');
    assert_clean(&lint_one("line.yaml", text.as_bytes()));
    // The same line as one flow sequence of a million items.
    let items = vec!["1"; 1 << 20].join(",");
    let text = format!("data: [{items}]\n");
    assert_clean(&lint_one("flow-line.yaml", text.as_bytes()));
}

const POD_HEAD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    proxy.istio.io/config: '{\"holdApplicationUntilProxyStarts\": true}'\n";

fn pod_with_annotation(key: &str, value: &str) -> String {
    format!("{POD_HEAD}    {key}: \"{value}\"\nspec:\n  containers:\n  - name: a\n    image: a\n")
}

#[test]
fn one_megabyte_annotation_values() {
    // An opaque value (what kubectl's last-applied-configuration looks like).
    let blob = "A".repeat(1 << 20);
    let text = pod_with_annotation("kubectl.kubernetes.io/last-applied-configuration", &blob);
    assert_clean(&lint_one("opaque.yaml", text.as_bytes()));

    // A megabyte of garbage in a list annotation: one element, one finding.
    let text = pod_with_annotation("traffic.sidecar.istio.io/excludeOutboundIPRanges", &blob);
    assert_finding(&lint_one("garbage.yaml", text.as_bytes()), "MESH302", "");

    // A megabyte of distinct valid CIDRs: nothing to report, and no quadratic redundancy check.
    let cidrs: Vec<String> = (0..60_000u32)
        .map(|i| format!("10.{}.{}.0/24", i >> 8 & 255, i & 255))
        .collect();
    let text = pod_with_annotation(
        "traffic.sidecar.istio.io/excludeOutboundIPRanges",
        &cidrs.join(","),
    );
    let o = lint_one("cidrs.yaml", text.as_bytes());
    assert!(matches!(o.code, 0 | 1), "{}", o.all());

    // A megabyte of one CIDR repeated: 95,000 findings on one line, each with a bounded excerpt.
    let repeated = vec!["10.0.0.0/8"; 95_000].join(",");
    let text = pod_with_annotation(
        "traffic.sidecar.istio.io/excludeOutboundIPRanges",
        &repeated,
    );
    let o = lint_one("repeated.yaml", text.as_bytes());
    assert!(o.code == 0 && o.stdout.contains("MESH304"), "{}", o.all());
    assert!(
        o.stdout.lines().count() > 90_000,
        "one finding per duplicate"
    );
    // The same in the default format and the biggest ones: streamed, excerpts shared.
    let dir = temp();
    fs::write(dir.path().join("repeated.yaml"), &text).unwrap();
    for format in ["human", "sarif", "junit"] {
        let o = check(dir.path(), &["--format", format, "repeated.yaml"]);
        assert!(
            o.code == 0 && o.stdout.contains("MESH304"),
            "{format}: {}",
            o.all()
        );
    }

    // A megabyte of ports.
    let ports: Vec<String> = (0..150_000u32)
        .map(|i| (i % 65_535 + 1).to_string())
        .collect();
    let text = pod_with_annotation(
        "traffic.sidecar.istio.io/excludeOutboundPorts",
        &ports.join(","),
    );
    let o = lint_one("ports.yaml", text.as_bytes());
    assert!(matches!(o.code, 0 | 1), "{}", o.all());
}

#[test]
fn diff_of_a_stream_with_a_fix_in_every_document() {
    // 20,000 documents, each with a label to quote: the diff is computed document by document
    // (one piece, Myers was quadratic in the changed lines: 40 s for 60,000 documents).
    let mut text = String::new();
    for i in 0..20_000 {
        let _ = write!(
            text,
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\n  labels:\n    n: {i}\n"
        );
    }
    let dir = temp();
    fs::write(dir.path().join("stream.yaml"), &text).unwrap();
    let o = check(dir.path(), &["--diff", "stream.yaml"]);
    assert_eq!(o.code, 1, "{}", o.all());
    assert_eq!(o.stdout.matches("\n+    n: \"").count(), 20_000);
}

#[test]
fn a_hundred_thousand_keys_in_one_mapping() {
    let mut text = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n");
    for i in 0..100_000 {
        let _ = writeln!(text, "  key{i}: value");
    }
    assert_clean(&lint_one("keys.yaml", text.as_bytes()));
    // The same count of labels on a pod, where every value is checked.
    let mut text = String::from("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    proxy.istio.io/config: '{\"holdApplicationUntilProxyStarts\": true}'\n  labels:\n");
    for i in 0..100_000 {
        let _ = writeln!(text, "    l{i}: v");
    }
    assert_clean(&lint_one("labels.yaml", text.as_bytes()));
}

// --- Encodings and odd content ------------------------------------------------------------------

#[test]
fn invalid_utf8_is_mesh902_at_the_byte() {
    let o = lint_one(
        "bad.yaml",
        b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: \xC3\x28\n",
    );
    assert_finding(&o, "MESH902", "not valid UTF-8");
    assert!(o.stdout.contains("bad.yaml:4:9"), "{}", o.stdout);
}

#[test]
fn utf16_with_bom_says_resave_as_utf8() {
    for bom_le in [true, false] {
        let text = "apiVersion: v1\nkind: Pod\n";
        let mut bytes: Vec<u8> = if bom_le {
            vec![0xFF, 0xFE]
        } else {
            vec![0xFE, 0xFF]
        };
        for u in text.encode_utf16() {
            bytes.extend(if bom_le {
                u.to_le_bytes()
            } else {
                u.to_be_bytes()
            });
        }
        let o = lint_one("utf16.yaml", &bytes);
        assert_finding(&o, "MESH902", "UTF-8");
    }
}

#[test]
fn nul_bytes_and_binary_files_are_mesh902() {
    let o = lint_one("nul.yaml", b"a: b\nc: d\x00\n");
    assert_finding(&o, "MESH902", "NUL");
    assert!(o.stdout.contains("nul.yaml:2:5"), "{}", o.stdout);
    let binary: Vec<u8> = (0..=255u8).cycle().take(64 * 1024).collect();
    assert_finding(&lint_one("image.yaml", &binary), "MESH902", "binary");
    // Binary without a NUL byte is invalid UTF-8.
    let binary: Vec<u8> = (1..=255u8).rev().cycle().take(64 * 1024).collect();
    assert_finding(&lint_one("noise.yaml", &binary), "MESH902", "UTF-8");
}

#[test]
fn empty_comment_only_and_marker_only_files_are_clean() {
    for (name, text) in [
        ("empty.yaml", ""),
        ("blank.yaml", "\n\n   \n"),
        ("comments.yaml", "# only\n# comments\n"),
        ("dashes.yaml", "---\n"),
        ("many-dashes.yaml", "---\n---\n...\n---\n"),
        ("bom.yaml", "\u{feff}"),
        ("empty.json", ""),
    ] {
        assert_clean(&lint_one(name, text.as_bytes()));
    }
}

// --- The file system ------------------------------------------------------------------------

const CONFIGMAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  a: b\n";

#[cfg(unix)]
#[test]
fn symlink_loop_is_reported_not_followed_forever() {
    let dir = temp();
    let d = dir.path();
    fs::create_dir_all(d.join("a/b")).unwrap();
    fs::write(d.join("a/b/cm.yaml"), CONFIGMAP).unwrap();
    std::os::unix::fs::symlink("../..", d.join("a/b/up")).unwrap();
    std::os::unix::fs::symlink("self.yaml", d.join("self.yaml")).unwrap();
    let o = check(d, &["--format", "concise", "."]);
    assert_eq!(o.code, 1, "{}", o.all());
    assert!(o.stdout.contains("MESH902"), "{}", o.all());
    assert!(o.stdout.contains("loop"), "{}", o.all());
}

#[cfg(unix)]
#[test]
fn fifo_in_the_tree_never_blocks() {
    let dir = temp();
    let d = dir.path();
    fs::write(d.join("cm.yaml"), CONFIGMAP).unwrap();
    let made = Command::new("mkfifo")
        .arg(d.join("pipe.yaml"))
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        common::cannot_run("fifo_in_the_tree_never_blocks", "mkfifo failed");
    }
    // Walked: not a regular file, skipped.
    assert_clean(&check(d, &["--format", "concise", "."]));
    // Named: refused with a reason.
    let o = check(d, &["--format", "concise", "pipe.yaml", "cm.yaml"]);
    assert_finding(&o, "MESH902", "not a regular file");
}

#[test]
fn file_deleted_between_walk_and_read() {
    let dir = temp();
    // A dangling link (present in the walk, gone when read) and, racing, a tree whose files are
    // deleted while meshlint runs: a MESH902 for what is gone, never a panic or a hang.
    #[cfg(unix)]
    {
        let d = dir.path();
        std::os::unix::fs::symlink("nowhere.yaml", d.join("dangling.yaml")).unwrap();
        let o = check(d, &["--format", "concise", "."]);
        assert_finding(&o, "MESH902", "dangling.yaml");
        fs::remove_file(d.join("dangling.yaml")).unwrap();
    }
    let d = dir.path().join("race");
    fs::create_dir(&d).unwrap();
    for i in 0..2_000 {
        fs::write(d.join(format!("f{i:04}.yaml")), CONFIGMAP).unwrap();
    }
    let started = Instant::now();
    let child = spawn(dir.path(), &["--format", "concise", "--jobs", "1", "race"]);
    for i in 0..2_000 {
        let _ = fs::remove_file(d.join(format!("f{i:04}.yaml")));
    }
    let o = finish(child, started);
    assert!(matches!(o.code, 0 | 1), "{}", o.all());
    assert!(!o.stderr.contains("panicked"), "{}", o.stderr);
    if o.code == 1 {
        assert!(o.stdout.contains("MESH902"), "{}", o.all());
    }
}

#[cfg(unix)]
#[test]
fn unreadable_files_are_mesh902() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp();
    let d = dir.path();
    // Reading the first page of a process's memory fails with EIO, even for root.
    std::os::unix::fs::symlink("/proc/self/mem", d.join("mem.yaml")).unwrap();
    let locked = d.join("locked.yaml");
    fs::write(&locked, CONFIGMAP).unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    let root = fs::read(&locked).is_ok();
    let o = check(d, &["--format", "concise", "."]);
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o644)).unwrap();
    if Path::new("/proc/self/mem").exists() {
        assert_finding(&o, "MESH902", "mem.yaml");
        assert!(o.stdout.contains("cannot read"), "{}", o.stdout);
    }
    if !root {
        assert!(o.stdout.contains("locked.yaml"), "{}", o.stdout);
    }
}

#[test]
fn directory_named_like_a_manifest_is_walked() {
    let dir = temp();
    let d = dir.path();
    fs::create_dir_all(d.join("x.yaml/inner")).unwrap();
    fs::write(d.join("x.yaml/inner/cm.yaml"), CONFIGMAP).unwrap();
    let o = check(d, &["--format", "json", "."]);
    assert_eq!(o.code, 0, "{}", o.all());
    assert!(o.stdout.contains("\"files\": 1"), "{}", o.stdout);
    let o = check(d, &["--format", "json", "x.yaml"]);
    assert_eq!(o.code, 0, "{}", o.all());
    assert!(o.stdout.contains("\"files\": 1"), "{}", o.stdout);
}

// --- --fix racing an editor ---------------------------------------------------------------------

fn read_chars(pid: u32) -> u64 {
    fs::read_to_string(format!("/proc/{pid}/io"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("rchar:").map(|v| v.trim().parse().ok()))
        })
        .flatten()
        .unwrap_or(0)
}

#[cfg(target_os = "linux")]
#[test]
fn fix_on_a_file_modified_while_meshlint_runs_is_not_written() {
    const MARK: &str = "# edited while meshlint ran\n";
    // `a.yaml` needs a fix; a comment block makes its reads stand out in the read counter.
    let mut a = "# padding\n".repeat(200_000);
    a.push_str("apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  annotations:\n    sidecar.istio.io/inject: true\nspec:\n  containers:\n  - name: a\n    image: a\n");
    // `b.yaml` is fixed after it (one thread, sorted order): its 4,000 fixes keep meshlint
    // busy between fixing `a.yaml` and writing it, which is when the edit must land.
    let mut b = String::new();
    for i in 0..4_000 {
        let _ = write!(
            b,
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\n  labels:\n    n: {i}\ndata:\n  k: v\n"
        );
    }
    let edited = format!("{a}{MARK}");
    // The edit must land after meshlint read a.yaml for fixing and before it writes: the read
    // counter tells when, but a busy machine may still race (if the edit lands while meshlint
    // still reads, it fixes the edited text, which is right too). Never may the edit be lost.
    for _attempt in 0..10 {
        let dir = temp();
        let d = dir.path();
        fs::write(d.join("a.yaml"), &a).unwrap();
        fs::write(d.join("b.yaml"), &b).unwrap();
        let started = Instant::now();
        let child = spawn(d, &["--fix", "--jobs", "1", "--format", "concise", "."]);
        let pid = child.id();
        // Linting reads a.yaml and b.yaml; fixing reads a.yaml again and fixes it, then reads
        // b.yaml again and fixes it; then the fixed files are written. The edit lands once
        // b.yaml has been read the second time: a.yaml's fixed text is ready, not yet written.
        let threshold = (2 * (a.len() + b.len())) as u64;
        let mut modified = false;
        while started.elapsed() < time_limit() {
            if read_chars(pid) >= threshold {
                fs::write(d.join("a.yaml"), &edited).unwrap();
                modified = true;
                break;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        let o = finish(child, started);
        assert!(!o.stderr.contains("panicked"), "{}", o.stderr);
        let now = fs::read_to_string(d.join("a.yaml")).unwrap();
        assert!(
            !modified || now.contains(MARK),
            "the edit was lost: a.yaml now ends with {:?}",
            &now[now.len().saturating_sub(300)..]
        );
        if modified && now == edited {
            assert_eq!(o.code, 2, "{}", o.all());
            assert!(o.all().contains("a.yaml"), "{}", o.all());
            assert!(o.all().contains("changed"), "{}", o.all());
            return;
        }
    }
    panic!("meshlint never raced the edit in ten attempts");
}

#[test]
fn file_over_two_gibibytes_is_refused_without_reading_it() {
    let dir = temp();
    let d = dir.path();
    // Sparse: no disk space used, and meshlint must not read it into memory.
    let f = fs::File::create(d.join("huge.yaml")).unwrap();
    if let Err(e) = f.set_len(3 << 30) {
        common::cannot_run(
            "file_over_two_gibibytes_is_refused_without_reading_it",
            &format!("this file system makes no 3 GiB sparse file ({e})"),
        );
    }
    drop(f);
    let o = check(d, &["--format", "concise", "huge.yaml"]);
    assert_finding(&o, "MESH902", "larger than 2 GiB");
}
