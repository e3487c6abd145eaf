//! 9xx: files that cannot be linted, and suppressions that suppress nothing. The engine
//! reports these itself.

use crate::diagnostic::{FixAvailability, RuleMeta, Severity};

pub mod unused_suppression;

pub use unused_suppression::RULE as UNUSED_SUPPRESSION;

pub static SYNTAX_ERROR: RuleMeta = RuleMeta {
    code: "MESH900",
    name: "yaml-syntax-error",
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "A YAML document does not parse",
    page: include_str!("../../../rules/MESH900-yaml-syntax-error.md"),
};

pub static TEMPLATED_FILE: RuleMeta = RuleMeta {
    code: "MESH901",
    name: "templated-file",
    severity: Severity::Info,
    fix: FixAvailability::None,
    summary: "A template (Helm/Go, Jinja, FreeMarker, ERB, ytt) is skipped",
    page: include_str!("../../../rules/MESH901-templated-file.md"),
};

pub static UNREADABLE_FILE: RuleMeta = RuleMeta {
    code: "MESH902",
    name: "unreadable-file",
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "A file is not UTF-8 text, is binary, or cannot be read",
    page: include_str!("../../../rules/MESH902-unreadable-file.md"),
};
