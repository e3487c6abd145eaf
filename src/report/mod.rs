//! Output formats. A [`Report`] holds every finding with its positions already resolved, so
//! that no format needs the files' text (which is dropped as soon as each file is linted).

use crate::diagnostic::{Applicability, Severity};
use serde::Serialize;

/// A resolved position: 1-based line, column in Unicode scalar values, column in UTF-16 code
/// units (SARIF), and the byte offset from the start of the file (a BOM included).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Position {
    pub line: u32,
    pub column: u32,
    #[serde(skip)]
    pub utf16_column: u32,
    pub offset: u32,
}

/// A resolved range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Span {
    pub start: Position,
    pub end: Position,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LocatedEdit {
    pub range: Span,
    pub content: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LocatedFix {
    pub applicability: Applicability,
    pub message: String,
    pub edits: Vec<LocatedEdit>,
}

/// The source lines a finding covers, kept for the human format's excerpt.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Snippet {
    /// 1-based number of the first line of `text`.
    pub first_line: u32,
    /// Byte offset (in the file) where `text` starts.
    pub offset: u32,
    /// Whole lines, without the final line ending.
    pub text: String,
}

/// One finding, ready to print.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub message: String,
    pub span: Span,
    pub fix: Option<LocatedFix>,
    pub snippet: Snippet,
}

/// The findings of one file, sorted by position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileFindings {
    /// The path as given or walked, relative to the working directory.
    pub path: String,
    pub findings: Vec<Finding>,
}

/// What the fixer did, for the closing summary of `--fix`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FixSummary {
    pub fixes_applied: usize,
    pub files_fixed: usize,
    /// One line per rejected or failed fix ("fix for MESH302 at x.yaml:12:5 was not applied: …").
    pub failures: Vec<String>,
}

/// Everything a run found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Files with findings, sorted by path.
    pub files: Vec<FileFindings>,
    /// Number of files linted (with or without findings).
    pub files_checked: usize,
    pub fix_summary: Option<FixSummary>,
}

impl Report {
    pub fn findings(&self) -> impl Iterator<Item = (&FileFindings, &Finding)> {
        self.files
            .iter()
            .flat_map(|f| f.findings.iter().map(move |d| (f, d)))
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings()
            .filter(|(_, d)| d.severity == severity)
            .count()
    }
}
