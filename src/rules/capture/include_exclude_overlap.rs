//! MESH307: the same port or IP range both included and excluded in one pod's capture
//! annotations, or in one `IstioOperator`'s `values.global.proxy`.
//!
//! What wins depends on the direction (istio/istio `tools/istio-iptables/pkg/capture/run.go`):
//! outbound exclusions (ports and CIDRs) are `RETURN` rules installed before any inclusion, so
//! the exclusion wins and the include entry is dead; inbound exclusions are applied only when
//! `includeInboundPorts` is `*`, so with an explicit include list the inclusion wins and the
//! exclude entry is dead. An include of `*` with explicit excludes is the normal carve-out and
//! is never reported.
//!
//! IP ranges: an included range equal to or inside an excluded one is reported (the exclusion
//! takes all of it, so the include entry does nothing). An excluded range inside an included
//! one is the usual carve-out ("capture 10.0.0.0/8 except 10.96.0.0/12") and is not. CIDRs
//! never partly overlap, so these are the only cases.

use super::{ip_sites, port_sites, ListSite};
use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::istio::lists::{check_ip_list, check_port_list, IpListKind, PortListKind};
use crate::rules::ResourceCheck;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH307",
    name: "include-exclude-overlap",
    severity: Severity::Info,
    fix: FixAvailability::None,
    summary: "The same range or port is both included and excluded",
    page: include_str!("../../../rules/MESH307-include-exclude-overlap.md"),
};

const IP_PAIRS: [(IpListKind, IpListKind); 2] = [
    (IpListKind::IncludeAnnotation, IpListKind::ExcludeAnnotation),
    (IpListKind::OperatorInclude, IpListKind::OperatorExclude),
];

/// (include, exclude, inbound)
const PORT_PAIRS: [(PortListKind, PortListKind, bool); 4] = [
    (
        PortListKind::IncludeInboundAnnotation,
        PortListKind::ExcludeInboundAnnotation,
        true,
    ),
    (
        PortListKind::IncludeOutboundAnnotation,
        PortListKind::ExcludeOutboundAnnotation,
        false,
    ),
    (
        PortListKind::OperatorIncludeInbound,
        PortListKind::OperatorExcludeInbound,
        true,
    ),
    (
        PortListKind::OperatorIncludeOutbound,
        PortListKind::OperatorExcludeOutbound,
        false,
    ),
];

fn find<'s, 'd, 'a, K: PartialEq + Copy>(
    sites: &'s [(ListSite<'d, 'a>, K)],
    kind: K,
) -> Option<&'s ListSite<'d, 'a>> {
    sites.iter().find(|(_, k)| *k == kind).map(|(s, _)| s)
}

/// The short name of a list for messages (`excludeOutboundPorts`).
fn short<'s>(site: &'s ListSite<'_, '_>) -> &'s str {
    site.name.rsplit(['/', '.']).next().unwrap_or(&site.name)
}

fn check_ips(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    let sites = ip_sites(cx);
    for (inc_kind, exc_kind) in IP_PAIRS {
        let (Some(inc), Some(exc)) = (find(&sites, inc_kind), find(&sites, exc_kind)) else {
            continue;
        };
        let included = check_ip_list(inc.text, inc_kind);
        if included.wildcard {
            continue;
        }
        let excluded = check_ip_list(exc.text, exc_kind);
        for element in &included.valid {
            let net = element.net.trunc();
            let Some(by) = excluded.valid.iter().find(|x| x.net.trunc().contains(&net)) else {
                continue;
            };
            let written = &inc.text[element.range.clone()];
            let excluded_text = &exc.text[by.range.clone()];
            let relation = if written == excluded_text {
                format!(
                    "is both included (`{}`) and excluded (`{}`)",
                    short(inc),
                    short(exc)
                )
            } else if by.net.trunc() == net {
                format!(
                    "in `{}` is the same network as `{excluded_text}`, which `{}` excludes",
                    short(inc),
                    short(exc)
                )
            } else {
                format!(
                    "in `{}` lies inside `{excluded_text}`, which `{}` excludes",
                    short(inc),
                    short(exc)
                )
            };
            let message = format!(
                "`{written}` {relation}: Istio applies outbound exclusions before inclusions, so this traffic is not captured and the include entry does nothing"
            );
            out.push(Diagnostic::new(
                &RULE,
                inc.range_of(cx.text, &element.range),
                message,
            ));
        }
    }
}

