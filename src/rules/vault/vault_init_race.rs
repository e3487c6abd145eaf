//! MESH401: Vault's init container cannot reach Vault because its traffic is captured by the not-yet-running proxy (being implemented).

use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::rules::ResourceCheck;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH401",
    name: "vault-init-race",
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    summary: "Vault's init container cannot reach Vault because its traffic is captured by the not-yet-running proxy",
    page: include_str!("../../../rules/MESH401-vault-init-race.md"),
};

pub fn check(_cx: &ResourceCheck<'_, '_, '_>, _out: &mut Vec<Diagnostic>) {}
