//! MESH305: An exclusion covers all of IPv4 or IPv6 (being implemented).

use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::rules::ResourceCheck;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH305",
    name: "ip-ranges-everything",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "An exclusion covers all of IPv4 or IPv6",
    page: include_str!("../../../rules/MESH305-ip-ranges-everything.md"),
};

pub fn check(_cx: &ResourceCheck<'_, '_, '_>, _out: &mut Vec<Diagnostic>) {}
