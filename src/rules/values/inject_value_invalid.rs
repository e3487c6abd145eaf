//! MESH504: sidecar.istio.io/inject is not exactly "true" or "false" (being implemented).

use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::rules::ResourceCheck;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH504",
    name: "inject-value-invalid",
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    summary: "sidecar.istio.io/inject is not exactly \"true\" or \"false\"",
    page: include_str!("../../../rules/MESH504-inject-value-invalid.md"),
};

pub fn check(_cx: &ResourceCheck<'_, '_, '_>, _out: &mut Vec<Diagnostic>) {}
