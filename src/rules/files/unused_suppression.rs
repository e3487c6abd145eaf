//! MESH903 unused-suppression: a suppression that suppresses nothing.
//!
//! The engine finds these itself, after every rule ran (see `crate::config::suppression`, which
//! also builds the fix: remove the whole suppression when none of it is used, else just the
//! unused code); this file holds the rule's metadata.

use crate::diagnostic::{FixAvailability, RuleMeta, Severity};

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH903",
    name: "unused-suppression",
    severity: Severity::Info,
    fix: FixAvailability::Safe,
    summary: "A suppression comment or annotation suppresses nothing",
    page: include_str!("../../../rules/MESH903-unused-suppression.md"),
};
