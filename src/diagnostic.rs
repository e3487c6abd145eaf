//! Findings and the fixes attached to them, as plain data.
//!
//! A rule produces [`Diagnostic`]s over byte ranges of one file's original text. A [`Fix`] is a
//! set of non-overlapping [`Edit`]s on that same text; the fixer (`crate::fix`) applies them and
//! verifies the result. Rules never print, re-serialise or write.

use crate::source::TextRange;
use serde::Serialize;
use std::fmt;

/// How bad a finding is (ordered: `Info < Warning < Error`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Hygiene; never fails a run unless `--fail-on info`.
    Info,
    /// Deploys, but does not do what it says or fails at runtime.
    Warning,
    /// Rejected by the API server or Istio, or the pod cannot start.
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a fix may be applied without a human look.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// Does exactly the documented remedy and keeps the file valid: applied by `--fix`.
    Safe,
    /// Changes meaning or guesses intent: applied only with `--unsafe-fixes`.
    Unsafe,
}

/// One replacement of a byte range of the original text (an insertion when the range is empty,
/// a deletion when `content` is empty).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Edit {
    pub range: TextRange,
    pub content: String,
}

impl Edit {
    pub fn replace(range: TextRange, content: impl Into<String>) -> Self {
        Self {
            range,
            content: content.into(),
        }
    }

    pub fn insert(offset: u32, content: impl Into<String>) -> Self {
        Self {
            range: TextRange::empty(offset),
            content: content.into(),
        }
    }

    pub fn delete(range: TextRange) -> Self {
        Self {
            range,
            content: String::new(),
        }
    }
}

/// A remedy for one diagnostic: its edits are applied together or not at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub applicability: Applicability,
    /// What the fix does, imperative ("quote the value").
    pub message: String,
    /// Sorted, non-overlapping edits.
    pub edits: Vec<Edit>,
}

impl Fix {
    pub fn new(
        applicability: Applicability,
        message: impl Into<String>,
        edits: impl IntoIterator<Item = Edit>,
    ) -> Self {
        let mut edits: Vec<Edit> = edits.into_iter().collect();
        edits.sort_by_key(|e| (e.range.start(), e.range.end()));
        Self {
            applicability,
            message: message.into(),
            edits,
        }
    }

    pub fn safe(message: impl Into<String>, edits: impl IntoIterator<Item = Edit>) -> Self {
        Self::new(Applicability::Safe, message, edits)
    }

    pub fn unsafe_(message: impl Into<String>, edits: impl IntoIterator<Item = Edit>) -> Self {
        Self::new(Applicability::Unsafe, message, edits)
    }

    /// The smallest range covering every edit.
    pub fn range(&self) -> Option<TextRange> {
        let first = self.edits.first()?;
        let end = self
            .edits
            .iter()
            .map(|e| e.range.end())
            .max()
            .unwrap_or(first.range.end());
        Some(TextRange::new(first.range.start(), end))
    }
}

/// Whether a rule can fix what it finds (availability: for every finding, for some, or never)
/// and how a fix is applied (applicability: `--fix` alone, or `--unsafe-fixes` too). The rule's
/// page says the same in its `**Fix:**` header ([`Self::page_word`]) and says when there is none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FixAvailability {
    /// Never a fix: meshlint only reports.
    None,
    /// A safe fix.
    Safe,
    /// An unsafe fix (`--unsafe-fixes`).
    Unsafe,
    /// A safe fix for some findings, none for the others.
    SometimesSafe,
    /// A safe fix for some findings, an unsafe one for others (depending on the case or the
    /// configured options), none for the rest.
    SometimesSafeOrUnsafe,
}

/// How the fixes of a rule are applied, when it has any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FixApplicability {
    Safe,
    Unsafe,
    SafeOrUnsafe,
}

impl FixAvailability {
    /// How this rule's fixes apply; `None` for a rule without fixes.
    pub fn applicability(self) -> Option<FixApplicability> {
        match self {
            FixAvailability::None => None,
            FixAvailability::Safe | FixAvailability::SometimesSafe => Some(FixApplicability::Safe),
            FixAvailability::Unsafe => Some(FixApplicability::Unsafe),
            FixAvailability::SometimesSafeOrUnsafe => Some(FixApplicability::SafeOrUnsafe),
        }
    }

    /// Whether some findings of the rule get no fix even though the rule has fixes.
    pub fn only_sometimes(self) -> bool {
        matches!(
            self,
            FixAvailability::SometimesSafe | FixAvailability::SometimesSafeOrUnsafe
        )
    }

    /// The word of the rule page's `**Fix:**` header and of `rules/README.md`'s table: `safe`,
    /// `unsafe`, `safe or unsafe` or `none`.
    pub fn page_word(self) -> &'static str {
        match self.applicability() {
            None => "none",
            Some(FixApplicability::Safe) => "safe",
            Some(FixApplicability::Unsafe) => "unsafe",
            Some(FixApplicability::SafeOrUnsafe) => "safe or unsafe",
        }
    }

    /// The word `meshlint rules` prints: `none`, `safe`, `unsafe`, or `sometimes` for a rule
    /// whose findings do not all get the same fix.
    pub fn as_str(self) -> &'static str {
        match self {
            FixAvailability::None => "none",
            FixAvailability::SometimesSafe | FixAvailability::SometimesSafeOrUnsafe => "sometimes",
            FixAvailability::Safe => "safe",
            FixAvailability::Unsafe => "unsafe",
        }
    }
}

/// What a rule is: its stable code, name, default severity, fix availability and page.
#[derive(Debug)]
pub struct RuleMeta {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub fix: FixAvailability,
    /// One line for `meshlint rules` and SARIF's shortDescription.
    pub summary: &'static str,
    /// The rule's page (`rules/MESHnnn-name.md`), printed by `meshlint explain`.
    pub page: &'static str,
}

/// One finding in one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    /// One sentence naming the offending value and what Istio or Kubernetes does with it.
    pub message: String,
    pub range: TextRange,
    pub fix: Option<Fix>,
    /// What must hold of other files' facts for the finding to stand (see
    /// [`crate::context::Requires`]); `None` once decided.
    pub requires: Option<Box<crate::context::Requires>>,
    /// Reported only because meshlint assumed its pod is in the mesh (at `info`).
    pub assumed: bool,
}

impl Diagnostic {
    pub fn new(rule: &RuleMeta, range: TextRange, message: impl Into<String>) -> Self {
        Self {
            code: rule.code,
            name: rule.name,
            severity: rule.severity,
            message: message.into(),
            range,
            fix: None,
            requires: None,
            assumed: false,
        }
    }

    /// Marks the finding as resting on the assumption that its pod is in the mesh (`why`:
    /// why meshlint could not tell): `info`, and the message says so.
    pub fn assume(&mut self, why: &str) {
        self.severity = Severity::Info;
        self.assumed = true;
        self.message.push_str(&crate::context::assumed_note(why));
    }

    /// Makes the finding depend on facts other files may hold.
    #[must_use]
    pub fn requiring(mut self, requires: crate::context::Requires) -> Self {
        self.requires = Some(Box::new(requires));
        self
    }

    #[must_use]
    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    #[must_use]
    pub fn with_optional_fix(mut self, fix: Option<Fix>) -> Self {
        self.fix = fix;
        self
    }

    #[must_use]
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
}
