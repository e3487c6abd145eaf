//! MESH302: an IP-range list element that Go's `netip.ParsePrefix` rejects.

use super::ip_sites;
use crate::diagnostic::{Diagnostic, Fix, FixAvailability, RuleMeta, Severity};
use crate::istio::lists::{check_ip_list, IssueCause, Stage};
use crate::rules::ResourceCheck;
use crate::yaml::resolve::{resolve, ScalarType};

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH302",
    name: "ip-ranges-malformed",
    severity: Severity::Error,
    fix: FixAvailability::SometimesSafe,
    summary: "An IP-range list has an element Istio rejects",
    page: include_str!("../../../rules/MESH302-ip-ranges-malformed.md"),
};

pub fn check(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    for (site, kind) in ip_sites(cx) {
        let analysis = check_ip_list(site.text, kind);
        for issue in &analysis.issues {
            // `${VAULT_CIDR}` and friends are filled in before the manifest reaches the cluster.
            if issue.cause == IssueCause::Invalid
                && crate::k8s::is_placeholder_element(&site.text[issue.range.clone()])
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
                let edits = site.edits(cx.text, &[f])?;
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
                Diagnostic::new(&RULE, site.range_of(cx.text, &issue.range), message)
                    .with_optional_fix(fix),
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

    /// `(line, column)` of both ends of `d`'s range.
    fn span(text: &str, d: &crate::diagnostic::Diagnostic) -> ((u32, u32), (u32, u32)) {
        let index = crate::source::LineIndex::new(text);
        let lc = |o| {
            let lc = index.line_col(text, o);
            (lc.line, lc.column)
        };
        (lc(d.range.start()), lc(d.range.end()))
    }

    /// A Pod whose annotations are `annotations` (indented by four).
    fn pod_with(annotations: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n{annotations}spec:\n  containers: []\n"
        )
    }

    #[test]
    fn block_header_comment_survives_the_quoted_rewrite() {
        // Audit B1: the comment after `|` stays after the quoted value.
        let text = pod_with(
            "    traffic.sidecar.istio.io/excludeOutboundIPRanges: |  # Vault cluster\n      10.20.0.0/16\n",
        );
        let d = lint(&text, "MESH302");
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(
            fixed(&text, &d[0]),
            pod_with(
                "    traffic.sidecar.istio.io/excludeOutboundIPRanges: \"10.20.0.0/16\"  # Vault cluster\n"
            )
        );
        // `>` with a tab before the comment, and a strip indicator after a digit.
        let text = pod_with(
            "    traffic.sidecar.istio.io/excludeOutboundIPRanges: >2-\t# db\n      10.20.0.0/16, 10.30.0.0/16\n",
        );
        let d = lint(&text, "MESH302");
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(
            fixed(&text, &d[0]),
            pod_with(
                "    traffic.sidecar.istio.io/excludeOutboundIPRanges: \"10.20.0.0/16,10.30.0.0/16\"\t# db\n"
            )
        );
    }

    #[test]
    fn an_alias_is_checked_with_the_value_it_names_and_reported_at_the_alias() {
        // Audit B3.
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    cidrs: &cidrs 10.0.0.1\n  annotations:\n    traffic.sidecar.istio.io/excludeOutboundIPRanges: *cidrs\nspec:\n  containers: []\n";
        let d = lint(text, "MESH302");
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(span(text, &d[0]), ((8, 55), (8, 61)));
        assert!(d[0].message.contains("failed parsing cidr '10.0.0.1'"));
        assert!(d[0].fix.is_none(), "the anchored text is shared");
        // The anchor in another item of a `kind: List`: one finding per bad element, all at
        // the alias.
        let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: c\n    annotations:\n      ranges: &ranges \"10.0.0.1,10.1.0.0/16, 10.2.0.0/16\"\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p\n    annotations:\n      traffic.sidecar.istio.io/excludeOutboundIPRanges: *ranges\n  spec:\n    containers: []\n";
        let d = lint(text, "MESH302");
        assert_eq!(d.len(), 2, "{d:?}");
        for d in &d {
            assert_eq!(span(text, d), ((15, 57), (15, 64)));
            assert!(d.fix.is_none());
        }
    }

    #[test]
    fn elements_are_located_in_folded_plain_and_indented_blocks() {
        // Audit B4 (`r4.yaml`): the element, not the whole value.
        let text = pod_with(concat!(
            "    proxy.istio.io/config: '{\"holdApplicationUntilProxyStarts\": true}'\n",
            "    traffic.sidecar.istio.io/excludeOutboundIPRanges: >-\n",
            "      10.0.0.0/8,1.2.3.4\n",
            "    traffic.sidecar.istio.io/includeOutboundIPRanges: 172.16.0.0/12,\n",
            "      1.2.3.4/32,5.6.7.8\n",
        ));
        let d = lint(&text, "MESH302");
        assert_eq!(d.len(), 3, "{d:?}");
        assert_eq!(span(&text, &d[0]), ((8, 18), (8, 25)));
        // The folded line break is the space after the comma.
        assert_eq!(span(&text, &d[1]), ((9, 69), (10, 17)));
        assert!(d[1].message.contains("space after the comma"));
        assert_eq!(span(&text, &d[2]), ((10, 18), (10, 25)));
        // The fixes: the folded block becomes quoted; the plain scalar is edited in place.
        assert!(fixed(&text, &d[0]).contains(
            "    traffic.sidecar.istio.io/excludeOutboundIPRanges: '10.0.0.0/8,1.2.3.4/32'\n    traffic"
        ));
        assert!(fixed(&text, &d[1])
            .contains("includeOutboundIPRanges: 172.16.0.0/12,1.2.3.4/32,5.6.7.8\nspec"));
        assert!(fixed(&text, &d[2]).contains("      1.2.3.4/32,5.6.7.8/32\n"));

        // `|2-` and `|-4`: the indicator counts from the key's indentation.
        let text = pod_with(concat!(
            "    traffic.sidecar.istio.io/excludeOutboundIPRanges: |2-\n",
            "        10.0.0.0/8,1.2.3.4\n",
            "    traffic.sidecar.istio.io/includeOutboundIPRanges: |-4\n",
            "        10.0.0.0/8,\n",
            "        ,5.6.7.8/32\n",
        ));
        let d = lint(&text, "MESH302");
        assert_eq!(d.len(), 3, "{d:?}");
        // `|2-`: content indented by 6, so the value starts with two spaces.
        assert_eq!(span(&text, &d[0]), ((7, 7), (7, 19)));
        assert!(d[0].message.contains("leading space"));
        assert_eq!(span(&text, &d[1]), ((7, 20), (7, 27)));
        // `|-4`: an element that is only the line break between two lines.
        assert_eq!(span(&text, &d[2]), ((9, 20), (10, 9)));
        assert!(d[2].message.contains("newline"));
    }

    #[test]
    fn operator_star_exclude_message_says_it_once() {
        // Audit B10.
        let text = "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  name: m\nspec:\n  values:\n    global:\n      proxy:\n        excludeIPRanges: \"*\"\n";
        let d = lint(text, "MESH302");
        assert_eq!(d.len(), 1);
        assert_eq!(
            d[0].message,
            "`spec.values.global.proxy.excludeIPRanges` element is invalid: istioctl accepts `*` for \
             excludeIPRanges, but istio-init rejects it when the pod starts (invalid value for \
             OUTBOUND_IP_RANGES_EXCLUDE), and so does istio-cni (failed parsing cidr '*': \
             netip.ParsePrefix(\"*\"): no '/'); no injected pod that takes this mesh-wide value \
             becomes ready"
        );
        assert_eq!(d[0].message.matches("when the pod starts").count(), 1);
    }

    #[test]
    fn a_value_of_only_blanks_or_commas_has_no_fix() {
        // Dropping every element would empty the list, which means something else (MESH301).
        for v in [" ", ",", ",,", " , "] {
            let text = pod(v);
            let d = lint(&text, "MESH302");
            assert!(!d.is_empty(), "{v:?}");
            assert!(d.iter().all(|d| d.fix.is_none()), "{v:?}");
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
