//! MESH305: an IP exclusion that covers a whole address family (`0.0.0.0/0`, `::/0`, any `/0`).
//!
//! `istio-iptables` installs the exclusion `RETURN` rules before any redirect, so every outbound
//! packet of that family bypasses Envoy. No fix: only the author knows what was meant.

use super::ip_sites;
use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::istio::lists::{check_ip_list, covers_everything};
use crate::rules::ResourceCheck;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH305",
    name: "ip-ranges-everything",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "An exclusion covers all of IPv4 or IPv6",
    page: include_str!("../../../rules/MESH305-ip-ranges-everything.md"),
};

pub fn check(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    for (site, kind) in ip_sites(cx) {
        if !kind.is_exclude() {
            continue;
        }
        let analysis = check_ip_list(site.text, kind);
        for element in &analysis.valid {
            if !covers_everything(&element.net) {
                continue;
            }
            let written = &site.text[element.range.clone()];
            let family = match element.net {
                ipnet::IpNet::V4(_) => "IPv4",
                ipnet::IpNet::V6(_) => "IPv6",
            };
            let effect = if site.operator {
                format!("every injected pod without its own excludeOutboundIPRanges annotation sends all its outbound {family} traffic past the sidecar")
            } else {
                format!("all of the pod's outbound {family} traffic bypasses the sidecar")
            };
            let message = format!(
                "`{written}` in `{}` excludes every {family} address: {effect}, with no mTLS, routing, retries or telemetry",
                site.name
            );
            out.push(Diagnostic::new(
                &RULE,
                site.range_of(cx.text, &element.range),
                message,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Severity;
    use crate::rules::test_util::{at, deployment, lint, pos};

    const CODE: &str = "MESH305";

    fn exclude(v: &str) -> String {
        deployment(&format!(
            "        traffic.sidecar.istio.io/excludeOutboundIPRanges: \"{v}\"\n"
        ))
    }

    #[test]
    fn all_of_ipv4() {
        let text = exclude("0.0.0.0/0");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, CODE);
        assert_eq!(d[0].severity, Severity::Warning);
        assert_eq!(pos(&text, &d[0]), at(&text, "0.0.0.0/0", 1));
        assert_eq!(d[0].range.len(), 9);
        assert!(d[0].message.contains("`0.0.0.0/0`"));
        assert!(d[0].message.contains("every IPv4 address"));
        assert!(d[0].fix.is_none());
    }

    #[test]
    fn both_families_give_two_findings() {
        let text = exclude("0.0.0.0/0,::/0");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 2);
        assert_eq!(pos(&text, &d[0]), at(&text, "0.0.0.0/0", 1));
        assert_eq!(pos(&text, &d[1]), at(&text, "::/0", 1));
        assert!(d[1].message.contains("every IPv6 address"));
    }

    #[test]
    fn with_a_redundant_neighbour_and_host_bits() {
        let text = exclude("10.0.0.0/8,10.0.0.0/0");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(&text, &d[0]), at(&text, "10.0.0.0/0", 1));
        let text = exclude("0.0.0.0/0,10.0.0.0/8");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(&text, &d[0]), at(&text, "0.0.0.0/0", 1));
    }

    #[test]
    fn negatives() {
        for v in [
            "0.0.0.0/1,128.0.0.0/1",
            "10.0.0.0/8",
            "*",
            "",
            "0.0.0.0/00",
            " 0.0.0.0/0",
        ] {
            assert!(lint(&exclude(v), CODE).is_empty(), "{v}");
        }
        // Include lists capture everything by default: not this rule.
        let text = deployment(
            "        traffic.sidecar.istio.io/includeOutboundIPRanges: \"0.0.0.0/0,::/0\"\n",
        );
        assert!(lint(&text, CODE).is_empty());
        let iop = "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  values:\n    global:\n      proxy:\n        includeIPRanges: 0.0.0.0/0\n";
        assert!(lint(iop, CODE).is_empty());
    }

    #[test]
    fn istio_operator_exclusion() {
        let iop = "apiVersion: install.istio.io/v1alpha1\r\nkind: IstioOperator\r\nspec:\r\n  values:\r\n    global:\r\n      proxy:\r\n        excludeIPRanges: '::/0'\r\n";
        let d = lint(iop, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(iop, &d[0]), at(iop, "::/0", 1));
        assert!(d[0].message.contains("every injected pod"));
    }

    #[test]
    fn cronjob_and_json() {
        let cron = "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: c\nspec:\n  jobTemplate:\n    spec:\n      template:\n        metadata:\n          annotations:\n            traffic.sidecar.istio.io/excludeOutboundIPRanges: 0.0.0.0/0\n        spec:\n          containers: []\n";
        let d = lint(cron, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(cron, &d[0]), at(cron, "0.0.0.0/0", 1));
        let json = "{\"kind\": \"Pod\", \"apiVersion\": \"v1\", \"metadata\": {\"annotations\": {\"traffic.sidecar.istio.io/excludeOutboundIPRanges\": \"10.0.0.0/8,::/0\"}}}";
        let d = lint(json, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(json, &d[0]), at(json, "::/0", 1));
    }
}
