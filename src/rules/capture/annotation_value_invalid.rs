//! MESH308: An Istio annotation value the injector validates is invalid, so the pod is denied (being implemented).

use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::rules::ResourceCheck;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH308",
    name: "annotation-value-invalid",
    severity: Severity::Error,
    fix: FixAvailability::Sometimes,
    summary: "An Istio annotation value the injector validates is invalid, so the pod is denied",
    page: include_str!("../../../rules/MESH308-annotation-value-invalid.md"),
};

pub fn check(_cx: &ResourceCheck<'_, '_, '_>, _out: &mut Vec<Diagnostic>) {}
