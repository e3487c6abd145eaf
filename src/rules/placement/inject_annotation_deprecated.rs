//! MESH203: sidecar.istio.io/inject is used as an annotation (deprecated; it cannot opt in) (being implemented).

use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::rules::ResourceCheck;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH203",
    name: "inject-annotation-deprecated",
    severity: Severity::Info,
    fix: FixAvailability::Sometimes,
    summary: "sidecar.istio.io/inject is used as an annotation (deprecated; it cannot opt in)",
    page: include_str!("../../../rules/MESH203-inject-annotation-deprecated.md"),
};

pub fn check(_cx: &ResourceCheck<'_, '_, '_>, _out: &mut Vec<Diagnostic>) {}
