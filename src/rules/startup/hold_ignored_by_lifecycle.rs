//! MESH106: A mesh-wide hold is ignored because values.global.proxy.lifecycle is set (being implemented).

use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::rules::ResourceCheck;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH106",
    name: "hold-ignored-by-lifecycle",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "A mesh-wide hold is ignored because values.global.proxy.lifecycle is set",
    page: include_str!("../../../rules/MESH106-hold-ignored-by-lifecycle.md"),
};

pub fn check(_cx: &ResourceCheck<'_, '_, '_>, _out: &mut Vec<Diagnostic>) {}
