//! MESH104: proxy.istio.io/config has a key Istio does not know and silently ignores (being implemented).

use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::rules::ResourceCheck;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH104",
    name: "proxy-config-unknown-field",
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    summary: "proxy.istio.io/config has a key Istio does not know and silently ignores",
    page: include_str!("../../../rules/MESH104-proxy-config-unknown-field.md"),
};

pub fn check(_cx: &ResourceCheck<'_, '_, '_>, _out: &mut Vec<Diagnostic>) {}
