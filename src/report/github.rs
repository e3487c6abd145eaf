//! The `github` format: GitHub Actions workflow commands, which the runner turns into
//! annotations on the pull request.
//!
//! `::error file=PATH,line=L,col=C,endLine=EL,endColumn=EC,title=CODE::message`, with
//! `::warning` for warnings and `::notice` for infos. Columns are in Unicode scalar values, like
//! every format but SARIF; `endColumn` is exclusive. The message escapes `%`, CR and LF as
//! `%25`, `%0D`, `%0A` (GitHub's `escapeData`); property values additionally escape `:` and `,`
//! as `%3A`, `%2C` (GitHub's `escapeProperty`). Other control characters (an ESC quoted from a
//! hostile manifest) are written as Rust-style escapes (`\u{1b}`) so they cannot drive the log
//! viewer. Nothing else is printed: GitHub shows the run's summary itself.

use super::summary::is_unsafe_char;
use super::{portable_path, FormatContext, Report};
use crate::diagnostic::Severity;
use std::io;

pub fn write(report: &Report, _ctx: &FormatContext, out: &mut dyn io::Write) -> io::Result<()> {
    for file in &report.files {
        let path = escape_property(&portable_path(&file.path));
        for finding in &file.findings {
            let command = match finding.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            let (start, end) = (finding.span.start, finding.span.end);
            let title = escape_property(finding.code);
            writeln!(
                out,
                "::{command} file={path},line={},col={},endLine={},endColumn={},title={title}::{}",
                start.line,
                start.column,
                end.line,
                end.column,
                escape_data(&finding.message),
            )?;
        }
    }
    Ok(())
}

/// GitHub's `escapeData` (the message of a workflow command), plus other control characters.
pub fn escape_data(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c if is_unsafe_char(c) => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}

/// GitHub's `escapeProperty` (a `key=value` property of a workflow command), plus other
/// control characters.
pub fn escape_property(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' => out.push_str("%3A"),
            ',' => out.push_str("%2C"),
            c if is_unsafe_char(c) => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}
