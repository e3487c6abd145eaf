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
use crate::diagnostic::{Applicability, Severity};
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

pub fn write(report: &Report, _ctx: &FormatContext, out: &mut dyn io::Write) -> io::Result<()> {
    let s = report.summary();
    let summary = JsonSummary {
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
    };
    // The diagnostics are written by hand, one at a time through one buffer, in exactly the
    // layout `serde_json::to_writer_pretty` gives (a test compares the two): serde's writer
    // made one dynamic call per punctuation mark, which cost a run with many findings more
    // than its rules did (25,000 instructions per finding).
    let mut buf = String::with_capacity(4096);
    buf.push_str("{\n  \"version\": ");
    push_number(&mut buf, u64::from(VERSION));
    buf.push_str(",\n  \"diagnostics\": [");
    let mut any = false;
    for (file, finding) in report.findings() {
        buf.push_str(if any { ",\n" } else { "\n" });
        any = true;
        push_diagnostic(&mut buf, &JsonDiagnostic::new(file, finding));
        out.write_all(buf.as_bytes())?;
        buf.clear();
    }
    buf.push_str(if any { "\n  ],\n" } else { "],\n" });
    buf.push_str("  \"summary\": ");
    // Written once: serde's layout, indented one level.
    let summary = serde_json::to_string_pretty(&summary)?;
    buf.push_str(&summary.replace('\n', "\n  "));
    buf.push_str("\n}\n");
    out.write_all(buf.as_bytes())
}

/// One diagnostic at the indentation of the `diagnostics` array's items.
fn push_diagnostic(buf: &mut String, d: &JsonDiagnostic<'_>) {
    buf.push_str("    {\n      \"code\": ");
    push_string(buf, d.code);
    buf.push_str(",\n      \"name\": ");
    push_string(buf, d.name);
    buf.push_str(",\n      \"severity\": ");
    push_string(buf, d.severity.as_str());
    buf.push_str(",\n      \"file\": ");
    push_string(buf, d.file);
    buf.push_str(",\n      \"message\": ");
    push_string(buf, d.message);
    buf.push_str(",\n      \"range\": ");
    push_span(buf, d.range, &FINDING_SPAN);
    buf.push_str(",\n      \"fix\": ");
    match d.fix {
        None => buf.push_str("null"),
        Some(fix) => {
            buf.push_str("{\n        \"applicability\": ");
            push_string(
                buf,
                match fix.applicability {
                    Applicability::Safe => "safe",
                    Applicability::Unsafe => "unsafe",
                },
            );
            buf.push_str(",\n        \"message\": ");
            push_string(buf, &fix.message);
            buf.push_str(",\n        \"edits\": [");
            for (i, edit) in fix.edits.iter().enumerate() {
                buf.push_str(if i == 0 { "\n" } else { ",\n" });
                buf.push_str("          {\n            \"range\": ");
                push_span(buf, &edit.range, &EDIT_SPAN);
                buf.push_str(",\n            \"content\": ");
                push_string(buf, &edit.content);
                buf.push_str("\n          }");
            }
            if !fix.edits.is_empty() {
                buf.push_str("\n        ");
            }
            buf.push_str("]\n      }");
        }
    }
    buf.push_str("\n    }");
}

/// The constant parts of a span at one indentation, in the order they are written.
macro_rules! span_pieces {
    ($i:literal) => {
        [
            concat!("{\n", $i, "  \"start\": {\n", $i, "    \"line\": "),
            concat!(",\n", $i, "    \"column\": "),
            concat!(",\n", $i, "    \"offset\": "),
            concat!(
                "\n",
                $i,
                "  },\n",
                $i,
                "  \"end\": {\n",
                $i,
                "    \"line\": "
            ),
            concat!(",\n", $i, "    \"column\": "),
            concat!(",\n", $i, "    \"offset\": "),
            concat!("\n", $i, "  }\n", $i, "}"),
        ]
    };
}

/// A finding's range (indented as its field is) and an edit's.
const FINDING_SPAN: [&str; 7] = span_pieces!("      ");
const EDIT_SPAN: [&str; 7] = span_pieces!("            ");

