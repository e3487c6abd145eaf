//! MESH303: An IP range has host bits set (being implemented).

use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::rules::ResourceCheck;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH303",
    name: "ip-ranges-host-bits",
    severity: Severity::Info,
    fix: FixAvailability::Unsafe,
    summary: "An IP range has host bits set",
    page: include_str!("../../../rules/MESH303-ip-ranges-host-bits.md"),
};

pub fn check(_cx: &ResourceCheck<'_, '_, '_>, _out: &mut Vec<Diagnostic>) {}
