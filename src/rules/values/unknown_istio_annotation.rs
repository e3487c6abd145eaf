//! MESH502: an annotation or label key in Istio's namespace that Istio does not know.

use crate::context::Requires;
use crate::diagnostic::{
    Applicability, Diagnostic, Edit, Fix, FixAvailability, RuleMeta, Severity,
};
use crate::istio::catalog::{self, KeyCheck, KeyClaim, Suggestion};
use crate::k8s::scalar_string;
use crate::k8s::MetaMap;
use crate::rules::selectors::{self, LabelChange};
use crate::rules::ResourceCheck;
use crate::yaml::{NodeRef, ScalarStyle};
use std::fmt::Write as _;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH502",
    name: "unknown-istio-annotation",
    severity: Severity::Warning,
    fix: FixAvailability::SometimesSafeOrUnsafe,
    summary: "An istio.io annotation or label key Istio does not know",
    page: include_str!("../../../rules/MESH502-unknown-istio-annotation.md"),
};

/// Keys in Istio's namespace that Istio itself writes or reads although istio/api's catalogues
/// do not list them (istio/istio at 86c9f01; where each is defined). Reporting them would be a
/// false alarm on manifests Istio generated or documents.
const UPSTREAM_KEYS: &[&str] = &[
    // Service label for Knative (pilot DisableGatewayPortTranslationLabel).
    "experimental.istio.io/disable-gateway-port-translation",
    // GatewayClass defaults ConfigMap label (gatewaycommon/gateway_utils.go).
    "gateway.istio.io/defaults-for-class",
    // Read on gateway pods by the injector (pkg/kube/inject/inject.go).
    "gateway.istio.io/agentgatewayImage",
    // Labels istioctl install writes on everything it creates (operator/pkg/manifest/name.go).
    "install.operator.istio.io/owning-resource",
    "install.operator.istio.io/owning-resource-namespace",
    "install.operator.istio.io/owning-resource-not-pruned",
    // istiod's label on the istio-ca-root-cert ConfigMaps (namespacecontroller.go).
    "istio.io/config",
    // Service annotation (pilot/pkg/model/service.go).
    "istio.io/connect-strategy",
    // Labels named by PILOT_DRAINING_LABEL, PILOT_PERSISTENT_SESSION(_HEADER)_LABEL.
    "istio.io/draining",
    "istio.io/persistent-session",
    "istio.io/persistent-session-header",
    // Label of gateway Deployments before 1.24, still on upgraded ones (deploymentcontroller.go).
    "istio.io/gateway-name",
    // Annotation on Gateway API policies (gateway/backend_policies.go).
    "istio.io/ignore-policy-attachment",
    // Labels on the Services istiod generates for InferencePools (inferencepool_collection.go).
    "istio.io/inferencepool-extension-failure-mode",
    "istio.io/inferencepool-extension-port",
    "istio.io/inferencepool-extension-service",
    "istio.io/inferencepool-name",
    // Gateway annotation (gateway/conversion.go addressTypeOverride).
    "networking.istio.io/address-type",
    // istioctl's annotation on remote secrets (istioctl/pkg/multicluster).
    "networking.istio.io/cluster",
    // Label the injector writes on pods (model.TunnelLabel).
    "networking.istio.io/tunnel",
    // Annotations read by pilot (model/envoyfilter.go, core/listener_waypoint.go).
    "envoyfilter.istio.io/referenced-services",
    "ambient.istio.io/xfcc-include-client-identity",
    // Lease annotation of istiod's leader election.
    "leader.istio.io/holder-key",
    // Pod annotation of multi-port metrics merging (architecture/networking, pilot-agent).
    "prometheus.istio.io/scrape-targets",
    // Written on pods by the injector (pkg/kube/inject/webhook.go).
    "prometheus.istio.io/secure-port",
    // WorkloadEntry annotation written by istiod (model/status/workloadentry.go).
    "proxy.istio.io/health-checks-enabled",
];

/// Whether Istio writes or reads `name` outside the catalogues.
fn upstream_key(name: &str) -> bool {
    UPSTREAM_KEYS.contains(&name) || name.starts_with("internal.istio.io/")
}

