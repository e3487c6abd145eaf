//! Output formats. A [`Report`] holds every finding with its positions already resolved, so
//! that no format needs the files' text (which is dropped as soon as each file is linted).
//!
//! Each format lives in its own file and exposes `write(report, ctx, out)`; [`write_report`]
//! dispatches on [`Format`]. Every format is deterministic: the same report gives the same bytes
//! (no terminal-width probing, no timestamps, no absolute paths added), so the output can be
//! snapshot-tested and diffed between runs.
//!
//! | format       | for                          | columns                 |
//! |--------------|------------------------------|-------------------------|
//! | `human`      | people (miette excerpts)     | Unicode scalar values   |
//! | `concise`    | people, grep                 | Unicode scalar values   |
//! | `json`       | tools (the stable contract)   | Unicode scalar values   |
//! | `json-lines` | streaming tools              | Unicode scalar values   |
//! | `sarif`      | GitHub code scanning         | UTF-16 code units       |
//! | `github`     | GitHub Actions annotations   | Unicode scalar values   |
//! | `gitlab`     | GitLab Code Quality          | (lines only)            |
//! | `junit`      | CI test reports              | Unicode scalar values   |

use crate::diagnostic::{Applicability, RuleMeta, Severity};
use serde::Serialize;
use std::fmt;
use std::io;
use std::str::FromStr;

pub mod concise;
mod fingerprint;
pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod json_lines;
pub mod junit;
mod locate;
pub mod sarif;
mod statistics;
mod summary;

pub use locate::locate;
pub use statistics::write_statistics;
pub use summary::escape_controls;

#[cfg(test)]
mod tests;

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
    /// Whole lines, without the final line ending. Shared by the findings with the same
    /// excerpt (thousands on one long line).
    pub text: std::sync::Arc<str>,
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
    /// Reported at `info` only because meshlint assumed its pod is in the mesh.
    pub assumed: bool,
}

/// The findings of one file, sorted by position.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileFindings {
    /// The path as given or walked, relative to the working directory.
    pub path: String,
    pub findings: Vec<Finding>,
}

/// What the fixer did, for the closing summary of `--fix`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FixSummary {
    /// The findings linting reported before fixing.
    pub problems_before: usize,
    pub fixes_applied: usize,
    pub files_fixed: usize,
    /// One line per rejected or failed fix ("fix for MESH302 at x.yaml:12:5 was not applied: …").
    pub failures: Vec<String>,
    /// How many fixes were tried and rejected by verification (each has a line in `failures`).
    pub rejected: usize,
    /// Every fix applied, in order of path then position, listed by `--show-fixes`.
    pub applied: Vec<ShownFix>,
}

/// One fix the fixer applied, as `--show-fixes` lists it (where it was in the file; see
/// [`crate::fix::AppliedFix`] for what the fixer records).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShownFix {
    /// The path as given or walked, relative to the working directory.
    pub path: String,
    pub code: &'static str,
    pub name: &'static str,
    /// Where the finding was, in the text before fixing (1-based; column in Unicode scalars).
    pub line: u32,
    pub column: u32,
    /// The fix's message ("quote the value").
    pub message: String,
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

    /// Counts for the closing summary of every format.
    pub fn summary(&self) -> Summary {
        let mut summary = Summary {
            files_checked: self.files_checked,
            ..Summary::default()
        };
        for file in &self.files {
            if !file.findings.is_empty() {
                summary.files_with_findings += 1;
            }
            for finding in &file.findings {
                summary.problems += 1;
                match finding.severity {
                    Severity::Error => summary.errors += 1,
                    Severity::Warning => summary.warnings += 1,
                    Severity::Info => summary.infos += 1,
                }
                if finding.assumed {
                    summary.injection_unknown += 1;
                }
                match finding.fix.as_ref().map(|f| f.applicability) {
                    Some(Applicability::Safe) => summary.safe_fixable += 1,
                    Some(Applicability::Unsafe) => summary.unsafe_fixable += 1,
                    None => {}
                }
            }
        }
        summary
    }
}

/// Counts over a [`Report`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Files linted, with or without findings.
    pub files_checked: usize,
    /// Files with at least one finding.
    pub files_with_findings: usize,
    pub problems: usize,
    /// Findings at `info` because their pod is only assumed to be in the mesh.
    pub injection_unknown: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Findings with a safe fix (applied by `--fix`).
    pub safe_fixable: usize,
    /// Findings with an unsafe fix (applied by `--fix --unsafe-fixes`).
    pub unsafe_fixable: usize,
}

impl Summary {
    /// Findings with a fix of any applicability (the JSON summary's `fixable`).
    pub fn fixable(&self) -> usize {
        self.safe_fixable + self.unsafe_fixable
    }
}

impl FixSummary {
    /// The findings that went away without a fix of their own, as a side effect of another
    /// fix (a finding reported twice, or one that followed from the one fixed): found before
    /// = fixed + went away + remaining.
    pub fn resolved_by_other_fixes(&self, remaining: usize) -> usize {
        self.problems_before
            .saturating_sub(self.fixes_applied + remaining)
    }

