//! Every rule has a page under `rules/`, and the page tells the truth: its header matches the
//! registry, its failing example reports the rule, its fixed example does not, and `--fix` turns
//! the one into the other. `rules/README.md`'s table is the registry.

// Page file names are ours, lowercase by convention.
#![allow(clippy::case_sensitive_file_extension_comparisons)]

use meshlint::context::{LintOptions, Profile};
pub mod common;

use meshlint::diagnostic::{FixApplicability, FixAvailability, Severity};
use meshlint::rules::{self, RuleSelector};
use std::path::Path;

struct Page {
    file: String,
    text: String,
}

fn pages() -> Vec<Page> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut out: Vec<Page> = std::fs::read_dir(&dir)
        .expect("rules/ exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("MESH") && n.ends_with(".md"))
        })
        .map(|p| Page {
            file: p.file_name().unwrap().to_string_lossy().into_owned(),
            text: std::fs::read_to_string(&p).unwrap(),
        })
        .collect();
    out.sort_by(|a, b| a.file.cmp(&b.file));
    out
}

/// The body of the first fenced block after `heading`, with its language.
fn example<'t>(page: &'t str, heading: &str) -> Option<(&'t str, &'t str)> {
    // The heading on its own line, not a prefix of a longer one.
    let line = format!("\n{heading}\n");
    let start = page.find(&line)? + line.len();
    let rest = &page[start..];
    let fence = rest.find("```")?;
    let after = &rest[fence + 3..];
    let lang_end = after.find('\n')?;
    let lang = after[..lang_end].trim();
    let body = &after[lang_end + 1..];
    let end = body.find("\n```")?;
    Some((lang, &body[..=end]))
}

fn options_for(page: &str) -> LintOptions {
    let mut options = LintOptions::default();
    if page.contains("Example profile: managed") {
        options.profile = Profile::Managed;
    }
    options
}

#[test]
fn every_rule_has_a_page_and_every_page_a_rule() {
    let pages = pages();
    for meta in rules::all() {
        let name = format!("{}-{}.md", meta.code, meta.name);
        let page = pages.iter().find(|p| p.file == name);
        assert!(
            page.is_some(),
            "rule {} has no page rules/{name}",
            meta.code
        );
        assert_eq!(
            page.unwrap().text,
            meta.page,
            "{name}: RuleMeta.page must be the page itself"
        );
    }
    for page in &pages {
        let code = &page.file[..7];
        assert!(
            rules::find(code).is_some(),
            "page {} names no registered rule",
            page.file
        );
    }
}

/// The severities a page's header states: `error`, or `warning or error` for a rule that
/// chooses per finding (the registry's default first).
fn page_severities(page: &str) -> &str {
    let header = page.lines().nth(2).unwrap_or_default();
    header
        .strip_prefix("**Severity:** ")
        .and_then(|h| h.split(" · ").next())
        .unwrap_or_default()
}

/// `rules/README.md`'s table is the registry, row by row, in its order.
#[test]
fn the_rules_readme_table_is_the_registry() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/README.md"))
            .expect("rules/README.md");
    let rows: Vec<&str> = readme
        .lines()
        .filter(|l| l.starts_with("| [MESH"))
        .collect();
    let want: Vec<String> = rules::all()
        .map(|m| {
            format!(
                "| [{code}]({code}-{name}.md) | {name} | {sev} | {fix} |",
                code = m.code,
                name = m.name,
                sev = if rules::is_opt_in(m) {
                    format!("{} (opt-in)", page_severities(m.page))
                } else {
                    page_severities(m.page).to_owned()
                },
                fix = m.fix.page_word()
            )
        })
        .collect();
    assert_eq!(
        rows, want,
        "rules/README.md's table differs from the registry"
    );
}

#[test]
fn page_headers_match_the_registry() {
    for meta in rules::all() {
        let title = format!("# {} {}\n", meta.code, meta.name);
        assert!(
            meta.page.starts_with(&title),
            "{}: the page must start with `{}`",
            meta.code,
            title.trim()
        );
        let header = meta
            .page
            .lines()
            .nth(2)
            .unwrap_or_else(|| panic!("{}: no header line", meta.code));
        let severities = page_severities(meta.page);
        assert_eq!(
            severities.split(" or ").next(),
            Some(meta.severity.as_str()),
            "{}: the page's first severity is the registry's default",
            meta.code
        );
        assert_eq!(
            header,
            format!(
                "**Severity:** {severities} · **Fix:** {}",
                meta.fix.page_word()
            ),
            "{}: the header must state the registry's severity and fix",
            meta.code
        );
        let headings: Vec<&str> = meta.page.lines().filter(|l| l.starts_with("## ")).collect();
        for section in [
            "## Why it matters",
            "## Failing example",
            "## Fixed example",
            "## Fix",
            "## Options",
        ] {
            assert!(
                headings.contains(&section),
                "{}: page lacks the heading `{section}` (exactly, on its own line)",
                meta.code
            );
        }
    }
}

