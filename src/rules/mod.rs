//! The rule registry: one line per code, grouped by family.
//!
//! A rule is a [`RuleMeta`] (code, name, severity, fix availability, page) plus a pure check
//! over one resource or one document with the read-only [`Context`]. Rules never read files,
//! print, or know about the CLI; the engine (`crate::engine`) runs them and filters by selection.

pub mod capture;
pub mod files;
pub mod placement;
pub(crate) mod selectors;
pub mod startup;
pub mod values;
pub mod vault;

#[cfg(test)]
pub(crate) mod test_util;

use crate::context::{Context, MeshFacts};
use crate::diagnostic::{Diagnostic, RuleMeta};
use crate::k8s::Resource;
use crate::yaml::Document;
use std::cell::Cell;

/// Facts about the file being linted that some rules need.
#[derive(Clone, Debug, Default)]
pub struct FileInfo {
    /// The path as given or walked.
    pub path: String,
    /// A partial object, so "missing" rules do not apply: a Kustomize patch (its base has the
    /// rest), or a test assertion (kuttl, Chainsaw) that names only the fields it checks.
    pub partial: bool,
    /// An istiod Helm values file (`values*.yaml`).
    pub helm_values: bool,
    /// The file's key among the project's facts (absolute, normalised); empty: `path`.
    pub key: std::path::PathBuf,
}

impl FileInfo {
    /// The file's key among the project's facts.
    pub fn key(&self) -> &std::path::Path {
        if self.key.as_os_str().is_empty() {
            std::path::Path::new(&self.path)
        } else {
            &self.key
        }
    }
}

/// What one file's rules read of facts that other files may change.
#[derive(Debug, Default)]
pub struct Reads {
    mesh: Cell<bool>,
}

impl Reads {
    /// Whether a rule read the mesh-wide facts.
    pub fn mesh(&self) -> bool {
        self.mesh.get()
    }
}

/// What a resource rule sees.
pub struct ResourceCheck<'c, 'd, 'a> {
    pub text: &'a str,
    pub doc: &'d Document<'a>,
    pub res: &'c Resource<'d, 'a>,
    pub cx: &'c Context,
    pub file: &'c FileInfo,
    pub reads: &'c Reads,
    /// The mesh-wide facts that cover this file.
    pub mesh: &'c MeshFacts,
}

impl ResourceCheck<'_, '_, '_> {
    /// The mesh-wide facts. The read is recorded: while other files are still unseen these
    /// are this file's own, and the run lints the file again if the others change them.
    pub fn mesh(&self) -> &MeshFacts {
        self.reads.mesh.set(true);
        self.mesh
    }
}

/// What a document rule sees.
pub struct DocumentCheck<'c, 'd, 'a> {
    pub text: &'a str,
    pub doc: &'d Document<'a>,
    pub resources: &'c [Resource<'d, 'a>],
    pub cx: &'c Context,
    pub file: &'c FileInfo,
    /// How many IstioOperator documents came before this one in the file.
    pub prior_istio_operators: usize,
}

