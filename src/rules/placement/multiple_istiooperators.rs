//! MESH207: A file holds more than one IstioOperator (being implemented).

use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::rules::DocumentCheck;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH207",
    name: "multiple-istiooperators",
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "A file holds more than one IstioOperator",
    page: include_str!("../../../rules/MESH207-multiple-istiooperators.md"),
};

pub fn check(_cx: &DocumentCheck<'_, '_, '_>, _out: &mut Vec<Diagnostic>) {}
