//! The `json` format: the stable, versioned report (see the README).
//!
//! ```json
//! {"version": 1,
//!  "diagnostics": [{"code", "name", "severity", "file", "message",
//!                   "range": {"start": {"line", "column", "offset"}, "end": {...}},
//!                   "fix": null | {"applicability", "message", "edits": [{"range", "content"}]}}],
//!  "summary": {"files", "files_with_findings", "errors", "warnings", "infos", "fixable",
//!              "fixable_safe", "fixable_unsafe", "injection_unknown",
//!              "fixed": {"before", "fixed", "files_fixed", "resolved_by_other_fixes",
//!                        "appeared", "not_applied"}   (with --fix only)}}
//! ```
//!
//! Lines and columns are 1-based, columns count Unicode scalar values, offsets are bytes from the
//! start of the file (a BOM included). `summary.files` is the number of files checked (with or
//! without findings), `summary.files_with_findings` those with at least one finding;
//! `summary.fixable` counts the findings that carry a fix of either applicability,
//! `fixable_safe` (applied by `--fix`) and `fixable_unsafe` (with `--unsafe-fixes`) split it; `summary.injection_unknown` counts the findings reported at
//! `info` only because their pod is assumed to be in the mesh. Pretty-printed, with a final newline.

use super::{FileFindings, Finding, FormatContext, LocatedFix, Report, Span};
use crate::diagnostic::Severity;
use serde::Serialize;
use std::io;

/// The JSON report's version; bumped only on an incompatible change.
pub const VERSION: u32 = 1;

/// One diagnostic as `json` and `json-lines` print it.
#[derive(Serialize)]
pub(crate) struct JsonDiagnostic<'a> {
    code: &'a str,
    name: &'a str,
    severity: Severity,
    file: &'a str,
    message: &'a str,
    range: &'a Span,
    fix: Option<&'a LocatedFix>,
}

impl<'a> JsonDiagnostic<'a> {
    pub(crate) fn new(file: &'a FileFindings, finding: &'a Finding) -> Self {
        Self {
            code: finding.code,
            name: finding.name,
            severity: finding.severity,
            file: &file.path,
            message: &finding.message,
            range: &finding.span,
            fix: finding.fix.as_ref(),
        }
    }
}

#[derive(Serialize)]
struct JsonSummary {
    files: usize,
    files_with_findings: usize,
    errors: usize,
    warnings: usize,
    infos: usize,
    fixable: usize,
    fixable_safe: usize,
    fixable_unsafe: usize,
    injection_unknown: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    fixed: Option<JsonFixed>,
}

/// What `--fix` did: `before` = `fixed` + `resolved_by_other_fixes` + the findings reported
/// (minus `appeared`, the findings found only after fixing).
#[derive(Serialize)]
struct JsonFixed {
    before: usize,
    fixed: usize,
    files_fixed: usize,
    resolved_by_other_fixes: usize,
    appeared: usize,
    not_applied: usize,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: JsonSummary,
}

pub fn write(report: &Report, _ctx: &FormatContext, out: &mut dyn io::Write) -> io::Result<()> {
    let s = report.summary();
    let doc = JsonReport {
        version: VERSION,
        diagnostics: report
            .findings()
            .map(|(file, finding)| JsonDiagnostic::new(file, finding))
            .collect(),
        summary: JsonSummary {
            files: s.files_checked,
            files_with_findings: s.files_with_findings,
            errors: s.errors,
            warnings: s.warnings,
            infos: s.infos,
            fixable: s.fixable(),
            fixable_safe: s.safe_fixable,
            fixable_unsafe: s.unsafe_fixable,
            injection_unknown: s.injection_unknown,
            fixed: report.fix_summary.as_ref().map(|f| JsonFixed {
                before: f.problems_before,
                fixed: f.fixes_applied,
                files_fixed: f.files_fixed,
                resolved_by_other_fixes: f.resolved_by_other_fixes(s.problems),
                appeared: f.appeared_while_fixing(s.problems),
                not_applied: f.failures.len(),
            }),
        },
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
