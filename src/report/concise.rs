//! The `concise` format: one line per finding, `path:line:col: CODE [name] message`, then the
//! summary. Grep- and editor-friendly (the `path:line:col:` prefix is what quickfix lists parse).

use super::human::write_header;
use super::summary::write_summary;
use super::{FormatContext, Report};
use std::io;

pub fn write(report: &Report, ctx: &FormatContext, out: &mut dyn io::Write) -> io::Result<()> {
    if ctx.statistics {
        super::write_statistics(report, out)?;
    } else {
        for (file, finding) in report.findings() {
            write_header(file, finding, ctx.color, out)?;
        }
    }
    write_summary(report, ctx, out)
}
