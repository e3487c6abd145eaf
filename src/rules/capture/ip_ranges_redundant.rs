//! MESH304: An IP range list repeats or contains the same addresses twice (being implemented).

use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::rules::ResourceCheck;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH304",
    name: "ip-ranges-redundant",
    severity: Severity::Info,
    fix: FixAvailability::Safe,
    summary: "An IP range list repeats or contains the same addresses twice",
    page: include_str!("../../../rules/MESH304-ip-ranges-redundant.md"),
};

pub fn check(_cx: &ResourceCheck<'_, '_, '_>, _out: &mut Vec<Diagnostic>) {}
