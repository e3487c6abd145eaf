//! MESH102: An injected pod sets holdApplicationUntilProxyStarts to false (being implemented).

use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::rules::ResourceCheck;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH102",
    name: "hold-disabled",
    severity: Severity::Warning,
    fix: FixAvailability::Unsafe,
    summary: "An injected pod sets holdApplicationUntilProxyStarts to false",
    page: include_str!("../../../rules/MESH102-hold-disabled.md"),
};

pub fn check(_cx: &ResourceCheck<'_, '_, '_>, _out: &mut Vec<Diagnostic>) {}
