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
            // `${VAULT_CIDR}` and friends are filled in before the manifest reaches the cluster.
            if issue.cause == IssueCause::Invalid
                && super::port_list_malformed::is_placeholder(&site.text[issue.range.clone()])
            {
                continue;
            }
            let consequence = match (site.operator, issue.stage) {
                // The reason says who rejects it when the pod starts.
                (_, Stage::PodStart) => {
                    "no injected pod that takes this mesh-wide value becomes ready"
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

#[cfg(test)]
mod tests {
    use crate::rules::test_util::{at, fixed, lint, pos};

    const POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: web
  annotations:
    traffic.sidecar.istio.io/excludeOutboundIPRanges: \"VALUE\"
spec: {}
";

    fn pod(value: &str) -> String {
        POD.replace("VALUE", value)
    }

    #[test]
    fn elements_are_located_through_escapes() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    traffic.sidecar.istio.io/excludeOutboundIPRanges: \"10.0.0.0/8,\\x31.2.3.4, 10.1.0.0/16\"\nspec:\n  containers: [{name: c, image: x}]\n";
        let d = crate::rules::test_util::lint(text, "MESH302");
        assert_eq!(d.len(), 2, "{d:#?}");
        let first = text.find("\\x31").unwrap() as u32;
        assert_eq!((d[0].range.start(), d[0].range.end()), (first, first + 10));
        assert_eq!(
            (d[1].range.start(), d[1].range.end()),
            (first + 11, first + 23)
        );
    }

    #[test]
    fn one_finding_per_bad_element_at_the_element_with_its_space() {
        let text = pod("10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16");
        let d = lint(&text, "MESH302");
        assert_eq!(d.len(), 2);
        assert_eq!(pos(&text, &d[0]), at(&text, " 172.16.0.0/12", 1));
        assert_eq!(pos(&text, &d[1]), at(&text, " 192.168.0.0/16", 1));
        assert!(
            d[0].message.contains("netip.ParsePrefix"),
            "{}",
            d[0].message
        );
        assert_eq!(
            fixed(&text, &d[0]),
            pod("10.0.0.0/8,172.16.0.0/12, 192.168.0.0/16")
        );
    }

    #[test]
    fn bare_address_gets_a_host_length_and_garbage_gets_no_fix() {
        let text = pod("10.8.0.1");
        let d = lint(&text, "MESH302");
        assert_eq!(fixed(&text, &d[0]), pod("10.8.0.1/32"));
        for bad in [
            "010.0.0.0/8",
            "10.0.0.0/33",
            "vault.example.com",
            "fe80::1%eth0/64",
            "*",
        ] {
            let text = pod(bad);
            let d = lint(&text, "MESH302");
            assert_eq!(d.len(), 1, "{bad}");
            assert!(d[0].fix.is_none(), "{bad}");
        }
    }

    #[test]
    fn substitution_placeholders_are_left_alone() {
        for value in [
            "${VAULT_CIDR}",
            "$(VAULT_CIDR)",
            "VAULT_CIDR_PLACEHOLDER",
            "10.0.0.0/8,${EXTRA}",
        ] {
            assert!(lint(&pod(value), "MESH302").is_empty(), "{value}");
        }
    }
}
