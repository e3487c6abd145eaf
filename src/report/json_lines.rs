//! The `json-lines` format: one diagnostic object per line, with the same fields as the `json`
//! format's `diagnostics` entries, for streaming consumers. No summary line: a consumer counts
//! what it reads. No findings, no output.

use super::json::JsonDiagnostic;
use super::{FormatContext, Report};
use std::io;

pub fn write(report: &Report, _ctx: &FormatContext, out: &mut dyn io::Write) -> io::Result<()> {
    for (file, finding) in report.findings() {
        serde_json::to_writer(&mut *out, &JsonDiagnostic::new(file, finding))?;
        writeln!(out)?;
    }
    Ok(())
}