fn check_ports(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    let sites = port_sites(cx);
    for (inc_kind, exc_kind, inbound) in PORT_PAIRS {
        let (Some(inc), Some(exc)) = (find(&sites, inc_kind), find(&sites, exc_kind)) else {
            continue;
        };
        let included = check_port_list(inc.text, inc_kind);
        if included.wildcard || inc.text.trim() == "*" {
            continue;
        }
        let excluded = check_port_list(exc.text, exc_kind);
        let mut seen = Vec::new();
        for (range, port) in &included.ports {
            if seen.contains(port) || !excluded.ports.iter().any(|(_, p)| p == port) {
                continue;
            }
            seen.push(*port);
            let effect = if inbound {
                format!(
                    "with an explicit include list Istio ignores `{}` (it applies only when `{}` is `*`), so port {port} is captured and the exclude entry does nothing",
                    short(exc),
                    short(inc)
                )
            } else {
                format!(
                    "Istio applies outbound port exclusions before inclusions, so port {port} is not captured and the include entry does nothing"
                )
            };
            let message = format!(
                "port {port} is both in `{}` and in `{}`: {effect}",
                short(inc),
                short(exc)
            );
            out.push(Diagnostic::new(
                &RULE,
                inc.range_of(cx.text, range),
                message,
            ));
        }
    }
}

