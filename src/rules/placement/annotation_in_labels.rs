//! MESH202: An annotation-only Istio key is under labels (being implemented).

use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::rules::ResourceCheck;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH202",
    name: "annotation-in-labels",
    severity: Severity::Warning,
    fix: FixAvailability::Safe,
    summary: "An annotation-only Istio key is under labels",
    page: include_str!("../../../rules/MESH202-annotation-in-labels.md"),
};

pub fn check(_cx: &ResourceCheck<'_, '_, '_>, _out: &mut Vec<Diagnostic>) {}
