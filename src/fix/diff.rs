//! Unified diffs for `--diff`.
//!
//! The output must apply with `git apply` and `patch -p1`, byte for byte. similar computes the
//! line diff, but the hunks are rendered here because git and patch split lines on `\n` only:
//! similar's own line splitting also ends a line at a lone `\r`, which would corrupt a patch for
//! a file containing one. Lines keep their `\r` (a CRLF file's patch has CRLF lines) and a last
//! line without a newline is followed by `\ No newline at end of file`.

use similar::udiff::UnifiedHunkHeader;
use similar::{capture_diff_deadline, group_diff_ops, Algorithm, ChangeTag, DiffOp};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// Lines of context around each change, as `diff -u` and git use.
const CONTEXT: usize = 3;

/// A unified diff from `old` to `new`, with headers `--- a/<path>` and `+++ b/<path>`; empty when
/// the texts are equal.
///
/// `path` should be relative, with `/` separators; a leading `./` is dropped. A path with a space
/// gets a trailing tab after it (as git writes it) and one with a control character, `"` or `\`
/// is C-quoted, so that git and patch read the name back exactly.
pub fn unified_diff(old: &str, new: &str, path: &str) -> String {
    if old == new {
        return String::new();
    }
    let old_lines = split_lines(old);
    let new_lines = split_lines(new);
    let ops = line_ops(&old_lines, &new_lines);

    let mut out = String::with_capacity(old.len().min(4096) + 256);
    let path = strip_dot_slash(path);
    out.push_str("--- ");
    push_name(&mut out, "a/", path);
    out.push_str("+++ ");
    push_name(&mut out, "b/", path);
    for hunk in group_diff_ops(ops, CONTEXT) {
        if hunk.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{}", UnifiedHunkHeader::new(&hunk));
        for op in &hunk {
            for change in op.iter_changes(&old_lines, &new_lines) {
                out.push(match change.tag() {
                    ChangeTag::Equal => ' ',
                    ChangeTag::Delete => '-',
                    ChangeTag::Insert => '+',
                });
                let line = change.value();
                out.push_str(line);
                if !line.ends_with('\n') {
                    out.push_str("\n\\ No newline at end of file\n");
                }
            }
        }
    }
    out
}

/// The line diff, document by document when both texts have as many `---` lines (fixes edit
/// inside documents): Myers then costs each document's size, not the whole stream's (a
/// 60,000-document file with a fix in each took 40 s in one piece, 0.2 s this way). Any split
/// gives a correct diff; a split that does not match the documents only makes it less small.
/// The deadline bounds a pathological document: past it the diff is coarser, never wrong.
fn line_ops(old: &[&str], new: &[&str]) -> Vec<DiffOp> {
    let deadline = Some(Instant::now() + Duration::from_secs(10));
    let markers = |lines: &[&str]| -> Vec<usize> {
        lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.trim_end_matches(['\n', '\r']) == "---")
            .map(|(i, _)| i)
            .collect()
    };
    let (old_cuts, new_cuts) = (markers(old), markers(new));
    if old_cuts.len() != new_cuts.len() {
        return capture_diff_deadline(
            Algorithm::Myers,
            old,
            0..old.len(),
            new,
            0..new.len(),
            deadline,
        );
    }
    let mut ops = Vec::new();
    let (mut o, mut n) = (0, 0);
    let ends = old_cuts
        .into_iter()
        .zip(new_cuts)
        .chain(std::iter::once((old.len(), new.len())));
    for (old_end, new_end) in ends {
        let part =
            capture_diff_deadline(Algorithm::Myers, old, o..old_end, new, n..new_end, deadline);
        for op in part {
            // Equal runs meeting at a split are one run: hunks are grouped around changes.
            match (ops.last_mut(), op) {
                (Some(DiffOp::Equal { len, .. }), DiffOp::Equal { len: more, .. }) => *len += more,
                (_, op) => ops.push(op),
            }
        }
        (o, n) = (old_end, new_end);
    }
    ops
}

/// Splits after each `\n` (only), keeping it; the last line may lack one.
fn split_lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

fn strip_dot_slash(mut path: &str) -> &str {
    while let Some(rest) = path.strip_prefix("./") {
        path = rest.trim_start_matches('/');
    }
    path
}