/// The key renamed to `new`, in the key's own quote style.
fn rename(key: NodeRef<'_, '_>, new: &str) -> Option<Edit> {
    if key.is_alias() || key.node().anchored {
        return None;
    }
    let text = match key.style()? {
        ScalarStyle::Plain => new.to_owned(),
        ScalarStyle::SingleQuoted => format!("'{new}'"),
        ScalarStyle::DoubleQuoted => serde_json::to_string(new).ok()?,
        _ => return None,
    };
    Some(Edit::replace(key.range(), text))
}

pub fn check(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    for meta in cx.res.metadata_blocks() {
        for which in [MetaMap::Annotations, MetaMap::Labels] {
            let entries = meta.entries(which);
            let pod_labels = which == MetaMap::Labels && selectors::is_pod_meta(cx, &meta);
            for &(key, value) in &entries {
                let Some(name) = key.resolved().as_str() else {
                    continue;
                };
                if !catalog::is_istio_key(name) || upstream_key(name) {
                    continue;
                }
                let noun = which.noun();
                let known_annotation = catalog::annotation(name).is_some();
                let known_label = catalog::label(name).is_some();
                // Unknown means in neither the annotation nor the label catalogue,
                // wherever the key sits. A known annotation under labels is MESH202's; a known
                // label under annotations is no finding (tools copy labels into annotations).
                let check = KeyCheck::of(name, KeyClaim::Unknown);
                if known_annotation || known_label {
                    // An annotation known to the newest catalogue, not to every version's:
                    // reported only when the target is one of those (see `Context::verdict`).
                    // Not labels: before 1.24, labels.yaml lacked labels Istio read (ambient's
                    // `istio.io/dataplane-mode`), so its absence there proves nothing.
                    if let Some(check) =
                        check.filter(|_| which == MetaMap::Annotations && known_annotation)
                    {
                        let message = format!(
                            "{noun} `{name}` is not in the target Istio version's annotation and label catalogues (istio/api), which list it only in other versions: unless that Istio reads it anyway, it ignores this one"
                        );
                        let mut d =
                            Diagnostic::new(&RULE, key.range(), message).requiring(Requires {
                                catalogue: Some(check),
                                ..Requires::default()
                            });
                        d.severity = Severity::Info;
                        out.push(d);
                    }
                    continue;
                }
                let suggestion = match which {
                    MetaMap::Annotations => {
                        catalog::did_you_mean(name, catalog::annotations().iter().map(|k| k.name))
                    }
                    MetaMap::Labels => catalog::did_you_mean_key(name),
                };
                let (target, case_only) = match suggestion {
                    Suggestion::CaseOnly(t) => (Some(t), true),
                    Suggestion::Near(t) => (Some(t), false),
                    Suggestion::None => (None, false),
                };
                let mut message = format!(
                    "{noun} `{name}` is not one Istio knows (istio/api annotation and label catalogues): Istio looks keys up by exact name, so it ignores this one"
                );
                let mut fix = None;
                if let Some(t) = target {
                    let _ = write!(message, "; did you mean `{t}`");
                    if case_only {
                        message.push_str(" (it differs only in case)");
                    }
                    let taken = entries
                        .iter()
                        .any(|(k, _)| k.resolved().as_str() == Some(t));
                    if taken {
                        let _ = write!(
                            message,
                            "? `{t}` is also set in these {noun}s, so this one is a leftover"
                        );
                    } else {
                        message.push('?');
                        let applicability = if case_only {
                            Applicability::Safe
                        } else {
                            Applicability::Unsafe
                        };
                        let what = format!("rename to `{t}`");
                        fix = match rename(key, t) {
                            Some(e) if pod_labels => {
                                // A pod label: the workload's selector may match on it, a
                                // Service may select by it.
                                let change = LabelChange::Rename {
                                    old: name,
                                    new: t,
                                    value: scalar_string(value).unwrap_or_default(),
                                };
                                let impact = selectors::label_change(cx, change, key, &|node| {
                                    rename(node, t)
                                });
                                if let Some(why) = &impact.blocked {
                                    message.push_str(why);
                                }
                                impact.fix(applicability, what, vec![e])
                            }
                            Some(e) => Some(Fix::new(applicability, what, [e])),
                            None => None,
                        };
                    }
                }
                let mut d = Diagnostic::new(&RULE, key.range(), message).with_optional_fix(fix);
                if let Some(check) = check {
                    d = d.requiring(Requires {
                        catalogue: Some(check),
                        ..Requires::default()
                    });
                }
                out.push(d);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Applicability;
    use crate::rules::test_util::{at, fixed, lint, pos};

    const CODE: &str = "MESH502";

    fn deployment(annotations: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    metadata:\n      labels:\n        app: web\n      annotations:\n{annotations}    spec:\n      containers: []\n"
        )
    }

    #[test]
    fn case_only_is_a_safe_rename() {
        let text = deployment(
            "        traffic.sidecar.istio.io/excludeOutboundIpRanges: \"10.8.0.0/16\"\n",
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(
            pos(&text, &d[0]),
            at(&text, "traffic.sidecar.istio.io/excludeOutboundIpRanges", 1)
        );
        assert!(d[0]
            .message
            .contains("did you mean `traffic.sidecar.istio.io/excludeOutboundIPRanges`"));
        let fix = d[0].fix.as_ref().unwrap();
        assert_eq!(fix.applicability, Applicability::Safe);
        assert_eq!(
            fixed(&text, &d[0]),
            deployment(
                "        traffic.sidecar.istio.io/excludeOutboundIPRanges: \"10.8.0.0/16\"\n"
            )
        );
    }

    #[test]
    fn near_is_an_unsafe_rename_keeping_quotes() {
        let text = deployment("        'proxy.istio.io/confg': '{}'\n");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(&text, &d[0]), at(&text, "'proxy.istio.io/confg'", 1));
        let fix = d[0].fix.as_ref().unwrap();
        assert_eq!(fix.applicability, Applicability::Unsafe);
        assert_eq!(
            fixed(&text, &d[0]),
            deployment("        'proxy.istio.io/config': '{}'\n")
        );
    }

    #[test]
    fn no_suggestion_no_fix() {
        let text = deployment("        sidecar.istio.io/somethingElse: x\n");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert!(d[0].fix.is_none());
        assert!(!d[0].message.contains("did you mean"));
    }

    #[test]
    fn no_fix_when_the_right_key_is_there_too() {
        let text = deployment(
            "        sidecar.istio.io/proxyCPU: 100m\n        sidecar.istio.io/proxyCpu: 200m\n",
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert!(d[0].fix.is_none());
        assert!(d[0].message.contains("also set"));
    }

    #[test]
    fn known_keys_and_other_prefixes_are_fine() {
        let text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: reviews\n  labels:\n    install.operator.istio.io/owning-resource: unknown\n    experimental.istio.io/disable-gateway-port-translation: \"true\"\n  annotations:\n    networking.istio.io/exportTo: \".\"\n    istio.example.com/x: y\n    notistio.io/x: y\n    istio.io: x\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  labels:\n    sidecar.istio.io/inject: \"true\"\n    service.istio.io/canonical-name: x\n    security.istio.io/tlsMode: istio\n    traffic.sidecar.istio.io/excludeOutboundPorts: \"9092\"\n  annotations:\n    sidecar.istio.io/status: '{}'\n    istio.io/rev: default\n    sidecar.istio.io/statsInclusionPrefixes: x\n    sidecar.istio.io/inject: \"false\"\n    prometheus.istio.io/secure-port: \"15020\"\nspec: {}\n";
        assert!(lint(text, CODE).is_empty());
    }

    #[test]
    fn labels_are_checked_against_labels_and_annotations() {
        let text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: n\n  labels:\n    istio.io/dataplane-mod: ambient\n    istio.io/Rev: canary\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 2);
        assert!(d[0].message.starts_with("label `istio.io/dataplane-mod`"));
        assert_eq!(
            d[0].fix.as_ref().unwrap().applicability,
            Applicability::Unsafe
        );
        assert_eq!(
            fixed(text, &d[1]),
            text.replace("istio.io/Rev", "istio.io/rev")
        );
    }

    /// Audit C6: the catalogue is the annotations plus the labels, so a label key
    /// under annotations is known.
    #[test]
    fn label_keys_under_annotations_are_known() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    proxy.istio.io/config: '{\"holdApplicationUntilProxyStarts\": true}'\n    service.istio.io/canonical-name: x\n    istio.io/dataplane-mode: ambient\n    topology.istio.io/network: n1\n    istio.io/use-waypoint: w\nspec: {containers: []}\n";
        assert!(lint(text, CODE).is_empty());
        // A near miss of an annotation is still reported.
        let text = text.replace("proxy.istio.io/config", "proxy.istio.io/confg");
        assert_eq!(lint(&text, CODE).len(), 1);
    }

    #[test]
    fn cronjob_levels_list_items_and_json() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: batch/v1\n  kind: CronJob\n  metadata:\n    annotations:\n      sidecar.istio.io/Inject: \"false\"\n  spec:\n    jobTemplate:\n      metadata:\n        annotations:\n          sidecar.istio.io/proxyCpu: 1\n      spec:\n        template:\n          metadata:\n            annotations:\n              sidecar.istio.io/proxyMem: 1Gi\n          spec: {}\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 3);
        assert_eq!(pos(text, &d[0]), at(text, "sidecar.istio.io/Inject", 1));
        assert_eq!(pos(text, &d[1]), at(text, "sidecar.istio.io/proxyCpu", 1));
        assert_eq!(pos(text, &d[2]), at(text, "sidecar.istio.io/proxyMem", 1));
        let json = "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"annotations\": {\"sidecar.istio.io/Inject\": \"false\"}}}";
        let d = lint(json, CODE);
        assert_eq!(
            fixed(json, &d[0]),
            json.replace("sidecar.istio.io/Inject", "sidecar.istio.io/inject")
        );
    }

    #[test]
    fn crlf_keeps_line_endings() {
        let text = "apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  annotations:\r\n    \"sidecar.istio.io/rewriteAppHttpProbers\": \"false\"\r\nspec: {}\r\n";
        let d = lint(text, CODE);
        assert_eq!(
            fixed(text, &d[0]),
            text.replace("rewriteAppHttpProbers", "rewriteAppHTTPProbers")
        );
    }

    fn web(selector: &str, label_key: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels:\n    {label_key}: \"false\"\nspec:\n  selector:\n{selector}  template:\n    metadata:\n      labels:\n        app: web\n        {label_key}: \"false\"\n    spec:\n      containers: []\n"
        )
    }

    /// Issue 17: renaming a pod-template label the selector matches on renames it in the
    /// selector too, and the fix is then unsafe.
    #[test]
    fn pod_label_renamed_in_the_selector_too() {
        let sel = |k: &str| format!("    matchLabels:\n      app: web\n      {k}: \"false\"\n");
        let text = web(&sel("sidecar.istio.io/Inject"), "sidecar.istio.io/Inject");
        let d = lint(&text, CODE);
        // The Deployment's own label and the template's.
        assert_eq!(d.len(), 2);
        let own = d[0].fix.as_ref().unwrap();
        assert_eq!(own.applicability, Applicability::Safe);
        assert_eq!(own.edits.len(), 1);
        let pod = d[1].fix.as_ref().unwrap();
        assert_eq!(pod.applicability, Applicability::Unsafe);
        assert!(pod.message.contains("`spec.selector`"), "{}", pod.message);
        assert_eq!(
            fixed(&text, &d[1]),
            text.replacen("sidecar.istio.io/Inject", "sidecar.istio.io/inject", 3)
                .replacen("sidecar.istio.io/inject", "sidecar.istio.io/Inject", 1)
        );
        // A `matchExpressions` key, in its own quote style.
        let text = web(
            "    matchExpressions:\n    - key: 'sidecar.istio.io/Inject'\n      operator: Exists\n",
            "sidecar.istio.io/Inject",
        );
        let d = lint(&text, CODE);
        assert_eq!(
            fixed(&text, &d[1]),
            text.replace(
                "- key: 'sidecar.istio.io/Inject'",
                "- key: 'sidecar.istio.io/inject'"
            )
            .replace(
                "        sidecar.istio.io/Inject",
                "        sidecar.istio.io/inject"
            )
        );
        // Not in the selector: the safe rename of the label alone.
        let text = web(
            "    matchLabels:\n      app: web\n",
            "sidecar.istio.io/Inject",
        );
        let d = lint(&text, CODE);
        let pod = d[1].fix.as_ref().unwrap();
        assert_eq!(pod.applicability, Applicability::Safe);
        assert_eq!(pod.edits.len(), 1);
    }

    #[test]
    fn no_fix_when_the_selector_names_the_new_key_too() {
        let text = web(
            "    matchLabels:\n      sidecar.istio.io/Inject: \"false\"\n    matchExpressions:\n    - {key: sidecar.istio.io/inject, operator: DoesNotExist}\n",
            "sidecar.istio.io/Inject",
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 2);
        assert!(d[1].fix.is_none());
        assert!(
            d[1].message
                .contains("already names `sidecar.istio.io/inject`"),
            "{}",
            d[1].message
        );
    }
}
