//! MESH304: an IP-range element that repeats another element of the same list, or lies inside
//! one. `istio-iptables` adds one rule per element, so it changes nothing; the safe fix removes
//! it (with one comma), keeping the order of the others.

use super::ip_sites;
use crate::diagnostic::{Diagnostic, Fix, FixAvailability, RuleMeta, Severity};
use crate::istio::lists::{check_ip_list, find_redundant};
use crate::rules::ResourceCheck;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH304",
    name: "ip-ranges-redundant",
    severity: Severity::Info,
    fix: FixAvailability::Safe,
    summary: "An IP range list repeats or contains the same addresses twice",
    page: include_str!("../../../rules/MESH304-ip-ranges-redundant.md"),
};

pub fn check(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    for (site, kind) in ip_sites(cx) {
        let analysis = check_ip_list(site.text, kind);
        let verb = if kind.is_exclude() {
            "excludes"
        } else {
            "captures"
        };
        for r in find_redundant(&analysis) {
            let range = &analysis.elements[r.element];
            let written = &site.text[range.clone()];
            let by = &site.text[analysis.elements[r.by].clone()];
            let relation = if written == by {
                format!("appears twice in `{}`", site.name)
            } else if r.duplicate {
                format!("in `{}` is the same network as `{by}`", site.name)
            } else {
                format!("in `{}` lies inside `{by}` of the same list", site.name)
            };
            let message = format!(
                "`{written}` {relation}: it {verb} nothing more, since Istio adds one iptables rule per element"
            );
            let fix = r.fix.as_ref().and_then(|f| {
                site.edits(cx.text, &[f])
                    .map(|edits| Fix::safe(format!("remove the redundant `{written}`"), edits))
            });
            out.push(
                Diagnostic::new(&RULE, site.range_of(cx.text, range), message)
                    .with_optional_fix(fix),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::fix::apply_edits;
    use crate::rules::test_util::{at, deployment, fixed, lint, pos};

    const CODE: &str = "MESH304";

    fn exclude(v: &str) -> String {
        deployment(&format!(
            "        traffic.sidecar.istio.io/excludeOutboundIPRanges: \"{v}\"\n"
        ))
    }

    /// The text after applying every diagnostic's fix at once (they never overlap).
    fn fixed_all(text: &str, d: &[crate::diagnostic::Diagnostic]) -> String {
        let edits: Vec<_> = d
            .iter()
            .flat_map(|d| d.fix.as_ref().unwrap().edits.clone())
            .collect();
        apply_edits(text, &edits).unwrap()
    }

    #[test]
    fn located_in_a_block_with_an_indentation_indicator() {
        // Audit B4: `|-4` counts from the key's indentation; the element, not the whole value.
        let text = deployment(
            "        traffic.sidecar.istio.io/excludeOutboundIPRanges: |-4\n            10.0.0.0/8,10.96.0.0/12\n",
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(pos(&text, &d[0]), at(&text, "10.96.0.0/12", 1));
        assert_eq!(d[0].range.len(), 12);
        // A one-line body is edited in place.
        assert_eq!(
            fixed(&text, &d[0]),
            deployment(
                "        traffic.sidecar.istio.io/excludeOutboundIPRanges: |-4\n            10.0.0.0/8\n"
            )
        );
    }

    #[test]
    fn contained_range() {
        let text = exclude("10.0.0.0/8,10.96.0.0/12");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, CODE);
        assert_eq!(pos(&text, &d[0]), at(&text, "10.96.0.0/12", 1));
        assert_eq!(d[0].range.len(), 12);
        assert!(d[0].message.contains("`10.96.0.0/12`"));
        assert!(d[0].message.contains("inside `10.0.0.0/8`"));
        let fix = d[0].fix.as_ref().unwrap();
        assert_eq!(fix.applicability, crate::diagnostic::Applicability::Safe);
        assert_eq!(fixed(&text, &d[0]), exclude("10.0.0.0/8"));
    }

    #[test]
    fn contained_range_before_its_container() {
        let text = exclude("10.96.0.0/12,192.168.0.0/16,10.0.0.0/8");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(&text, &d[0]), at(&text, "10.96.0.0/12", 1));
        assert_eq!(fixed(&text, &d[0]), exclude("192.168.0.0/16,10.0.0.0/8"));
    }

    #[test]
    fn duplicates_keep_the_first() {
        let text = exclude("10.8.0.0/16,172.16.0.0/12,10.8.0.0/16");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(&text, &d[0]), at(&text, "10.8.0.0/16", 2));
        assert!(d[0].message.contains("appears twice"));
        assert_eq!(fixed(&text, &d[0]), exclude("10.8.0.0/16,172.16.0.0/12"));

        // Same network after masking host bits.
        let text = exclude("10.0.0.0/8,10.1.2.3/8");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("same network as `10.0.0.0/8`"));
        assert_eq!(fixed(&text, &d[0]), exclude("10.0.0.0/8"));
    }

    #[test]
    fn several_removals_apply_together() {
        let text = exclude("10.1.0.0/16,10.0.0.0/8,192.168.0.0/16,10.0.0.0/8,10.1.2.0/24");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 3);
        assert_eq!(pos(&text, &d[0]), at(&text, "10.1.0.0/16", 1));
        assert_eq!(pos(&text, &d[1]), at(&text, "10.0.0.0/8", 2));
        assert_eq!(pos(&text, &d[2]), at(&text, "10.1.2.0/24", 1));
        assert_eq!(fixed_all(&text, &d), exclude("10.0.0.0/8,192.168.0.0/16"));
    }

    #[test]
    fn ipv6() {
        let text = exclude("fd00::/8,2001:db8::/32,fd12:3456::/32");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(&text, &d[0]), at(&text, "fd12:3456::/32", 1));
        assert_eq!(fixed(&text, &d[0]), exclude("fd00::/8,2001:db8::/32"));
        // Families never cover each other.
        assert!(lint(&exclude("::ffff:10.0.0.0/104,10.0.0.0/8"), CODE).is_empty());
        assert!(lint(&exclude("10.0.0.0/8,fd00::/8"), CODE).is_empty());
    }

    #[test]
    fn everything_then_a_range() {
        // MESH305 takes the first element, this rule the second.
        let text = exclude("0.0.0.0/0,10.0.0.0/8");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(&text, &d[0]), at(&text, "10.0.0.0/8", 1));
        assert_eq!(fixed(&text, &d[0]), exclude("0.0.0.0/0"));
        assert!(lint(&exclude("0.0.0.0/0,::/0"), CODE).is_empty());
    }

    #[test]
    fn negatives() {
        for v in [
            "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16",
            "",
            "10.0.0.0/8",
            // Invalid elements are MESH302's; a spaced duplicate is not a valid element.
            "10.0.0.0/8, 10.0.0.0/8",
            "10.0.0.0/8,10.0.0.0/08x",
        ] {
            assert!(lint(&exclude(v), CODE).is_empty(), "{v}");
        }
        let text = deployment("        traffic.sidecar.istio.io/includeOutboundIPRanges: \"*\"\n");
        assert!(lint(&text, CODE).is_empty());
    }

    #[test]
    fn include_list_and_operator() {
        let text = deployment(
            "        traffic.sidecar.istio.io/includeOutboundIPRanges: '10.0.0.0/8,10.0.0.0/8'\n",
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("captures nothing more"));
        assert_eq!(pos(&text, &d[0]), at(&text, "10.0.0.0/8", 2));

        let iop = "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  values:\n    global:\n      proxy:\n        includeIPRanges: \"10.0.0.0/8,10.96.0.0/12\"\n        excludeIPRanges: 169.254.0.0/16,169.254.169.254/32 # metadata\n";
        let d = lint(iop, CODE);
        assert_eq!(d.len(), 2);
        assert_eq!(pos(iop, &d[0]), at(iop, "10.96.0.0/12", 1));
        assert_eq!(pos(iop, &d[1]), at(iop, "169.254.169.254/32", 1));
        assert_eq!(
            fixed(iop, &d[1]),
            iop.replace(",169.254.169.254/32 #", " #")
        );
    }

    #[test]
    fn crlf_pod_without_spec() {
        let text = "apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: p\r\n  annotations:\r\n    traffic.sidecar.istio.io/excludeOutboundIPRanges: '10.0.0.0/8,10.0.0.0/16'\r\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(text, &d[0]), at(text, "10.0.0.0/16", 1));
        assert_eq!(fixed(text, &d[0]), text.replace(",10.0.0.0/16", ""));
    }

    #[test]
    fn folded_scalar_is_rewritten_as_a_quoted_string() {
        let text = deployment(
            "        traffic.sidecar.istio.io/excludeOutboundIPRanges: >-\n          10.0.0.0/8,10.2.0.0/16\n",
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        let out = fixed(&text, &d[0]);
        assert!(
            out.contains("excludeOutboundIPRanges: \"10.0.0.0/8\"\n    spec:"),
            "{out}"
        );
    }
}