/// Writes `prefix` + `path` as a header name, quoted or tab-terminated when needed, and a newline.
fn push_name(out: &mut String, prefix: &str, path: &str) {
    let needs_quotes = path
        .chars()
        .any(|c| c.is_control() || c == '"' || c == '\\');
    if needs_quotes {
        out.push('"');
        out.push_str(prefix);
        for c in path.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\t' => out.push_str("\\t"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                c if c.is_control() => {
                    let mut buf = [0; 4];
                    for byte in c.encode_utf8(&mut buf).bytes() {
                        let _ = write!(out, "\\{byte:03o}");
                    }
                }
                c => out.push(c),
            }
        }
        out.push('"');
    } else {
        out.push_str(prefix);
        out.push_str(path);
        if path.contains(' ') {
            out.push('\t');
        }
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use std::process::Command;

    #[test]
    fn equal_texts_give_no_diff() {
        assert_eq!(unified_diff("a\n", "a\n", "x.yaml"), "");
    }

    #[test]
    fn format_has_headers_hunks_and_context() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        let new = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
        assert_eq!(
            unified_diff(old, new, "./deploy/app.yaml"),
            "--- a/deploy/app.yaml\n+++ b/deploy/app.yaml\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"
        );
    }

    #[test]
    fn missing_final_newline_is_marked() {
        assert_eq!(
            unified_diff("a\nb", "a\nc", "f"),
            "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n"
        );
        assert_eq!(
            unified_diff("a\nb", "a\nb\n", "f"),
            "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n"
        );
    }

    #[test]
    fn crlf_lines_keep_their_carriage_return() {
        let diff = unified_diff("a: 1\r\nb: 2\r\n", "a: 1\r\nb: 3\r\n", "f");
        assert!(diff.ends_with(" a: 1\r\n-b: 2\r\n+b: 3\r\n"), "{diff:?}");
        assert!(diff.starts_with("--- a/f\n+++ b/f\n"));
    }

    #[test]
    fn names_are_quoted_when_needed() {
        assert!(unified_diff("a", "b", "my dir/x.yaml").starts_with("--- a/my dir/x.yaml\t\n"));
        assert!(
            unified_diff("a", "b", "we\"ird\t.yaml").starts_with("--- \"a/we\\\"ird\\t.yaml\"\n")
        );
    }

    /// Applies `diff` to a file holding `old` with `tool` in a fresh git repository and returns
    /// the file's new bytes.
    fn apply_with(tool: &str, name: &str, old: &str, diff: &str) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let git = |args: &[&str]| {
            Command::new("git")
                .args(args)
                .current_dir(root)
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .env("HOME", root)
                .output()
                .expect("git runs")
        };
        assert!(git(&["init", "-q"]).status.success());
        let file = root.join(name);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, old).unwrap();
        let patch = root.join("fix.patch");
        std::fs::write(&patch, diff).unwrap();
        let patch = patch.to_str().unwrap();
        let output = match tool {
            "git" => {
                let check = git(&["apply", "--check", patch]);
                assert!(
                    check.status.success(),
                    "git apply --check: {check:?}\n{diff}"
                );
                git(&["apply", patch])
            }
            _ => Command::new("patch")
                .args(["-p1", "--quiet", "--batch", "-i", patch])
                .current_dir(root)
                .output()
                .expect("patch runs"),
        };
        assert!(output.status.success(), "{tool}: {output:?}\n{diff}");
        std::fs::read(file).unwrap()
    }

    fn has_patch() -> bool {
        Path::new("/usr/bin/patch").exists()
            || Command::new("patch").arg("--version").output().is_ok()
    }

    #[test]
    fn documents_are_diffed_one_by_one_into_the_same_hunks() {
        let mut old = String::new();
        for i in 0..2_000 {
            let _ = write!(
                old,
                "---\nkind: ConfigMap\nmetadata:\n  name: c{i}\n  n: {i}\n"
            );
        }
        // A change in every tenth document: one hunk each, no hunk of context alone.
        let mut new = String::new();
        for i in 0..2_000 {
            let n = if i % 10 == 0 {
                format!("\"{i}\"")
            } else {
                i.to_string()
            };
            let _ = write!(
                new,
                "---\nkind: ConfigMap\nmetadata:\n  name: c{i}\n  n: {n}\n"
            );
        }
        let diff = unified_diff(&old, &new, "many.yaml");
        assert_eq!(diff.matches("\n@@ ").count(), 200);
        assert!(diff.starts_with(
            "--- a/many.yaml\n+++ b/many.yaml\n@@ -2,7 +2,7 @@\n kind: ConfigMap\n metadata:\n   name: c0\n-  n: 0\n+  n: \"0\"\n ---\n kind: ConfigMap\n metadata:\n@@ -52,7 +52,7 @@"
        ), "{}", &diff[..300]);
    }

    #[test]
    fn git_apply_and_patch_reproduce_the_new_text() {
        let mut long = String::new();
        for i in 1..=30 {
            let _ = writeln!(long, "k{i}: v{i}");
        }
        let mut docs = String::new();
        for i in 1..=40 {
            let _ = write!(
                docs,
                "---\nkind: ConfigMap\nmetadata:\n  name: c{i}\n  n: {i}\n"
            );
        }
        let cases: Vec<(&str, String, String)> = vec![
            (
                "plain.yaml",
                "a: 1\nb: tru\nc: 3\n".into(),
                "a: 1\nb: true\nc: 3\n".into(),
            ),
            (
                "last-line.yaml",
                "a: 1\nb: 2\nc: tru\n".into(),
                "a: 1\nb: 2\nc: true\n".into(),
            ),
            ("no-eol.yaml", "a: 1\nb: tru".into(), "a: 1\nb: true".into()),
            ("add-eol.yaml", "a: 1\nb: 2".into(), "a: 1\nb: 2\n".into()),
            ("drop-eol.yaml", "a: 1\nb: 2\n".into(), "a: 1\nb: 2".into()),
            (
                "crlf.yaml",
                "a: 1\r\nb: tru\r\nc: 3\r\n".into(),
                "a: 1\r\nb: true\r\nc: 3\r\n".into(),
            ),
            (
                "crlf-no-eol.yaml",
                "a: 1\r\nb: tru".into(),
                "a: 1\r\nb: true".into(),
            ),
            (
                "crlf-last.yaml",
                "a: 1\r\nb: 2\r\nc: x\r\n".into(),
                "a: 1\r\nb: 2\r\nc: y\r\n".into(),
            ),
            (
                "lone-cr.yaml",
                "a: x\ry\nb: 1\n".into(),
                "a: x\ry\nb: 2\n".into(),
            ),
            (
                "trailing-cr.yaml",
                "a: 1\nb: 2\r".into(),
                "a: 1\nb: 3\r".into(),
            ),
            (
                "bom.yaml",
                "\u{feff}a: 1\nb: 2\n".into(),
                "\u{feff}a: 1\nb: 3\n".into(),
            ),
            ("was-empty.yaml", String::new(), "a: 1\n".into()),
            ("now-empty.yaml", "a: 1\n".into(), String::new()),
            ("insert-top.yaml", "a: 1\n".into(), "# note\na: 1\n".into()),
            (
                "many-hunks.yaml",
                long.clone(),
                long.replace("v3\n", "V3\n").replace("v27\n", "x\ny\n"),
            ),
            (
                "deletion.yaml",
                long.clone(),
                long.replace("k15: v15\n", ""),
            ),
            ("dir with space/a b.yaml", "a: 1\n".into(), "a: 2\n".into()),
            (
                "documents.yaml",
                docs.clone(),
                docs.replace("n: 7\n", "n: \"7\"\n")
                    .replace("n: 8\n", "n: \"8\"\n")
                    .replace("name: c30\n", "name: c30\n  annotations: {}\n"),
            ),
            (
                "documents-and-a-marker-more.yaml",
                docs.clone(),
                docs.replace("n: 3\n", "n: 3\n---\n"),
            ),
        ];
        let patch_available = has_patch();
        for (name, old, new) in &cases {
            let diff = unified_diff(old, new, name);
            assert_eq!(
                apply_with("git", name, old, &diff),
                new.as_bytes(),
                "git: {name}"
            );
            if patch_available {
                assert_eq!(
                    apply_with("patch", name, old, &diff),
                    new.as_bytes(),
                    "patch: {name}"
                );
            }
        }
    }
}