    /// The findings there after fixing that were not there before (a fix may make a later
    /// check reachable): found before + appeared = fixed + went away + remaining.
    pub fn appeared_while_fixing(&self, remaining: usize) -> usize {
        (self.fixes_applied + remaining).saturating_sub(self.problems_before)
    }
}

impl Finding {
    /// The text of the line where the finding starts, without its line ending (and without a
    /// BOM), taken from the snippet; `None` when the snippet does not cover that line.
    pub fn source_line(&self) -> Option<&str> {
        let index = self.span.start.line.checked_sub(self.snippet.first_line)?;
        let line = crate::yaml::edit::split_lines(&self.snippet.text).nth(index as usize)?;
        Some(line.strip_prefix('\u{feff}').unwrap_or(line))
    }
}

/// An output format (`--format`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Format {
    /// Findings with source excerpts (miette), then a summary.
    #[default]
    Human,
    /// One line per finding, then a summary.
    Concise,
    /// The versioned JSON report.
    Json,
    /// One JSON diagnostic object per line.
    JsonLines,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// GitLab Code Quality report.
    Gitlab,
    /// `JUnit` XML test report.
    Junit,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 8] = [
        Format::Human,
        Format::Concise,
        Format::Json,
        Format::JsonLines,
        Format::Sarif,
        Format::Github,
        Format::Gitlab,
        Format::Junit,
    ];

    /// The names `--format` accepts, in the order of [`Format::ALL`].
    pub const NAMES: [&'static str; 8] = [
        "human",
        "concise",
        "json",
        "json-lines",
        "sarif",
        "github",
        "gitlab",
        "junit",
    ];

    /// The name `--format` accepts for this format.
    pub fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Concise => "concise",
            Format::Json => "json",
            Format::JsonLines => "json-lines",
            Format::Sarif => "sarif",
            Format::Github => "github",
            Format::Gitlab => "gitlab",
            Format::Junit => "junit",
        }
    }

    /// Whether the format is read by people (and so may be coloured and carry `--statistics`).
    pub fn is_human(self) -> bool {
        matches!(self, Format::Human | Format::Concise)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| UnknownFormat {
                given: s.to_owned(),
            })
    }
}

/// A `--format` value that names no format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownFormat {
    pub given: String,
}

impl UnknownFormat {
    /// The closest format name, when one is close enough to suggest.
    pub fn suggestion(&self) -> Option<&'static str> {
        Format::NAMES
            .into_iter()
            .map(|name| (strsim::jaro_winkler(&self.given, name), name))
            .filter(|(score, _)| *score > 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, name)| name)
    }
}

impl fmt::Display for UnknownFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown format `{}`", self.given)?;
        if let Some(name) = self.suggestion() {
            write!(f, " (did you mean `{name}`?)")?;
        }
        write!(f, "; expected one of: {}", Format::NAMES.join(", "))
    }
}

impl std::error::Error for UnknownFormat {}

/// What the formats need besides the report.
#[derive(Clone, Copy, Debug)]
pub struct FormatContext {
    /// Every rule meshlint knows (SARIF's `rules` array and help links).
    pub rules: &'static [&'static RuleMeta],
    /// Emit ANSI colours (human and concise only; every other format ignores it).
    pub color: bool,
    /// meshlint's version (SARIF's `tool.driver.version`).
    pub version: &'static str,
    /// List the fixes applied (`--show-fixes`; human and concise).
    pub show_fixes: bool,
    /// Print a count per rule instead of each finding (`--statistics`; human and concise; the
    /// machine formats ignore it so that their output stays parseable).
    pub statistics: bool,
}

impl FormatContext {
    /// A context without colour, fix listing or statistics.
    pub fn new(rules: &'static [&'static RuleMeta], version: &'static str) -> Self {
        Self {
            rules,
            color: false,
            version,
            show_fixes: false,
            statistics: false,
        }
    }
}

/// Writes `report` in `format`.
pub fn write_report(
    format: Format,
    report: &Report,
    ctx: &FormatContext,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::write(report, ctx, out),
        Format::Concise => concise::write(report, ctx, out),
        Format::Json => json::write(report, ctx, out),
        Format::JsonLines => json_lines::write(report, ctx, out),
        Format::Sarif => sarif::write(report, ctx, out),
        Format::Github => github::write(report, ctx, out),
        Format::Gitlab => gitlab::write(report, ctx, out),
        Format::Junit => junit::write(report, ctx, out),
    }
}

/// `path` with forward slashes (on Windows) and without leading `./`, as CI tools and SARIF
/// viewers expect paths relative to the repository root.
pub(crate) fn portable_path(path: &str) -> String {
    let path = if cfg!(windows) {
        path.replace('\\', "/")
    } else {
        path.to_owned()
    };
    let mut rest = path.as_str();
    while let Some(stripped) = rest.strip_prefix("./") {
        rest = stripped.trim_start_matches('/');
    }
    rest.to_owned()
}
