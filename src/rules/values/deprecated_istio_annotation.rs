//! MESH505: an annotation Istio's catalogue marks deprecated.

use crate::context::Requires;
use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::istio::catalog::{KeyCheck, KeyClaim};
use crate::k8s::MetaMap;
use crate::rules::ResourceCheck;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH505",
    name: "deprecated-istio-annotation",
    severity: Severity::Info,
    fix: FixAvailability::None,
    summary: "A deprecated Istio annotation is used",
    page: include_str!("../../../rules/MESH505-deprecated-istio-annotation.md"),
};

/// Keys a more specific rule reports: the inject annotation (MESH203 on pods, MESH201 on
/// workloads, MESH206 on namespaces).
const COVERED: &[&str] = &["sidecar.istio.io/inject"];

/// What replaces a deprecated annotation (from the catalogue's descriptions), for the message.
fn replacement(name: &str) -> Option<&'static str> {
    Some(match name {
        "sidecar.istio.io/statsInclusionPrefixes"
        | "sidecar.istio.io/statsInclusionSuffixes"
        | "sidecar.istio.io/statsInclusionRegexps" => {
            "use `proxyStatsMatcher` in `proxy.istio.io/config` instead"
        }
        "sidecar.istio.io/statsCompression" => {
            "use `statsCompression` in `proxy.istio.io/config` or the mesh-wide `defaultConfig` instead"
        }
        "sidecar.istio.io/extraStatTags" => {
            "use `extraStatTags` in `proxy.istio.io/config` instead"
        }
        "traffic.sidecar.istio.io/kubevirtInterfaces" => {
            "use `istio.io/reroute-virtual-interfaces` instead"
        }
        "sidecar.istio.io/discoveryAddress" => {
            "set `discoveryAddress` in `proxy.istio.io/config` instead"
        }
        _ => return None,
    })
}

pub fn check(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    for meta in cx.res.metadata_blocks() {
        for (key, _) in meta.entries(MetaMap::Annotations) {
            let Some(name) = key.resolved().as_str() else {
                continue;
            };
            if COVERED.contains(&name) {
                continue;
            }
            // Deprecated in some version's catalogue: judged against the target's (or the
            // newest) once it is known (see `Context::verdict`).
            let Some(check) = KeyCheck::of(name, KeyClaim::Deprecated) else {
                continue;
            };
            let mut message = format!(
                "annotation `{name}` is deprecated in Istio's catalogue and may stop working in a future Istio version"
            );
            if let Some(r) = replacement(name) {
                message.push_str("; ");
                message.push_str(r);
            }
            out.push(
                Diagnostic::new(&RULE, key.range(), message).requiring(Requires {
                    catalogue: Some(check),
                    ..Requires::default()
                }),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_util::{at, lint, pos};

    const CODE: &str = "MESH505";

    #[test]
    fn deprecated_pod_annotations() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: p\nspec:\n  template:\n    metadata:\n      annotations:\n        proxy.istio.io/config: '{}'\n        sidecar.istio.io/statsInclusionPrefixes: \"cluster.outbound\"\n        traffic.sidecar.istio.io/kubevirtInterfaces: net1\n        sidecar.istio.io/inject: \"false\"\n    spec: {}\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 2);
        assert_eq!(
            pos(text, &d[0]),
            at(text, "sidecar.istio.io/statsInclusionPrefixes", 1)
        );
        assert!(d[0].message.contains("proxyStatsMatcher"));
        assert_eq!(
            pos(text, &d[1]),
            at(text, "traffic.sidecar.istio.io/kubevirtInterfaces", 1)
        );
        assert!(d[1].message.contains("istio.io/reroute-virtual-interfaces"));
        assert!(d[0].fix.is_none());
    }

    #[test]
    fn services_cronjobs_and_json() {
        let text = "{\"apiVersion\": \"v1\", \"kind\": \"Service\", \"metadata\": {\"annotations\": {\"alpha.istio.io/kubernetes-serviceaccounts\": \"a\"}}}\n---\napiVersion: batch/v1\nkind: CronJob\nspec:\n  jobTemplate:\n    spec:\n      template:\n        metadata:\n          annotations:\n            sidecar.istio.io/extraStatTags: a\n        spec: {}\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 2);
        assert_eq!(
            pos(text, &d[0]),
            at(text, "\"alpha.istio.io/kubernetes-serviceaccounts\"", 1)
        );
        assert_eq!(
            pos(text, &d[1]),
            at(text, "sidecar.istio.io/extraStatTags", 1)
        );
    }

    #[test]
    fn labels_and_current_annotations_are_fine() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  labels:\n    security.istio.io/tlsMode: istio\n    sidecar.istio.io/inject: \"true\"\n  annotations:\n    sidecar.istio.io/proxyCPU: 100m\n    istio.io/reroute-virtual-interfaces: net1\nspec: {}\n";
        assert!(lint(text, CODE).is_empty());
    }
}
