//! MESH105: The deprecated values.global.proxy.holdApplicationUntilProxyStarts is used (being implemented).

use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::rules::ResourceCheck;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH105",
    name: "hold-global-deprecated",
    severity: Severity::Info,
    fix: FixAvailability::Sometimes,
    summary: "The deprecated values.global.proxy.holdApplicationUntilProxyStarts is used",
    page: include_str!("../../../rules/MESH105-hold-global-deprecated.md"),
};

pub fn check(_cx: &ResourceCheck<'_, '_, '_>, _out: &mut Vec<Diagnostic>) {}
