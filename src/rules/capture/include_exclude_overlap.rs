//! MESH307: The same range or port is both included and excluded (being implemented).

use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::rules::ResourceCheck;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH307",
    name: "include-exclude-overlap",
    severity: Severity::Info,
    fix: FixAvailability::None,
    summary: "The same range or port is both included and excluded",
    page: include_str!("../../../rules/MESH307-include-exclude-overlap.md"),
};

pub fn check(_cx: &ResourceCheck<'_, '_, '_>, _out: &mut Vec<Diagnostic>) {}
