//! The `json` format: the stable, versioned report (see the README).
//!
//! ```json
//! {"version": 1,
//!  "diagnostics": [{"code", "name", "severity", "file", "message",
//!                   "range": {"start": {"line", "column", "offset"}, "end": {...}},
//!                   "fix": null | {"applicability", "message", "edits": [{"range", "content"}]}}],
//!  "summary": {"files", "errors", "warnings", "infos", "fixable", "injection_unknown"}}
//! ```
//!
//! Lines and columns are 1-based, columns count Unicode scalar values, offsets are bytes from the
//! start of the file (a BOM included). `summary.files` is the number of files checked (with or
//! without findings); `summary.fixable` counts the findings that carry a fix of either
//! applicability, safe or unsafe; `summary.injection_unknown` counts the findings reported at
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
    errors: usize,
    warnings: usize,
    infos: usize,
    fixable: usize,
    injection_unknown: usize,
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
            errors: s.errors,
            warnings: s.warnings,
            infos: s.infos,
            fixable: s.fixable(),
            injection_unknown: s.injection_unknown,
        },
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
