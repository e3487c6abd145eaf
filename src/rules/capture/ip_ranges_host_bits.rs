//! MESH303: a valid IP-range element with host bits set (`10.1.2.3/8`).
//!
//! Go's `netip.ParsePrefix` keeps the bits after the prefix length, and Istio's validation
//! (`validateCIDRList`) accepts them; iptables then matches on the prefix only, so the element
//! means the whole network. The (unsafe) fix rewrites it as that network.

use super::ip_sites;
use crate::diagnostic::{Diagnostic, Fix, FixAvailability, RuleMeta, Severity};
use crate::istio::lists::{check_ip_list, host_bits_fix};
use crate::rules::ResourceCheck;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH303",
    name: "ip-ranges-host-bits",
    severity: Severity::Info,
    fix: FixAvailability::Unsafe,
    summary: "An IP range has host bits set",
    page: include_str!("../../../rules/MESH303-ip-ranges-host-bits.md"),
};

pub fn check(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    for (site, kind) in ip_sites(cx) {
        let analysis = check_ip_list(site.text, kind);
        for element in &analysis.valid {
            let Some(f) = host_bits_fix(element) else {
                continue;
            };
            let written = &site.text[element.range.clone()];
            let network = &f.replacement;
            let verb = if kind.is_exclude() {
                "excludes"
            } else {
                "captures"
            };
            let message = format!(
                "`{written}` in `{}` has host bits set: Istio accepts it as the whole network `{network}` and {verb} every address in it, not only the addresses the text suggests",
                site.name
            );
            let fix = site.edits(cx.text, &[&f]).map(|edits| {
                Fix::unsafe_(
                    format!("rewrite `{written}` as the canonical network `{network}`"),
                    edits,
                )
            });
            out.push(
                Diagnostic::new(&RULE, site.range_of(cx.text, &element.range), message)
                    .with_optional_fix(fix),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_util::{at, deployment, fixed, lint, pos};

    const CODE: &str = "MESH303";

    #[test]
    fn alias_and_folded_block() {
        // Audit B3: through an alias, at the alias, with no fix (the anchored text is shared).
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    r: &r 10.1.2.3/8\n  annotations:\n    traffic.sidecar.istio.io/excludeOutboundIPRanges: *r\nspec:\n  containers: []\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(pos(text, &d[0]), at(text, "*r", 1));
        assert!(d[0].fix.is_none());
        // Audit B4: inside a `>-` block, at the element.
        let text = deployment(
            "        traffic.sidecar.istio.io/excludeOutboundIPRanges: >-\n          10.0.0.0/8,10.244.1.0/16\n",
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(pos(&text, &d[0]), at(&text, "10.244.1.0/16", 1));
        assert_eq!(d[0].range.len(), 13);
    }

    #[test]
    fn host_bits_in_an_annotation() {
        let text = deployment(
            "        traffic.sidecar.istio.io/excludeOutboundIPRanges: \"10.0.0.0/8,10.244.1.0/16\"\n",
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, CODE);
        assert_eq!(pos(&text, &d[0]), at(&text, "10.244.1.0/16", 1));
        assert_eq!(d[0].range.len(), "10.244.1.0/16".len() as u32);
        assert!(d[0].message.contains("`10.244.1.0/16`"));
        assert!(d[0].message.contains("`10.244.0.0/16`"));
        assert!(d[0].message.contains("excludes"));
        let fix = d[0].fix.as_ref().unwrap();
        assert_eq!(fix.applicability, crate::diagnostic::Applicability::Unsafe);
        assert_eq!(
            fixed(&text, &d[0]),
            text.replace("10.244.1.0/16", "10.244.0.0/16")
        );
    }

    #[test]
    fn ipv6_and_include_lists() {
        let text = deployment(
            "        traffic.sidecar.istio.io/includeOutboundIPRanges: 'fd00::1/8,2001:db8::/32'\n",
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(&text, &d[0]), at(&text, "fd00::1/8", 1));
        assert!(d[0].message.contains("captures"));
        assert_eq!(fixed(&text, &d[0]), text.replace("fd00::1/8", "fd00::/8"));
    }

    #[test]
    fn canonical_ranges_and_hosts_are_fine() {
        for v in [
            "10.0.0.0/8",
            "10.1.2.3/32",
            "2001:db8::1/128",
            "0.0.0.0/0",
            "",
            "*",
            "10.1.2.3",
            "10.1.2.3/8x",
        ] {
            let text = deployment(&format!(
                "        traffic.sidecar.istio.io/includeOutboundIPRanges: \"{v}\"\n"
            ));
            assert!(lint(&text, CODE).is_empty(), "{v}");
        }
    }

    #[test]
    fn istio_operator_value_and_crlf() {
        let text = "apiVersion: install.istio.io/v1alpha1\r\nkind: IstioOperator\r\nspec:\r\n  values:\r\n    global:\r\n      proxy:\r\n        excludeIPRanges: 10.1.2.3/8,192.168.0.0/16\r\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(text, &d[0]), at(text, "10.1.2.3/8", 1));
        assert!(d[0]
            .message
            .contains("spec.values.global.proxy.excludeIPRanges"));
        assert_eq!(fixed(text, &d[0]), text.replace("10.1.2.3/8", "10.0.0.0/8"));
    }

    #[test]
    fn cronjob_list_and_json() {
        let cron = "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: batch/v1\n    kind: CronJob\n    metadata:\n      name: c\n    spec:\n      jobTemplate:\n        spec:\n          template:\n            metadata:\n              annotations:\n                traffic.sidecar.istio.io/excludeOutboundIPRanges: \"172.16.5.0/12\"\n            spec:\n              containers: []\n";
        let d = lint(cron, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(cron, &d[0]), at(cron, "172.16.5.0/12", 1));
        assert_eq!(
            fixed(cron, &d[0]),
            cron.replace("172.16.5.0/12", "172.16.0.0/12")
        );

        // The CronJob's own jobTemplate metadata is not where Istio reads it.
        let outer = "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: c\nspec:\n  jobTemplate:\n    metadata:\n      annotations:\n        traffic.sidecar.istio.io/excludeOutboundIPRanges: \"172.16.5.0/12\"\n    spec:\n      template:\n        spec:\n          containers: []\n";
        assert!(lint(outer, CODE).is_empty());

        let json = "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"p\", \"annotations\": {\"traffic.sidecar.istio.io/excludeOutboundIPRanges\": \"10.0.0.1/24\"}}, \"spec\": {\"containers\": []}}";
        let d = lint(json, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(json, &d[0]), at(json, "10.0.0.1/24", 1));
        assert_eq!(
            fixed(json, &d[0]),
            json.replace("10.0.0.1/24", "10.0.0.0/24")
        );
    }

    #[test]
    fn literal_block_scalar() {
        let text = deployment(
            "        traffic.sidecar.istio.io/excludeOutboundIPRanges: |-\n          10.1.0.0/8\n",
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(&text, &d[0]), at(&text, "10.1.0.0/8", 1));
        assert_eq!(
            fixed(&text, &d[0]),
            text.replace("10.1.0.0/8", "10.0.0.0/8")
        );
    }
}
