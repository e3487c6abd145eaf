//! The `junit` format: a `JUnit` XML test report, for CI systems that show test results (GitLab's
//! `artifacts:reports:junit`, Jenkins, Azure Pipelines).
//!
//! One `<testsuite>` per file with findings (named by its path relative to the repository root,
//! forward slashes, no leading `./`), one failing `<testcase>` per
//! finding, named `CODE@line:col` with the path as `classname`, carrying a `<failure>` whose
//! `message` is the finding's message and `type` its code. Names are unique within a suite:
//! GitLab keeps only the first testcase of a name, so a second finding with the same code at the
//! same position is named `CODE@line:col #2`. No findings gives an empty `<testsuites>`.
//!
//! XML is written by hand: `&`, `<`, `>`, `"`, `'` are escaped, line breaks and tabs in
//! attributes become character references, and characters XML 1.0 forbids (most C0 controls,
//! U+FFFE, U+FFFF) are replaced by their `\u{..}` escape.

use super::{portable_path, FormatContext, Report};
use crate::diagnostic::Applicability;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io;

pub fn write(report: &Report, _ctx: &FormatContext, out: &mut dyn io::Write) -> io::Result<()> {
    let s = report.summary();
    let mut xml = String::new();
    xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        xml,
        "<testsuites name=\"meshlint\" tests=\"{0}\" failures=\"{0}\" errors=\"0\">",
        s.problems
    );
    for file in report.files.iter().filter(|f| !f.findings.is_empty()) {
        let path = attr(&portable_path(&file.path));
        let n = file.findings.len();
        let _ = writeln!(
            xml,
            "  <testsuite name=\"{path}\" tests=\"{n}\" failures=\"{n}\" errors=\"0\" skipped=\"0\">"
        );
        let mut seen: HashMap<String, usize> = HashMap::new();
        for finding in &file.findings {
            let (line, column) = (finding.span.start.line, finding.span.start.column);
            let base = format!("{}@{line}:{column}", finding.code);
            let count = seen.entry(base.clone()).or_insert(0);
            *count += 1;
            let name = if *count == 1 {
                base
            } else {
                format!("{base} #{count}")
            };
            let _ = writeln!(
                xml,
                "    <testcase name=\"{}\" classname=\"{path}\" file=\"{path}\" line=\"{line}\">",
                attr(&name)
            );
            let mut body = format!(
                "{}:{line}:{column}: {} [{}] {}\nseverity: {}",
                portable_path(&file.path),
                finding.code,
                finding.name,
                finding.message,
                finding.severity
            );
            if let Some(fix) = &finding.fix {
                let how = match fix.applicability {
                    Applicability::Safe => "--fix",
                    Applicability::Unsafe => "--unsafe-fixes",
                };
                let _ = write!(body, "\nfix: {} (fixable with {how})", fix.message);
            }
            let _ = writeln!(
                xml,
                "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                attr(&finding.message),
                attr(finding.code),
                text(&body)
            );
            xml.push_str("    </testcase>\n");
        }
        xml.push_str("  </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    out.write_all(xml.as_bytes())
}

/// Whether XML 1.0 allows `c` in a document (`Char` production).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

/// Escapes `value` for a double-quoted attribute.
pub fn attr(value: &str) -> String {
    escape(value, true)
}

/// Escapes `value` for element content.
pub fn text(value: &str) -> String {
    escape(value, false)
}

fn escape(value: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(value.len() + 16);
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Attribute-value normalisation would turn these into spaces; a carriage return in
            // content would be dropped by line-end normalisation.
            '\n' if attribute => out.push_str("&#10;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\r' => out.push_str("&#13;"),
            c if !is_xml_char(c) => {
                let _ = write!(out, "{}", c.escape_unicode());
            }
            c => out.push(c),
        }
    }
    out
}
