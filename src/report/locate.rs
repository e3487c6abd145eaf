//! Findings resolved to positions and excerpts, so that a file's text can be dropped once its
//! findings are located.

use super::{FileFindings, Finding, LocatedEdit, LocatedFix, Position, Snippet, Span};
use crate::diagnostic::Diagnostic;
use crate::source::{LineIndex, TextRange};

/// The excerpt kept for a finding: its lines, or on a very long line (a megabyte annotation
/// value with thousands of findings) a window around the finding's start, so each finding
/// costs a bounded size whatever the line length.
fn snippet_bounds(
    text: &str,
    from: usize,
    to: usize,
    first_line: &std::ops::Range<usize>,
    start: u32,
) -> (usize, usize) {
    const MAX: usize = 4096;
    // Windows are cut at fixed blocks of the line, so that the findings near one another share
    // one window (and its text): the block of the start, with one block on either side.
    const BLOCK: usize = 64;
    if to - from <= MAX {
        return (from, to);
    }
    let start = (start as usize).clamp(first_line.start, first_line.end);
    let block = first_line.start + (start - first_line.start) / BLOCK * BLOCK;
    let mut a = block.saturating_sub(BLOCK).max(first_line.start);
    let mut b = (block + 2 * BLOCK).min(first_line.end);
    while !text.is_char_boundary(a) {
        a -= 1;
    }
    while !text.is_char_boundary(b) {
        b += 1;
    }
    (a, b)
}

/// Resolves a file's diagnostics to positions and excerpts, so its text can be dropped.
pub fn locate(text: &str, index: &LineIndex, path: &str, diags: Vec<Diagnostic>) -> FileFindings {
    let pos = |offset: u32| {
        let offset = offset.min(text.len() as u32);
        let lc = index.line_col(text, offset);
        let wide = index.line_col_utf16(text, offset);
        Position {
            line: lc.line,
            column: lc.column,
            utf16_column: wide.column,
            offset,
        }
    };
    let span = |r: TextRange| Span {
        start: pos(r.start()),
        end: pos(r.end()),
    };
    let mut shared: Option<((usize, usize), std::sync::Arc<str>)> = None;
    let findings = diags
        .into_iter()
        .map(|d| {
            let s = span(d.range);
            let first = index.line_range(text, s.start.line);
            let last = index.line_range(text, s.end.line.min(s.start.line + 8));
            let (from, to) = snippet_bounds(
                text,
                first.start,
                last.end.max(first.start),
                &first,
                s.start.offset,
            );
            let excerpt = match &shared {
                Some((bounds, excerpt)) if *bounds == (from, to) => excerpt.clone(),
                _ => {
                    let excerpt: std::sync::Arc<str> = text[from..to].into();
                    shared = Some(((from, to), excerpt.clone()));
                    excerpt
                }
            };
            let snippet = Snippet {
                first_line: s.start.line,
                offset: from as u32,
                text: excerpt,
            };
            Finding {
                code: d.code,
                name: d.name,
                severity: d.severity,
                message: d.message,
                span: s,
                fix: d.fix.map(|f| LocatedFix {
                    applicability: f.applicability,
                    message: f.message,
                    edits: f
                        .edits
                        .into_iter()
                        .map(|e| LocatedEdit {
                            range: span(e.range),
                            content: e.content,
                        })
                        .collect(),
                }),
                snippet,
                assumed: d.assumed,
            }
        })
        .collect();
    FileFindings {
        path: path.to_owned(),
        findings,
    }
}