fn push_span(buf: &mut String, span: &Span, pieces: &[&str; 7]) {
    let numbers = [
        span.start.line,
        span.start.column,
        span.start.offset,
        span.end.line,
        span.end.column,
        span.end.offset,
    ];
    for (piece, n) in pieces.iter().zip(numbers) {
        buf.push_str(piece);
        push_number(buf, u64::from(n));
    }
    buf.push_str(pieces[6]);
}

fn push_number(buf: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    buf.push_str(std::str::from_utf8(&digits[i..]).unwrap_or_default());
}

/// A JSON string as serde_json writes it: `"`, `\` and the control characters escaped
/// (`\b \t \n \f \r`, else `\u00xx`), everything else (non-ASCII included) as it is.
fn push_string(buf: &mut String, s: &str) {
    buf.push('"');
    // Most strings need no escape: one pass without an early exit (which the compiler turns
    // into wide compares), then one copy. `&`, not `&&`: a short-circuit is an early exit.
    #[allow(clippy::needless_bitwise_bool)]
    let plain = s.bytes().fold(true, |plain, b| {
        plain & (b >= 0x20) & (b != b'"') & (b != b'\\')
    });
    if plain {
        buf.push_str(s);
        buf.push('"');
        return;
    }
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escaped = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        buf.push_str(&s[start..i]);
        if escaped.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            buf.push_str("\\u00");
            buf.push(char::from(HEX[usize::from(b >> 4)]));
            buf.push(char::from(HEX[usize::from(b & 0xf)]));
        } else {
            buf.push_str(escaped);
        }
        start = i + 1;
    }
    buf.push_str(&s[start..]);
    buf.push('"');
}

#[cfg(test)]
mod tests {
    use super::{push_diagnostic, push_string, JsonDiagnostic};

    /// The hand-written layout is serde_json's pretty one, escapes included.
    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let all: String = (0u8..0x80).map(char::from).collect::<String>() + "é\u{2028}😀";
        for s in [all.as_str(), "", "plain", "a\"b\\c\nd"] {
            let mut buf = String::new();
            push_string(&mut buf, s);
            assert_eq!(buf, serde_json::to_string(s).unwrap());
        }
    }

    #[test]
    fn a_diagnostic_is_laid_out_as_serde_json_lays_it_out() {
        use crate::diagnostic::{Applicability, Severity};
        use crate::report::{FileFindings, Finding, LocatedEdit, LocatedFix, Position, Span};
        let at = |line, column, offset| Position {
            line,
            column,
            utf16_column: column,
            offset,
        };
        let span = Span {
            start: at(1, 2, 3),
            end: at(40_000, 1, 4_000_000_000),
        };
        let file = FileFindings {
            path: "dir/\"odd\".yaml".into(),
            ..FileFindings::default()
        };
        let edits = |n: usize| {
            (0..n)
                .map(|i| LocatedEdit {
                    range: span,
                    content: format!("line {i}\n\tnext"),
                })
                .collect::<Vec<_>>()
        };
        for fix in [
            None,
            Some(LocatedFix {
                applicability: Applicability::Safe,
                message: "m".into(),
                edits: edits(0),
            }),
            Some(LocatedFix {
                applicability: Applicability::Unsafe,
                message: "two".into(),
                edits: edits(2),
            }),
        ] {
            let finding = Finding {
                code: "MESH101",
                name: "hold-missing",
                severity: Severity::Warning,
                message: "a \"message\"".into(),
                span,
                fix,
                snippet: crate::report::Snippet::default(),
                assumed: false,
            };
            let d = JsonDiagnostic::new(&file, &finding);
            let mut buf = String::new();
            push_diagnostic(&mut buf, &d);
            // serde's layout at the top level, moved in to the array's items.
            let expected = format!("    {}", serde_json::to_string_pretty(&d).unwrap())
                .replace('\n', "\n    ");
            assert_eq!(buf, expected);
        }
    }
}
