//! MESH302: an IP-range list element that Go's `netip.ParsePrefix` rejects.

use super::ip_sites;
use crate::diagnostic::{Diagnostic, Fix, FixAvailability, RuleMeta, Severity};
use crate::istio::lists::{check_ip_list, IssueCause, Stage};
use crate::rules::values::annotation_value_not_string::prefers_double;
use crate::rules::ResourceCheck;
use crate::yaml::resolve::{resolve, ScalarType};

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH302",
    name: "ip-ranges-malformed",
    severity: Severity::Error,
    fix: FixAvailability::Sometimes,
    summary: "An IP-range list has an element Istio rejects",
    page: include_str!("../../../rules/MESH302-ip-ranges-malformed.md"),
};

pub fn check(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    let double = prefers_double(cx.doc);
    for (site, kind) in ip_sites(cx) {
        let analysis = check_ip_list(site.text, kind);
        for issue in &analysis.issues {
            let consequence = match (site.operator, issue.stage) {
                (_, Stage::PodStart) => {
                    "istio-init rejects it when the pod starts, so no injected pod becomes ready"
                }
                (true, Stage::Admission) => "istioctl install rejects the IstioOperator",
                (false, Stage::Admission) => "the sidecar injector rejects it and denies the pod",
            };
            let message = format!(
                "`{}` element is invalid: {}; {consequence}",
                site.name, issue.reason
            );
            let fix = issue.fix.as_ref().and_then(|f| {
                let edits = site.edits(cx.text, &[f], double)?;
                let what = match issue.cause {
                    IssueCause::Whitespace => "remove the spaces",
                    IssueCause::EmptyElement | IssueCause::BlankElement => {
                        "remove the empty element"
                    }
                    IssueCause::TrailingNewline => "remove the trailing newline",
                    IssueCause::Separator => "separate the ranges with commas",
                    IssueCause::BareAddress => "add the host prefix length",
                    IssueCause::PrefixLengthLeadingZero => {
                        "drop the leading zero of the prefix length"
                    }
                    _ => "repair the element",
                };
                Some(Fix::safe(what, edits))
            });
            out.push(
                Diagnostic::new(&RULE, site.range_of(&issue.range), message).with_optional_fix(fix),
            );
        }
    }
    // An IstioOperator value that is not a string at all: istioctl cannot decode it.
    if let Some(proxy) = super::operator_proxy(cx) {
        for name in ["excludeIPRanges", "includeIPRanges"] {
            let Some((_, v)) = proxy.entry(name) else {
                continue;
            };
            let ty = resolve(v);
            if matches!(ty, ScalarType::Str | ScalarType::Null) {
                continue;
            }
            out.push(Diagnostic::new(
                &RULE,
                v.range(),
                format!(
                    "`spec.values.global.proxy.{name}` is {} but must be a comma-separated string: istioctl install rejects the IstioOperator (cannot unmarshal into string), and with Helm injection breaks for every pod",
                    ty.describe()
                ),
            ));
        }
    }
}
