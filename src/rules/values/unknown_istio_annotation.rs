//! MESH502: An istio.io annotation or label key Istio does not know (being implemented).

use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::rules::ResourceCheck;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH502",
    name: "unknown-istio-annotation",
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    summary: "An istio.io annotation or label key Istio does not know",
    page: include_str!("../../../rules/MESH502-unknown-istio-annotation.md"),
};

pub fn check(_cx: &ResourceCheck<'_, '_, '_>, _out: &mut Vec<Diagnostic>) {}
