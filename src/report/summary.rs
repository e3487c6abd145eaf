//! The closing lines shared by the `human` and `concise` formats, and the escaping that keeps
//! text from the linted files (values quoted in messages, paths) from driving the terminal.

use super::{FormatContext, Report};
use anstyle::{AnsiColor, Style};
use std::borrow::Cow;
use std::fmt::Write as _;
use std::io;

pub(crate) const BOLD: Style = Style::new().bold();
pub(crate) const DIM: Style = Style::new().dimmed();
pub(crate) const GREEN: Style = AnsiColor::Green.on_default().bold();
pub(crate) const YELLOW: Style = AnsiColor::Yellow.on_default();

/// `text` wrapped in `style` when colour is on.
pub(crate) fn paint(color: bool, style: Style, text: &str) -> String {
    if color {
        format!("{}{text}{}", style.render(), style.render_reset())
    } else {
        text.to_owned()
    }
}

/// `n word` or `n words`.
pub(crate) fn plural(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

/// Whether `c` must not reach a terminal as is: control characters (C0, DEL, C1) and the
/// bidirectional overrides and isolates that can make text read differently than it is.
pub(crate) fn is_unsafe_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every control character escaped (`\n`, `\u{1b}`), for one-line terminal output.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe_char(c) {
            let _ = write!(out, "{}", c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The fix summary, (with `--show-fixes`) each fix applied and the fixes not applied, then
/// the summary line.
pub(crate) fn write_summary(
    report: &Report,
    ctx: &FormatContext,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    let s = report.summary();
    // The fix report first, the verdict last: "All clear" only as the very last line.
    if let Some(fixes) = &report.fix_summary {
        write_fix_summary(fixes, s.problems, ctx, out)?;
    }
    if s.problems == 0 {
        let line = format!(
            "All clear: {} checked, no problems.",
            plural(s.files_checked, "file", "files")
        );
        writeln!(out, "{}", paint(ctx.color, GREEN, &line))?;
    } else {
        let mut line = format!(
            "{} ({}, {}, {}) in {} of {} checked",
            plural(s.problems, "problem", "problems"),
            plural(s.errors, "error", "errors"),
            plural(s.warnings, "warning", "warnings"),
            plural(s.infos, "info", "infos"),
            s.files_with_findings,
            plural(s.files_checked, "file", "files"),
        );
        // After a --fix run the remaining fixes were not applicable; do not advertise them.
        if report.fix_summary.is_none() {
            match (s.safe_fixable, s.unsafe_fixable) {
                (0, 0) => {}
                (0, u) => {
                    let _ = write!(line, "; {u} fixable with --unsafe-fixes");
                }
                (n, 0) => {
                    let _ = write!(line, "; {n} fixable with --fix");
                }
                (n, u) => {
                    let _ = write!(
                        line,
                        "; {n} fixable with --fix ({u} more with --unsafe-fixes)"
                    );
                }
            }
        }
        writeln!(out, "{}", paint(ctx.color, BOLD, &line))?;
        if s.injection_unknown > 0 {
            let line = format!(
                "{} its pod is in the mesh (reported at info: nothing in the project shows Istio injects it; see `meshlint explain injection`)",
                plural(s.injection_unknown, "finding assumes", "findings assume"),
            );
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}

/// `Fixed 4 problems in 2 files (1 more went away with them); 3 remain`: what was found
/// before fixing is what was fixed, what went away with those fixes and what remains.
fn write_fix_summary(
    fixes: &super::FixSummary,
    remaining: usize,
    ctx: &FormatContext,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    let remain = match remaining {
        0 => "none remain".to_owned(),
        1 => "1 remains".to_owned(),
        n => format!("{n} remain"),
    };
    let mut line = if fixes.fixes_applied == 0 {
        "No fixes applied".to_owned()
    } else {
        format!(
            "Fixed {} in {}",
            plural(fixes.fixes_applied, "problem", "problems"),
            plural(fixes.files_fixed, "file", "files"),
        )
    };
    let gone = fixes.resolved_by_other_fixes(remaining);
    if gone > 0 {
        let _ = write!(line, " ({gone} more went away with them)");
    }
    let _ = write!(line, "; {remain}");
    let appeared = fixes.appeared_while_fixing(remaining);
    if appeared > 0 {
        let _ = write!(
            line,
            " ({} only after fixing)",
            plural(appeared, "was found", "were found")
        );
    }
    writeln!(out, "{}", paint(ctx.color, BOLD, &line))?;
    if ctx.show_fixes {
        for fix in &fixes.applied {
            let line = format!(
                "  fixed {}:{}:{}: {} [{}] {}",
                escape_controls(&fix.path),
                fix.line,
                fix.column,
                fix.code,
                fix.name,
                escape_controls(&fix.message),
            );
            writeln!(out, "{line}")?;
        }
    }
    for failure in &fixes.failures {
        writeln!(
            out,
            "{}",
            paint(ctx.color, YELLOW, &escape_controls(failure))
        )?;
    }
    Ok(())
}
