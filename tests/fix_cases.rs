//! Before/after fix cases: every `testdata/fix/<CODE>-<case>.<ext>` is fixed (with only `CODE`
//! selected, plus the options in `<CODE>-<case>.args` if present) and must give exactly the bytes
//! of `<CODE>-<case>.fixed.<ext>`: through the library (`meshlint::fix_source`), through the
//! binary's `--fix` on a file, and through `--fix` on stdin.
//!
//! A case without a `.fixed` file must come out byte-identical, with its finding still there.
//! Cases named `<CODE>-none-…` are those whose rule gives no fix for that case: their finding carries no
//! fix, and `--unsafe-fixes` changes nothing either.
//!
//! Every case with a fix is also checked for what any fix must do: the fixed text parses, fixing
//! it again changes nothing, the finding it fixed is gone (a case may keep others of the same
//! code only when they have no fix), and no error appears that was not there (all rules on). And
//! every LF case is replayed in four derived forms, which must fix to the same derived bytes:
//! CRLF line endings, lone CR line endings (classic Mac), a UTF-8 BOM, and no final newline.
//!
//! Each case is its own test, `<CODE>-<case>::library` and `<CODE>-<case>::binary` (a
//! `libtest-mimic` harness, `harness = false` in Cargo.toml, since the cases are files), so
//! `cargo test --test fix_cases MESH302` runs one rule's cases and a failure names its case.

// Fixture names are ours and lowercase; `.fixed` is a name suffix, not an extension.
#![allow(clippy::case_sensitive_file_extension_comparisons)]

use assert_cmd::Command;
use libtest_mimic::{Arguments, Failed, Trial};
use meshlint::config::Policy;
use meshlint::context::{collect_facts, Context, LintOptions, Profile};
use meshlint::diagnostic::{Diagnostic, Severity};
use meshlint::fix::FixOutcome;
use meshlint::k8s::InjectionMode;
use meshlint::rules::{FileInfo, RuleSelector};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Derived variants that do not apply to a case (its meaning depends on the exact bytes).
const NO_VARIANTS: &[(&str, &[&str])] = &[];

#[derive(Clone, Debug, Default)]
struct Opts {
    lint: LintOptions,
    unsafe_fixes: bool,
    select: Vec<String>,
    /// The file name the case is linted as (default: the case's own file name).
    name: Option<String>,
    /// The arguments for the binary (all but `--select` and `--stdin-filename`).
    args: Vec<String>,
}

struct Case {
    name: String,
    code: String,
    /// The case's file name (`MESH101-x.yaml`).
    file: String,
    input: String,
    expected: Option<String>,
    opts: Opts,
}

impl Case {
    fn lint_name(&self) -> String {
        self.opts.name.clone().unwrap_or_else(|| self.file.clone())
    }

    fn is_none_case(&self) -> bool {
        self.name
            .strip_prefix(&self.code)
            .is_some_and(|rest| rest.starts_with("-none-"))
    }
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/fix")
}

fn parse_args(code: &str, line: &str) -> Opts {
    let mut opts = Opts {
        select: vec![code.to_owned()],
        ..Opts::default()
    };
    let words: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
    let mut it = words.iter();
    while let Some(w) = it.next() {
        let mut value = || it.next().expect("an option value").clone();
        if w != "--select" {
            opts.args.push(w.clone());
        }
        match w.as_str() {
            "--unsafe-fixes" => opts.unsafe_fixes = true,
            "--native-sidecars" => opts.lint.native_sidecars = Some(true),
            "--injection-explicit" => opts.lint.injection = InjectionMode::Explicit,
            "--injection" => {
                let v = value();
                opts.args.push(v.clone());
                opts.lint.injection = InjectionMode::parse(&v).expect("an injection mode");
            }
            "--profile" => {
                let v = value();
                opts.args.push(v.clone());
                opts.lint.profile = match v.as_str() {
                    "managed" => Profile::Managed,
                    _ => Profile::InCluster,
                }
            }
            "--vault-address" => {
                let v = value();
                opts.args.push(v.clone());
                opts.lint.vault.addresses.push(v.parse().expect("a CIDR"));
            }
            "--vault-port" => {
                let v = value();
                opts.args.push(v.clone());
                let port = v.parse().expect("a port");
                if opts.lint.vault.ports == LintOptions::default().vault.ports {
                    opts.lint.vault.ports.clear();
                }
                opts.lint.vault.ports.push(port);
            }
            "--select" => {
                opts.select = value().split(',').map(str::to_owned).collect();
            }
            "--stdin-filename" => {
                opts.args.pop();
                opts.name = Some(value());
            }
            other => panic!("unsupported option in a case's .args: {other}"),
        }
    }
    opts
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir())
        .expect("testdata/fix exists")
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let file = path.file_name().unwrap().to_str().unwrap().to_owned();
        let Some((stem, ext)) = file.rsplit_once('.') else {
            continue;
        };
        let fixed = Path::new(stem).extension().is_some_and(|e| e == "fixed");
        if !matches!(ext, "yaml" | "yml" | "json") || fixed {
            continue;
        }
        let code = stem.split('-').next().unwrap().to_owned();
        assert!(
            code.starts_with("MESH") && code.len() == 7,
            "{file}: a case is named CODE-case"
        );
        let read = |p: &Path| String::from_utf8(std::fs::read(p).unwrap()).unwrap();
        let expected_path = path.with_file_name(format!("{stem}.fixed.{ext}"));
        let args_path = path.with_file_name(format!("{stem}.args"));
        let args = if args_path.exists() {
            read(&args_path)
        } else {
            String::new()
        };
        out.push(Case {
            name: stem.to_owned(),
            opts: parse_args(&code, &args),
            code,
            input: read(&path),
            expected: expected_path.exists().then(|| read(&expected_path)),
            file,
        });
    }
    assert!(out.len() > 10, "the fix cases are found");
    out
}