/// Pages whose failing example `--fix` does not turn into the fixed example, and why. Each is
/// skipped by name; every other page with a fix is run.
const FIX_NOT_SHOWN: &[(&str, &str)] = &[(
    "MESH308",
    "the example's `\"1 Gi\"` has no fix (the page says so); its fixed example is fixed by hand",
)];

/// Every page with a fix: its failing example through `--fix` (with `--unsafe-fixes` when some
/// of the rule's fixes are unsafe), every rule on as a user runs it, gives exactly its fixed
/// example.
#[test]
fn failing_examples_fix_to_their_fixed_examples() {
    let mut failures = Vec::new();
    for meta in rules::all() {
        if meta.fix == FixAvailability::None {
            continue;
        }
        if let Some((_, why)) = FIX_NOT_SHOWN.iter().find(|(c, _)| *c == meta.code) {
            println!("{}: not run: {why}", meta.code);
            continue;
        }
        let (Some(("yaml", bad)), Some(("yaml", good))) = (
            example(meta.page, "## Failing example"),
            example(meta.page, "## Fixed example"),
        ) else {
            failures.push(format!("{}: no YAML examples to fix", meta.code));
            continue;
        };
        let mut cmd = common::meshlint(Path::new(env!("CARGO_MANIFEST_DIR")));
        cmd.args(["--no-config", "--fix"]);
        if meta.fix.applicability() != Some(FixApplicability::Safe) {
            cmd.arg("--unsafe-fixes");
        }
        if options_for(meta.page).profile == Profile::Managed {
            cmd.args(["--profile", "managed"]);
        }
        let out = cmd
            .args(["--stdin-filename", "example.yaml", "-"])
            .write_stdin(bad)
            .output()
            .unwrap();
        let got = String::from_utf8_lossy(&out.stdout);
        if got != good {
            failures.push(format!(
                "{}: --fix gives\n{got}\ninstead of the fixed example\n{good}",
                meta.code
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn failing_examples_report_their_rule_and_fixed_examples_do_not() {
    let mut failures = Vec::new();
    for meta in rules::all() {
        let page = meta.page;
        let options = options_for(page);
        // An opt-in rule runs only when selected by its code.
        let everything = RuleSelector {
            select: if rules::is_opt_in(meta) {
                vec!["ALL".to_owned(), meta.code.to_owned()]
            } else {
                Vec::new()
            },
            ignore: Vec::new(),
        };
        let (Some((bad_lang, bad)), Some((good_lang, good))) = (
            example(page, "## Failing example"),
            example(page, "## Fixed example"),
        ) else {
            failures.push(format!("{}: missing example blocks", meta.code));
            continue;
        };
        if bad_lang == "yaml" {
            let diags = meshlint::lint_source(bad, "example.yaml", &options, &everything);
            if !diags.iter().any(|d| d.code == meta.code) {
                let got: Vec<_> = diags.iter().map(|d| d.code).collect();
                failures.push(format!(
                    "{}: the failing example does not report it (got {got:?})",
                    meta.code
                ));
            }
        }
        if good_lang == "yaml" {
            let diags = meshlint::lint_source(good, "example.yaml", &options, &everything);
            let hits: Vec<_> = diags
                .iter()
                .filter(|d| d.code == meta.code)
                .map(|d| d.message.clone())
                .collect();
            if !hits.is_empty() {
                failures.push(format!(
                    "{}: the fixed example still reports it: {hits:?}",
                    meta.code
                ));
            }
            let errors: Vec<_> = diags
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .map(|d| format!("{} {}", d.code, d.message))
                .collect();
            if !errors.is_empty() && meta.code != "MESH900" {
                failures.push(format!(
                    "{}: the fixed example has errors: {errors:?}",
                    meta.code
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "rule pages that do not tell the truth:\n{}",
        failures.join("\n")
    );
}
