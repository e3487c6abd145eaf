//! Applying fixes: edits, verification, the fixpoint loop, diffs and atomic writes.
//!
//! This module knows nothing about YAML or rules; it works on one file's text and the plain
//! [`Fix`](crate::diagnostic::Fix) data rules attach to diagnostics.
//!
//! - [`apply_fixes`] splices the non-colliding fixes into a text, copying every other byte.
//! - [`fix_text`] runs the fixpoint loop: lint (through a closure the engine supplies), apply,
//!   re-lint, roll back and retry one at a time when a fix breaks parsing or adds an error,
//!   repeat up to [`MAX_ROUNDS`] times.
//! - [`check_alone`] is the loop's verification of one fix applied alone, and [`applicable`]
//!   checks a file's fixes as a round would: a report offers only the fixes that pass.
//! - [`unified_diff`] renders `--diff` output that `git apply` and `patch -p1` accept.
//! - [`write_atomically`] writes a fixed file through a temporary file and a rename, refusing a
//!   file that changed since it was read.
//!
//! ```
//! use meshlint::fix::{fix_text, FixOptions, LintResult};
//!
//! // A lint that finds nothing leaves the text alone.
//! let lint = |_: &str| LintResult { parsed: true, diagnostics: Vec::new() };
//! let outcome = fix_text("kind: Pod\n", &lint, &FixOptions::default());
//! assert!(!outcome.changed && outcome.rounds == 0);
//! ```

mod apply;
mod diff;
mod fixpoint;
mod write;

pub use apply::{apply_edits, apply_fixes, Applied, EditError};
pub use diff::unified_diff;
pub use fixpoint::{
    applicable, check_alone, fix_text, AppliedFix, FixOptions, FixOutcome, LintResult, RejectedFix,
    MAX_ALONE_CHECKS, MAX_ROUNDS,
};
pub use write::{write_atomically, WriteError};