fn selector(select: &[String]) -> RuleSelector {
    RuleSelector {
        select: select.to_vec(),
        ignore: Vec::new(),
    }
}

fn context(text: &str, name: &str, opts: &Opts) -> (Context, FileInfo) {
    let mut cx = Context::new(opts.lint.clone());
    cx.absorb(collect_facts(text, name));
    let file = FileInfo {
        path: name.to_owned(),
        partial: false,
        helm_values: name.starts_with("values")
            && Path::new(name)
                .extension()
                .is_some_and(|e| e == "yaml" || e == "yml"),
        ..FileInfo::default()
    };
    (cx, file)
}

fn fix(text: &str, name: &str, opts: &Opts, unsafe_fixes: bool) -> FixOutcome {
    let (cx, file) = context(text, name, opts);
    meshlint::fix_source(
        text,
        &file,
        false,
        &cx,
        &Policy::from_selector(selector(&opts.select)),
        unsafe_fixes,
    )
}

/// All rules' diagnostics.
fn lint_all(text: &str, name: &str, opts: &Opts) -> Vec<Diagnostic> {
    let mut cx = Context::new(opts.lint.clone());
    cx.absorb(collect_facts(text, name));
    meshlint::lint_source(text, name, &opts.lint, &RuleSelector::default())
}

/// The case's findings of `code`, with the case's rules selected.
fn lint_code(text: &str, name: &str, opts: &Opts, code: &str) -> Vec<Diagnostic> {
    meshlint::lint_source(text, name, &opts.lint, &selector(&opts.select))
        .into_iter()
        .filter(|d| d.code == code)
        .collect()
}

fn applicable(d: &Diagnostic, unsafe_fixes: bool) -> bool {
    d.fix.as_ref().is_some_and(|f| {
        unsafe_fixes || f.applicability == meshlint::diagnostic::Applicability::Safe
    })
}

fn show(s: &str) -> String {
    s.replace('\r', "␍")
        .replace('\u{feff}', "<BOM>")
        .replace('\n', "⏎\n")
}

fn mismatch(errors: &mut String, what: &str, case: &str, expected: &str, got: &str) {
    let _ = writeln!(
        errors,
        "── {case}: {what}\n── expected:\n{}\n── got:\n{}\n",
        show(expected),
        show(got)
    );
}

/// The fixed text parses and has no error-severity finding of any rule the input lacked.
fn no_new_error(
    input: &str,
    expected: &str,
    name: &str,
    opts: &Opts,
    label: &str,
    errors: &mut String,
) {
    // Parses, and no new error from any rule.
    let errors_of = |t: &str| {
        let mut v: Vec<&'static str> = lint_all(t, name, opts)
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| d.code)
            .collect();
        v.sort_unstable();
        v
    };
    let (was, now) = (errors_of(input), errors_of(expected));
    let mut remaining = was.clone();
    for code in &now {
        if let Some(i) = remaining.iter().position(|c| c == code) {
            remaining.remove(i);
        } else {
            let _ = writeln!(
                errors,
                "── {label}: the fix introduces {code} (before: {was:?}, after: {now:?})"
            );
        }
    }
}

