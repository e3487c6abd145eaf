//! MESH306: A port list has an element Istio rejects (being implemented).

use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::rules::ResourceCheck;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH306",
    name: "port-list-malformed",
    severity: Severity::Error,
    fix: FixAvailability::Sometimes,
    summary: "A port list has an element Istio rejects",
    page: include_str!("../../../rules/MESH306-port-list-malformed.md"),
};

pub fn check(_cx: &ResourceCheck<'_, '_, '_>, _out: &mut Vec<Diagnostic>) {}
