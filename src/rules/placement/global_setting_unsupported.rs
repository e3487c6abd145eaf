//! MESH204: Managed Cloud Service Mesh ignores a mesh-wide hold or exclusion (being implemented).

use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::rules::ResourceCheck;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH204",
    name: "global-setting-unsupported",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "Managed Cloud Service Mesh ignores a mesh-wide hold or exclusion",
    page: include_str!("../../../rules/MESH204-global-setting-unsupported.md"),
};

pub fn check(_cx: &ResourceCheck<'_, '_, '_>, _out: &mut Vec<Diagnostic>) {}