/// The library checks of one case (or a derived variant of it).
fn check_library(
    case: &Case,
    input: &str,
    expected: Option<&str>,
    label: &str,
    errors: &mut String,
) {
    let name = case.lint_name();
    let opts = &case.opts;
    let before = lint_code(input, &name, opts, &case.code);
    if before.is_empty() {
        let _ = writeln!(errors, "── {label}: no {} finding in the input", case.code);
        return;
    }
    let outcome = fix(input, &name, opts, opts.unsafe_fixes);
    if !outcome.rejected.is_empty() {
        let _ = writeln!(
            errors,
            "── {label}: fixes were rolled back: {:?}",
            outcome
                .rejected
                .iter()
                .map(|r| format!("{} {}", r.code, r.reason))
                .collect::<Vec<_>>()
        );
    }
    match expected {
        None => {
            if outcome.text != input {
                mismatch(
                    errors,
                    "must stay byte-identical",
                    label,
                    input,
                    &outcome.text,
                );
            }
            let after = lint_code(&outcome.text, &name, opts, &case.code);
            if after.is_empty() {
                let _ = writeln!(errors, "── {label}: the {} finding must remain", case.code);
            }
            if case.is_none_case() {
                if let Some(d) = before.iter().find(|d| d.fix.is_some()) {
                    let _ = writeln!(
                        errors,
                        "── {label}: the rule gives no fix, but one is offered: {:?}",
                        d.fix
                    );
                }
                let unsafe_outcome = fix(input, &name, opts, true);
                if unsafe_outcome.text != input {
                    mismatch(
                        errors,
                        "must stay byte-identical with --unsafe-fixes too",
                        label,
                        input,
                        &unsafe_outcome.text,
                    );
                }
            }
        }
        Some(expected) => {
            if outcome.text != expected {
                mismatch(errors, "library fix", label, expected, &outcome.text);
                return;
            }
            if !outcome.changed || outcome.applied.is_empty() {
                let _ = writeln!(errors, "── {label}: nothing was applied");
            }
            no_new_error(input, expected, &name, opts, label, errors);
            // The finding it fixed is gone: what remains of the code has no applicable fix.
            let after = lint_code(expected, &name, opts, &case.code);
            if let Some(d) = after.iter().find(|d| applicable(d, opts.unsafe_fixes)) {
                let _ = writeln!(
                    errors,
                    "── {label}: a fixable {} remains: {}",
                    case.code, d.message
                );
            }
            if after.len() >= before.len() {
                let _ = writeln!(
                    errors,
                    "── {label}: {} findings before, {} after",
                    before.len(),
                    after.len()
                );
            }
            // Fixing again changes nothing.
            let again = fix(expected, &name, opts, opts.unsafe_fixes);
            if again.text != expected {
                mismatch(errors, "second fix", label, expected, &again.text);
            }
        }
    }
}

fn variants(case: &Case) -> Vec<(&'static str, String, Option<String>)> {
    let skip = NO_VARIANTS
        .iter()
        .find(|(n, _)| *n == case.name)
        .map_or(&[][..], |(_, v)| *v);
    let mut out = Vec::new();
    let input = &case.input;
    let expected = case.expected.as_deref();
    if !input.contains('\r') && !skip.contains(&"crlf") {
        let crlf = |s: &str| s.replace('\n', "\r\n");
        out.push(("crlf", crlf(input), expected.map(crlf)));
    }
    if !input.contains('\r') && !skip.contains(&"cr") {
        // Classic Mac line breaks: a lone `\r` is a YAML line break too.
        let cr = |s: &str| s.replace('\n', "\r");
        out.push(("cr", cr(input), expected.map(cr)));
    }
    if !input.starts_with('\u{feff}') && !skip.contains(&"bom") {
        let bom = |s: &str| format!("\u{feff}{s}");
        out.push(("bom", bom(input), expected.map(bom)));
    }
    let strip = |s: &str| {
        s.strip_suffix("\r\n")
            .or_else(|| s.strip_suffix('\n'))
            .map(str::to_owned)
    };
    if !skip.contains(&"nofinal") {
        if let Some(i) = strip(input) {
            match expected {
                None => out.push(("no-final-newline", i, None)),
                Some(e) => {
                    if let Some(e) = strip(e) {
                        out.push(("no-final-newline", i, Some(e)));
                    }
                }
            }
        }
    }
    out
}

/// The library checks of one case and its derived variants.
fn library(case: &Case) -> Result<(), Failed> {
    let mut errors = String::new();
    check_library(
        case,
        &case.input,
        case.expected.as_deref(),
        &case.name,
        &mut errors,
    );
    for (what, input, expected) in variants(case) {
        check_library(
            case,
            &input,
            expected.as_deref(),
            &format!("{} ({what})", case.name),
            &mut errors,
        );
    }
    outcome(errors)
}

