//! The `human` format: each finding as `path:line:col: CODE [name] message`, the source excerpt
//! with the span underlined (rendered by miette's graphical handler), a help line when a fix
//! exists, then the summary.
//!
//! The excerpt comes from the finding's [`Snippet`], not from the file, and is rendered at a
//! fixed width so the output does not depend on the terminal. Text from the linted file is made
//! safe first: control characters are shown as Unicode control pictures (`␛`), bidirectional
//! overrides as `�`, and a BOM is dropped, so a hostile manifest cannot drive the terminal.

use super::summary::{escape_controls, is_unsafe_char, paint, write_summary, BOLD, DIM};
use super::{FileFindings, Finding, FormatContext, Report, Snippet, Span};
use crate::diagnostic::{Applicability, Severity};
use anstyle::{AnsiColor, Style};
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};
use std::fmt;
use std::io;

/// The width excerpts and help lines are wrapped at.
const WIDTH: usize = 100;

pub fn write(report: &Report, ctx: &FormatContext, out: &mut dyn io::Write) -> io::Result<()> {
    if ctx.statistics {
        super::write_statistics(report, out)?;
    } else {
        let handler = handler(ctx.color);
        for (file, finding) in report.findings() {
            write_header(file, finding, ctx.color, out)?;
            out.write_all(render_excerpt(&handler, finding).as_bytes())?;
            writeln!(out)?;
        }
    }
    write_summary(report, ctx, out)
}

/// `path:line:col: CODE [name] message`, the code coloured by severity.
pub(crate) fn write_header(
    file: &FileFindings,
    finding: &Finding,
    color: bool,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    let location = format!(
        "{}:{}:{}:",
        escape_controls(&file.path),
        finding.span.start.line,
        finding.span.start.column
    );
    writeln!(
        out,
        "{} {} {} {}",
        paint(color, BOLD, &location),
        paint(color, severity_style(finding.severity), finding.code),
        paint(color, DIM, &format!("[{}]", finding.name)),
        escape_controls(&finding.message),
    )
}

fn severity_style(severity: Severity) -> Style {
    match severity {
        Severity::Error => AnsiColor::Red.on_default().bold(),
        Severity::Warning => AnsiColor::Yellow.on_default().bold(),
        Severity::Info => AnsiColor::Cyan.on_default().bold(),
    }
}

/// The help line for a finding's fix, if it has one.
fn help(finding: &Finding) -> Option<String> {
    let fix = finding.fix.as_ref()?;
    let how = match fix.applicability {
        Applicability::Safe => "fixable with --fix",
        Applicability::Unsafe => "fixable with --unsafe-fixes",
    };
    let message = escape_controls(fix.message.trim());
    Some(if message.is_empty() {
        how.to_owned()
    } else {
        format!("{message} ({how})")
    })
}

fn handler(color: bool) -> GraphicalReportHandler {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme)
        .with_width(WIDTH)
        .with_links(false)
        .without_cause_chain()
        .without_primary_span_start()
        .without_syntax_highlighting()
        .tab_width(4)
}

/// The excerpt box and help line, as miette renders them, without miette's own message line
/// (the header already carries the message).
fn render_excerpt(handler: &GraphicalReportHandler, finding: &Finding) -> String {
    let excerpt = Excerpt::new(finding);
    let mut rendered = String::new();
    if handler.render_report(&mut rendered, &excerpt).is_err() {
        // Rendering into a String fails only if the excerpt cannot be read; the header and the
        // summary still say everything that matters.
        return help(finding).map_or_else(String::new, |h| format!("  help: {h}\n"));
    }
    // miette starts with `  × <message>`; the placeholder message keeps that to one line.
    match rendered.split_once('\n') {
        Some((_, rest)) => rest.to_owned(),
        None => String::new(),
    }
}

/// A finding as a miette diagnostic over its snippet.
struct Excerpt {
    severity: miette::Severity,
    source: Option<SnippetSource>,
    label: Option<LabeledSpan>,
    help: Option<String>,
}

impl Excerpt {
    fn new(finding: &Finding) -> Self {
        let severity = match finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        };
        let (source, label) = match SnippetSource::new(&finding.snippet, &finding.span) {
            Some((source, start, len)) => (
                Some(source),
                Some(LabeledSpan::new_primary_with_span(None, (start, len))),
            ),
            None => (None, None),
        };
        Self {
            severity,
            source,
            label,
            help: help(finding),
        }
    }
}

impl fmt::Debug for Excerpt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Excerpt")
    }
}

impl fmt::Display for Excerpt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A one-line placeholder, dropped after rendering.
        f.write_str("-")
    }
}

impl std::error::Error for Excerpt {}

impl Diagnostic for Excerpt {
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display + 'a>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.label
            .clone()
            .map(|l| Box::new(std::iter::once(l)) as Box<dyn Iterator<Item = LabeledSpan>>)
    }
}

/// A snippet made safe to print, whose line numbers start at the snippet's first line.
struct SnippetSource {
    text: String,
    /// 0-based line number of the first line of `text`.
    first_line: usize,
}

impl SnippetSource {
    /// The cleaned text and the label's offset and length in it; `None` when the snippet is
    /// empty (a finding about a whole file, or an empty line).
    fn new(snippet: &Snippet, span: &Span) -> Option<(Self, usize, usize)> {
        let raw = &*snippet.text;
        if raw.is_empty() {
            return None;
        }
        let rel = |offset: u32| -> usize {
            let mut at = (offset.saturating_sub(snippet.offset) as usize).min(raw.len());
            while !raw.is_char_boundary(at) {
                at -= 1;
            }
            at
        };
        let (rel_start, rel_end) = (rel(span.start.offset), rel(span.end.offset));
        let rel_end = rel_end.max(rel_start);
        let mut text = String::with_capacity(raw.len() + 8);
        let (mut start, mut end) = (None, None);
        for (i, c) in raw.char_indices() {
            if start.is_none() && i >= rel_start {
                start = Some(text.len());
            }
            if end.is_none() && i >= rel_end {
                end = Some(text.len());
            }
            match c {
                '\u{feff}' if i == 0 && snippet.first_line <= 1 => {}
                // miette breaks lines at `\n` only: a lone `\r` (classic Mac) becomes one.
                '\r' if raw.as_bytes().get(i + 1) != Some(&b'\n') => text.push('\n'),
                '\t' | '\n' | '\r' => text.push(c),
                c if is_unsafe_char(c) => text.push(control_picture(c)),
                c => text.push(c),
            }
        }
        let start = start.unwrap_or(text.len());
        let end = end.unwrap_or(text.len()).max(start);
        if start == text.len() {
            // miette draws an insertion point (`▲`) only under a character; give it one.
            text.push(' ');
        }
        let first_line = snippet.first_line.saturating_sub(1) as usize;
        Some((Self { text, first_line }, start, end - start))
    }
}

/// A visible stand-in for a control character: `␀`–`␟` and `␡` for C0 and DEL, `�` otherwise.
fn control_picture(c: char) -> char {
    match u32::from(c) {
        n @ 0..=0x1f => char::from_u32(0x2400 + n).unwrap_or('\u{fffd}'),
        0x7f => '\u{2421}',
        _ => '\u{fffd}',
    }
}

impl SourceCode for SnippetSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new(
            inner.data(),
            *inner.span(),
            inner.line() + self.first_line,
            inner.column(),
            inner.line_count(),
        )))
    }
}
