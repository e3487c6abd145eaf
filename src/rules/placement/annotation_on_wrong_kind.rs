//! MESH206: a Pod-scoped Istio annotation on a `Namespace`, `Service`, `ConfigMap` or `IstioOperator`.

use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::istio::catalog::{self, Resource as CatalogKind};
use crate::rules::ResourceCheck;
use std::fmt::Write as _;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH206",
    name: "annotation-on-wrong-kind",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "A Pod-scoped Istio annotation is on a Namespace, Service, ConfigMap or IstioOperator",
    page: include_str!("../../../rules/MESH206-annotation-on-wrong-kind.md"),
};

/// What each checked kind's annotations mean to its pods, for the message.
fn why(kind: &str) -> &'static str {
    match kind {
        "Namespace" => "a namespace's annotations are not inherited by its pods",
        "Service" => "a Service's annotations do not reach the pods it selects",
        "ConfigMap" => "a ConfigMap's own annotations configure nothing",
        _ => "an IstioOperator's own metadata configures nothing (mesh-wide proxy settings go under spec.values.global.proxy or spec.meshConfig.defaultConfig)",
    }
}

pub fn check(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    let kind = cx.res.kind;
    let catalog_kind = match kind {
        "Namespace" => Some(CatalogKind::Namespace),
        "Service" => Some(CatalogKind::Service),
        "ConfigMap" | "IstioOperator" => None,
        _ => return,
    };
    let a = if kind.starts_with(['A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    };
    for (key, _) in cx.res.meta.annotation_entries() {
        let Some(name) = key.resolved().as_str() else {
            continue;
        };
        if !catalog::is_pod_scoped(name) {
            continue;
        }
        let mut message = format!(
            "annotation `{name}` is on {a} {kind}, but Istio reads it only from pods: {}, so it has no effect; put it on each pod template that needs it",
            why(kind)
        );
        if let (Some(ck), Some(label)) = (catalog_kind, catalog::label(name)) {
            if label.applies_to(ck) {
                let _ = write!(
                    message,
                    " (on {a} {kind}, Istio reads `{name}` as a label: move it to labels)"
                );
            }
        }
        if kind == "Namespace" && name == "sidecar.istio.io/inject" {
            message.push_str(
                " (a namespace opts in or out with the label `istio-injection: enabled` or `disabled`)",
            );
        }
        out.push(Diagnostic::new(&RULE, key.range(), message));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_util::{at, lint, pos};

    const CODE: &str = "MESH206";

    #[test]
    fn namespace_pod_annotations() {
        let text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ingest\n  labels:\n    istio-injection: enabled\n  annotations:\n    traffic.sidecar.istio.io/excludeOutboundIPRanges: \"10.0.0.1\"\n    sidecar.istio.io/interceptionMode: tproxy\n    galley.istio.io/analyze-suppress: IST0102\n    example.com/x: y\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 2);
        assert_eq!(
            pos(text, &d[0]),
            at(text, "traffic.sidecar.istio.io/excludeOutboundIPRanges", 1)
        );
        assert_eq!(
            pos(text, &d[1]),
            at(text, "sidecar.istio.io/interceptionMode", 1)
        );
        assert!(d[0].message.contains("Namespace"));
        assert!(d[0].message.contains("not inherited"));
        assert!(d[0].fix.is_none());
    }

    #[test]
    fn service_configmap_istiooperator() {
        let text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  annotations:\n    networking.istio.io/exportTo: \".\"\n    proxy.istio.io/config: '{}'\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations:\n    sidecar.istio.io/proxyCPU: 100m\n---\napiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  annotations:\n    traffic.sidecar.istio.io/excludeOutboundPorts: \"8200\"\nspec: {}\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 3);
        assert_eq!(pos(text, &d[0]), at(text, "proxy.istio.io/config", 1));
        assert_eq!(pos(text, &d[1]), at(text, "sidecar.istio.io/proxyCPU", 1));
        assert_eq!(
            pos(text, &d[2]),
            at(text, "traffic.sidecar.istio.io/excludeOutboundPorts", 1)
        );
        assert!(d[2].message.contains("spec.values.global.proxy"));
        assert!(
            d[0].message.contains("is on a Service,"),
            "{}",
            d[0].message
        );
        assert!(
            d[2].message.contains("is on an IstioOperator,"),
            "{}",
            d[2].message
        );
    }

    #[test]
    fn rev_annotation_on_a_namespace_says_label() {
        let text = "{\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {\"name\": \"n\", \"annotations\": {\"istio.io/rev\": \"canary\"}}}";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(text, &d[0]), at(text, "\"istio.io/rev\"", 1));
        assert!(d[0].message.contains("move it to labels"));
    }

    #[test]
    fn workloads_pods_and_labels_are_not_this_rules() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  annotations:\n    sidecar.istio.io/proxyCPU: 100m\nspec:\n  template:\n    metadata:\n      annotations:\n        sidecar.istio.io/proxyCPU: 100m\n    spec: {}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  annotations:\n    sidecar.istio.io/proxyCPU: 100m\nspec: {}\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: n\n  labels:\n    sidecar.istio.io/inject: \"false\"\n    istio.io/rev: canary\n";
        assert!(lint(text, CODE).is_empty());
    }

    #[test]
    fn namespace_in_a_list() {
        let text = "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Namespace\n    metadata:\n      name: n\n      annotations:\n        sidecar.istio.io/inject: \"false\"\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(text, &d[0]), at(text, "sidecar.istio.io/inject", 1));
        assert!(d[0].message.contains("istio-injection"));
    }
}