/// How a rule is run.
#[derive(Clone, Copy)]
pub enum Checker {
    /// Once per resource (each item of a `kind: List` too).
    Resource(fn(&ResourceCheck<'_, '_, '_>, &mut Vec<Diagnostic>)),
    /// Once per parsed document.
    Document(fn(&DocumentCheck<'_, '_, '_>, &mut Vec<Diagnostic>)),
    /// Reported by the engine itself (syntax, templates, unreadable files).
    Engine,
}

/// A registered rule.
pub struct Rule {
    pub meta: &'static RuleMeta,
    pub checker: Checker,
}

/// Every rule, in code order.
pub static RULES: &[Rule] = &[
    Rule {
        meta: &startup::hold_missing::RULE,
        checker: Checker::Resource(startup::hold_missing::check),
    },
    Rule {
        meta: &startup::hold_disabled::RULE,
        checker: Checker::Resource(startup::hold_disabled::check),
    },
    Rule {
        meta: &startup::proxy_config_invalid::RULE,
        checker: Checker::Resource(startup::proxy_config_invalid::check),
    },
    Rule {
        meta: &startup::proxy_config_unknown_field::RULE,
        checker: Checker::Resource(startup::proxy_config_unknown_field::check),
    },
    Rule {
        meta: &startup::hold_global_deprecated::RULE,
        checker: Checker::Resource(startup::hold_global_deprecated::check),
    },
    Rule {
        meta: &startup::hold_ignored_by_lifecycle::RULE,
        checker: Checker::Resource(startup::hold_ignored_by_lifecycle::check),
    },
    Rule {
        meta: &placement::annotation_on_controller::RULE,
        checker: Checker::Resource(placement::annotation_on_controller::check),
    },
    Rule {
        meta: &placement::annotation_in_labels::RULE,
        checker: Checker::Resource(placement::annotation_in_labels::check),
    },
    Rule {
        meta: &placement::inject_annotation_deprecated::RULE,
        checker: Checker::Resource(placement::inject_annotation_deprecated::check),
    },
    Rule {
        meta: &placement::global_setting_unsupported::RULE,
        checker: Checker::Resource(placement::global_setting_unsupported::check),
    },
    Rule {
        meta: &placement::global_setting_misplaced::RULE,
        checker: Checker::Resource(placement::global_setting_misplaced::check),
    },
    Rule {
        meta: &placement::annotation_on_wrong_kind::RULE,
        checker: Checker::Resource(placement::annotation_on_wrong_kind::check),
    },
    Rule {
        meta: &placement::multiple_istiooperators::RULE,
        checker: Checker::Document(placement::multiple_istiooperators::check),
    },
    Rule {
        meta: &placement::injection_label_on_workload::RULE,
        checker: Checker::Resource(placement::injection_label_on_workload::check),
    },
    Rule {
        meta: &placement::conflicting_injection_labels::RULE,
        checker: Checker::Resource(placement::conflicting_injection_labels::check),
    },
    Rule {
        meta: &placement::sidecar_selector_conflict::RULE,
        checker: Checker::Resource(placement::sidecar_selector_conflict::check),
    },
    Rule {
        meta: &capture::ip_ranges_empty::RULE,
        checker: Checker::Resource(capture::ip_ranges_empty::check),
    },
    Rule {
        meta: &capture::ip_ranges_malformed::RULE,
        checker: Checker::Resource(capture::ip_ranges_malformed::check),
    },
    Rule {
        meta: &capture::ip_ranges_host_bits::RULE,
        checker: Checker::Resource(capture::ip_ranges_host_bits::check),
    },
    Rule {
        meta: &capture::ip_ranges_redundant::RULE,
        checker: Checker::Resource(capture::ip_ranges_redundant::check),
    },
    Rule {
        meta: &capture::ip_ranges_everything::RULE,
        checker: Checker::Resource(capture::ip_ranges_everything::check),
    },
    Rule {
        meta: &capture::port_list_malformed::RULE,
        checker: Checker::Resource(capture::port_list_malformed::check),
    },
    Rule {
        meta: &capture::include_exclude_overlap::RULE,
        checker: Checker::Resource(capture::include_exclude_overlap::check),
    },
    Rule {
        meta: &capture::annotation_value_invalid::RULE,
        checker: Checker::Resource(capture::annotation_value_invalid::check),
    },
    Rule {
        meta: &capture::application_uid_1337::RULE,
        checker: Checker::Resource(capture::application_uid_1337::check),
    },
    Rule {
        meta: &vault::vault_init_race::RULE,
        checker: Checker::Resource(vault::vault_init_race::check),
    },
    Rule {
        meta: &values::annotation_value_not_string::RULE,
        checker: Checker::Resource(values::annotation_value_not_string::check),
    },
    Rule {
        meta: &values::unknown_istio_annotation::RULE,
        checker: Checker::Resource(values::unknown_istio_annotation::check),
    },
    Rule {
        meta: &values::duplicate_key::RULE,
        checker: Checker::Document(values::duplicate_key::check),
    },
    Rule {
        meta: &values::inject_value_invalid::RULE,
        checker: Checker::Resource(values::inject_value_invalid::check),
    },
    Rule {
        meta: &values::deprecated_istio_annotation::RULE,
        checker: Checker::Resource(values::deprecated_istio_annotation::check),
    },
    Rule {
        meta: &values::dataplane_mode_invalid::RULE,
        checker: Checker::Resource(values::dataplane_mode_invalid::check),
    },
    Rule {
        meta: &values::image_auto_without_injection::RULE,
        checker: Checker::Resource(values::image_auto_without_injection::check),
    },
    Rule {
        meta: &values::alpha_annotation::RULE,
        checker: Checker::Resource(values::alpha_annotation::check),
    },
    Rule {
        meta: &files::SYNTAX_ERROR,
        checker: Checker::Engine,
    },
    Rule {
        meta: &files::TEMPLATED_FILE,
        checker: Checker::Engine,
    },
    Rule {
        meta: &files::UNREADABLE_FILE,
        checker: Checker::Engine,
    },
    Rule {
        meta: &files::UNUSED_SUPPRESSION,
        checker: Checker::Engine,
    },
];

/// Every rule's metadata, in code order.
pub fn all() -> impl Iterator<Item = &'static RuleMeta> {
    RULES.iter().map(|r| r.meta)
}

static METAS: std::sync::LazyLock<Vec<&'static RuleMeta>> =
    std::sync::LazyLock::new(|| all().collect());

/// Every rule's metadata as a slice (for output formats).
pub fn metas() -> &'static [&'static RuleMeta] {
    &METAS
}

/// Finds a rule by code (`MESH101`) or name (`hold-missing`), case-insensitively for codes.
pub fn find(code_or_name: &str) -> Option<&'static RuleMeta> {
    all().find(|m| m.code.eq_ignore_ascii_case(code_or_name) || m.name == code_or_name)
}

/// `--select` / `--ignore`: codes, names or code prefixes (`MESH3`).
#[derive(Clone, Debug, Default)]
pub struct RuleSelector {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
}

fn matches(pattern: &str, meta: &RuleMeta) -> bool {
    let p = pattern.trim();
    p.eq_ignore_ascii_case("ALL")
        || meta.name == p
        || meta.code.len() >= p.len()
            && meta.code[..p.len()].eq_ignore_ascii_case(p)
            && !p.is_empty()
}

/// Rules that run only when selected by their code or name (`--select MESH508`,
/// `select: [alpha-annotation]`), not by default, a prefix or `ALL`: MESH508 would note most
/// capture annotations (Istio's catalogue marks them Alpha), including those meshlint's own
/// fixes write; Istio's own analyzer for it is not run by `istioctl analyze` either.
pub const OPT_IN: &[&str] = &["MESH508"];

/// Whether `meta` is an opt-in rule ([`OPT_IN`]).
pub fn is_opt_in(meta: &RuleMeta) -> bool {
    OPT_IN.contains(&meta.code)
}

impl RuleSelector {
    /// Whether `meta` is enabled: selected (everything when nothing is selected, an opt-in
    /// rule only by its code or name), not ignored.
    pub fn enabled(&self, meta: &RuleMeta) -> bool {
        let selected = if is_opt_in(meta) {
            self.select.iter().any(|p| {
                let p = p.trim();
                p.eq_ignore_ascii_case(meta.code) || p == meta.name
            })
        } else {
            self.select.is_empty() || self.select.iter().any(|p| matches(p, meta))
        };
        selected && !self.ignore.iter().any(|p| matches(p, meta))
    }

    /// Patterns that match no rule, for a usage error.
    pub fn unknown_patterns(&self) -> Vec<&str> {
        self.select
            .iter()
            .chain(&self.ignore)
            .map(String::as_str)
            .filter(|p| !all().any(|m| matches(p, m)))
            .collect()
    }
}

/// A value for a message: line breaks and tabs written as escapes, at most 40 characters.
pub(crate) fn shown(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i == 40 {
            out.push('…');
            break;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out
}
