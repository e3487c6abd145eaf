//! MESH205: A mesh-wide setting sits where Istio never reads it (being implemented).

use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::rules::ResourceCheck;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH205",
    name: "global-setting-misplaced",
    severity: Severity::Error,
    fix: FixAvailability::Sometimes,
    summary: "A mesh-wide setting sits where Istio never reads it",
    page: include_str!("../../../rules/MESH205-global-setting-misplaced.md"),
};

pub fn check(_cx: &ResourceCheck<'_, '_, '_>, _out: &mut Vec<Diagnostic>) {}