fn outcome(errors: String) -> Result<(), Failed> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.into())
    }
}

fn meshlint() -> Command {
    let mut cmd = Command::cargo_bin("meshlint").unwrap();
    cmd.env("NO_COLOR", "1");
    cmd
}

/// One case through the binary: `--fix` on a file, then on stdin.
fn binary(case: &Case) -> Result<(), Failed> {
    let mut errors = String::new();
    let tmp = tempfile::tempdir().unwrap();
    let name = case.lint_name();
    let path = tmp.path().join(&name);
    std::fs::write(&path, &case.input).unwrap();
    let select = case.opts.select.join(",");
    let out = meshlint()
        .current_dir(tmp.path())
        .args(["--no-config", "--fix", "--select", &select])
        .args(&case.opts.args)
        .arg(&name)
        .output()
        .unwrap();
    let got = String::from_utf8(std::fs::read(&path).unwrap()).unwrap();
    let want = case.expected.as_deref().unwrap_or(&case.input);
    if got != want {
        mismatch(&mut errors, "binary --fix", &case.name, want, &got);
    }
    let code = out.status.code();
    if !matches!(code, Some(0 | 1)) {
        let _ = writeln!(
            errors,
            "── {}: --fix exited {code:?}: {}",
            case.name,
            String::from_utf8_lossy(&out.stderr)
        );
    }

    let out = meshlint()
        .args(["--no-config", "--fix", "--select", &select])
        .args(&case.opts.args)
        .args(["--stdin-filename", &name, "-"])
        .write_stdin(case.input.clone())
        .output()
        .unwrap();
    let got = String::from_utf8(out.stdout).unwrap();
    if got != want {
        mismatch(&mut errors, "binary --fix on stdin", &case.name, want, &got);
    }
    outcome(errors)
}

/// The body of the first fenced block after `heading` in a rule page.
fn page_example<'t>(page: &'t str, heading: &str) -> Option<&'t str> {
    let rest = &page[page.find(heading)? + heading.len()..];
    let after = &rest[rest.find("```")? + 3..];
    let body = &after[after.find('\n')? + 1..];
    Some(&body[..=body.find("\n```")?])
}

/// Every rule whose fix exists (its page's failing example gets a finding with a fix) has
/// before/after cases, among them a CRLF one and one with comments around the edited lines.
fn every_fixable_rule_has_cases(cases: &[Case]) -> Result<(), Failed> {
    let mut missing = Vec::new();
    for meta in meshlint::rules::all() {
        if meta.fix == meshlint::diagnostic::FixAvailability::None {
            continue;
        }
        let Some(example) = page_example(meta.page, "## Failing example") else {
            continue;
        };
        // All rules on: some need others enabled (MESH903 reports only suppressions of
        // enabled rules).
        let diags: Vec<Diagnostic> = meshlint::lint_source(
            example,
            "example.yaml",
            &LintOptions::default(),
            &RuleSelector::default(),
        )
        .into_iter()
        .filter(|d| d.code == meta.code)
        .collect();
        let mine: Vec<&Case> = cases
            .iter()
            .filter(|c| c.code == meta.code && c.expected.is_some())
            .collect();
        if diags.iter().all(|d| d.fix.is_none()) && mine.is_empty() {
            continue; // Not implemented yet, or its fix needs options the example lacks.
        }
        if mine.is_empty() {
            missing.push(format!("{}: no fix case", meta.code));
        }
        if !mine.iter().any(|c| c.input.contains("\r\n")) {
            missing.push(format!("{}: no CRLF fix case", meta.code));
        }
        if !mine.iter().any(|c| c.name.contains("comments")) {
            missing.push(format!(
                "{}: no fix case with comments around the edit",
                meta.code
            ));
        }
    }
    outcome(missing.join("\n"))
}

fn main() {
    let args = Arguments::from_args();
    let cases: std::sync::Arc<[Case]> = cases().into();
    let mut trials = Vec::with_capacity(2 * cases.len() + 1);
    for i in 0..cases.len() {
        let (lib, bin) = (cases.clone(), cases.clone());
        let name = &cases[i].name;
        trials.push(Trial::test(format!("{name}::library"), move || {
            library(&lib[i])
        }));
        trials.push(Trial::test(format!("{name}::binary"), move || {
            binary(&bin[i])
        }));
    }
    trials.push(Trial::test("every_fixable_rule_has_cases", move || {
        every_fixable_rule_has_cases(&cases)
    }));
    libtest_mimic::run(&args, trials).exit();
}
