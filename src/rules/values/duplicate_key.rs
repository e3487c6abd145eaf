//! MESH503: A mapping has the same key twice (being implemented).

use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::rules::DocumentCheck;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH503",
    name: "duplicate-key",
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "A mapping has the same key twice",
    page: include_str!("../../../rules/MESH503-duplicate-key.md"),
};

pub fn check(_cx: &DocumentCheck<'_, '_, '_>, _out: &mut Vec<Diagnostic>) {}