pub fn check(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    check_ips(cx, out);
    check_ports(cx, out);
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Severity;
    use crate::rules::test_util::{at, deployment, lint, pos};

    const CODE: &str = "MESH307";

    #[test]
    fn an_aliased_include_is_reported_at_the_alias() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    p: &p \"8080,9090\"\n  annotations:\n    traffic.sidecar.istio.io/includeInboundPorts: *p\n    traffic.sidecar.istio.io/excludeInboundPorts: \"9090\"\nspec:\n  containers: []\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(pos(text, &d[0]), at(text, "*p", 1));
    }

    fn pair(inc: (&str, &str), exc: (&str, &str)) -> String {
        deployment(&format!(
            "        traffic.sidecar.istio.io/{}: \"{}\"\n        traffic.sidecar.istio.io/{}: \"{}\"\n",
            inc.0, inc.1, exc.0, exc.1
        ))
    }

    #[test]
    fn inbound_port_in_both_lists() {
        let text = pair(
            ("includeInboundPorts", "8080,9090"),
            ("excludeInboundPorts", "9090"),
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, CODE);
        assert_eq!(d[0].severity, Severity::Info);
        assert_eq!(pos(&text, &d[0]), at(&text, "9090", 1));
        assert!(d[0].message.contains("port 9090"));
        assert!(d[0].message.contains("ignores `excludeInboundPorts`"));
        assert!(d[0].message.contains("is captured"));
        assert!(d[0].fix.is_none());
    }

    #[test]
    fn outbound_port_in_both_lists_compared_as_numbers() {
        let text = pair(
            ("includeOutboundPorts", "443, 0080"),
            ("excludeOutboundPorts", "80,8200"),
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        // The include element, its surrounding spaces included.
        assert_eq!(pos(&text, &d[0]), at(&text, " 0080", 1));
        assert!(d[0].message.contains("port 80 "));
        assert!(d[0].message.contains("not captured"));
    }

    #[test]
    fn wildcard_include_is_a_carve_out() {
        for (inc, exc) in [
            (
                ("includeInboundPorts", "*"),
                ("excludeInboundPorts", "9090"),
            ),
            (
                ("includeOutboundPorts", "*"),
                ("excludeOutboundPorts", "8200"),
            ),
            (
                ("includeOutboundIPRanges", "*"),
                ("excludeOutboundIPRanges", "10.0.0.0/8"),
            ),
            // An excluded range inside an included one: the usual carve-out.
            (
                ("includeOutboundIPRanges", "10.0.0.0/8"),
                ("excludeOutboundIPRanges", "10.96.0.0/12"),
            ),
            // Disjoint, other families.
            (
                ("includeOutboundIPRanges", "10.0.0.0/8,fd00::/8"),
                (
                    "excludeOutboundIPRanges",
                    "192.168.0.0/16,::ffff:10.0.0.0/104",
                ),
            ),
            (
                ("includeInboundPorts", "8080"),
                ("excludeInboundPorts", "9090"),
            ),
            (("includeInboundPorts", ""), ("excludeInboundPorts", "")),
            // Invalid elements are MESH302/306's.
            (
                ("includeInboundPorts", "80-90"),
                ("excludeInboundPorts", "80-90"),
            ),
        ] {
            let text = pair(inc, exc);
            assert!(lint(&text, CODE).is_empty(), "{inc:?} {exc:?}");
        }
        // Same port on different directions is no overlap.
        let text = pair(
            ("includeInboundPorts", "8200"),
            ("excludeOutboundPorts", "8200"),
        );
        assert!(lint(&text, CODE).is_empty());
    }

    #[test]
    fn ip_ranges() {
        let text = pair(
            ("includeOutboundIPRanges", "10.96.0.0/12,172.16.0.0/12"),
            ("excludeOutboundIPRanges", "172.16.0.0/12"),
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(&text, &d[0]), at(&text, "172.16.0.0/12", 1));
        assert!(d[0].message.contains("both included"));
        assert!(d[0].message.contains("not captured"));

        // An included range inside an excluded one is dead too.
        let text = pair(
            ("includeOutboundIPRanges", "10.96.0.0/12"),
            ("excludeOutboundIPRanges", "10.0.0.0/8"),
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(&text, &d[0]), at(&text, "10.96.0.0/12", 1));
        assert!(d[0].message.contains("lies inside `10.0.0.0/8`"));

        let text = pair(
            ("includeOutboundIPRanges", "fd00:1::/32"),
            ("excludeOutboundIPRanges", "fd00::/16"),
        );
        assert_eq!(lint(&text, CODE).len(), 1);

        // Host bits: the same network written differently names the excluded element.
        let text = pair(
            ("includeOutboundIPRanges", "127.0.0.1/24,10.96.0.1/24"),
            ("excludeOutboundIPRanges", "10.96.0.2/24,10.96.0.3/24"),
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(&text, &d[0]), at(&text, "10.96.0.1/24", 1));
        assert!(d[0].message.contains("same network as `10.96.0.2/24`"));
    }

    #[test]
    fn istio_operator_values() {
        let iop = "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  values:\n    global:\n      proxy:\n        includeIPRanges: 10.0.0.0/8\n        excludeIPRanges: 10.0.0.0/8\n        includeInboundPorts: \"*\"\n        excludeInboundPorts: \"15020\"\n        includeOutboundPorts: \"8200\"\n        excludeOutboundPorts: \"8200\"\n";
        let d = lint(iop, CODE);
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(pos(iop, &d[0]), at(iop, "10.0.0.0/8", 1));
        assert!(d[0].message.contains("`includeIPRanges`"));
        assert_eq!(pos(iop, &d[1]), at(iop, "8200", 1));
    }

    #[test]
    fn annotation_and_mesh_wide_values_are_not_paired() {
        // Different resources (and the pod's key overrides the mesh-wide one anyway).
        let text = "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  values:\n    global:\n      proxy:\n        excludeOutboundPorts: \"8200\"\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  annotations:\n    traffic.sidecar.istio.io/includeOutboundPorts: \"8200\"\n";
        assert!(lint(text, CODE).is_empty());
    }

    #[test]
    fn duplicates_in_the_include_list_report_once() {
        let text = pair(
            ("includeInboundPorts", "9090,9090"),
            ("excludeInboundPorts", "9090"),
        );
        assert_eq!(lint(&text, CODE).len(), 1);
    }

    #[test]
    fn list_items_crlf_and_json() {
        let text = "apiVersion: v1\r\nkind: List\r\nitems:\r\n- apiVersion: apps/v1\r\n  kind: StatefulSet\r\n  spec:\r\n    template:\r\n      metadata:\r\n        annotations:\r\n          traffic.sidecar.istio.io/includeOutboundPorts: '5432'\r\n          traffic.sidecar.istio.io/excludeOutboundPorts: '5432'\r\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(text, &d[0]), at(text, "5432", 1));
        let json = "{\"kind\": \"Pod\", \"apiVersion\": \"v1\", \"metadata\": {\"annotations\": {\"traffic.sidecar.istio.io/includeOutboundIPRanges\": \"10.1.0.0/16\", \"traffic.sidecar.istio.io/excludeOutboundIPRanges\": \"10.0.0.0/8\"}}}";
        let d = lint(json, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(json, &d[0]), at(json, "10.1.0.0/16", 1));
    }
}
