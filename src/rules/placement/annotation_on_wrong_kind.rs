//! MESH206: A Pod-scoped Istio annotation is on a Namespace, Service, ConfigMap or IstioOperator (being implemented).

use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::rules::ResourceCheck;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH206",
    name: "annotation-on-wrong-kind",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "A Pod-scoped Istio annotation is on a Namespace, Service, ConfigMap or IstioOperator",
    page: include_str!("../../../rules/MESH206-annotation-on-wrong-kind.md"),
};

pub fn check(_cx: &ResourceCheck<'_, '_, '_>, _out: &mut Vec<Diagnostic>) {}
