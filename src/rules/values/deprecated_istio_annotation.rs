//! MESH505: A deprecated Istio annotation is used (being implemented).

use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::rules::ResourceCheck;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH505",
    name: "deprecated-istio-annotation",
    severity: Severity::Info,
    fix: FixAvailability::None,
    summary: "A deprecated Istio annotation is used",
    page: include_str!("../../../rules/MESH505-deprecated-istio-annotation.md"),
};

pub fn check(_cx: &ResourceCheck<'_, '_, '_>, _out: &mut Vec<Diagnostic>) {}
