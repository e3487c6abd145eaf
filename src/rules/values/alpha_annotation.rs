//! MESH508: an Istio annotation whose feature status is Alpha in Istio's annotation catalogue
//! (istio/api `annotation/annotations.yaml`, `featureStatus: Alpha`; `istioctl analyze`
//! IST0136, whose analyzer `istioctl analyze` does not run by default). Alpha features may
//! change or be removed in any release.

use crate::context::Requires;
use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::istio::catalog::{self, KeyCheck, KeyClaim};
use crate::k8s::MetaBlock;
use crate::rules::ResourceCheck;
use crate::yaml::NodeRef;

/// Opt-in ([`crate::rules::OPT_IN`]): runs only when selected by its code or name.
pub static RULE: RuleMeta = RuleMeta {
    code: "MESH508",
    name: "alpha-annotation",
    severity: Severity::Info,
    fix: FixAvailability::None,
    summary: "(opt-in) An Istio annotation whose feature status is Alpha: it may change or go away",
    page: include_str!("../../../rules/MESH508-alpha-annotation.md"),
};

/// The catalogue's Istio version (istio/api master between the 1.30 and 1.31 releases).
const CATALOGUE_VERSION: &str = crate::context::versions::DATA_VERSION;

/// Set by Istio itself, never by hand (the analyzer ignores them too).
const SET_BY_ISTIO: &[&str] = &[
    "sidecar.istio.io/status",
    "istio.io/rev",
    "gateway.istio.io/controller-version",
];

/// Set by istio-cni's injection on pods that have its `istio-validation` init container.
const SET_WITH_CNI: &[&str] = &[
    "sidecar.istio.io/interceptionMode",
    "traffic.sidecar.istio.io/excludeInboundPorts",
    "traffic.sidecar.istio.io/includeInboundPorts",
    "traffic.sidecar.istio.io/includeOutboundIPRanges",
    "traffic.sidecar.istio.io/excludeOutboundIPRanges",
    "traffic.sidecar.istio.io/excludeOutboundPorts",
    "traffic.sidecar.istio.io/includeOutboundPorts",
    "traffic.sidecar.istio.io/excludeInterfaces",
];

fn has_cni_validation(spec: Option<NodeRef<'_, '_>>) -> bool {
    spec.and_then(|s| s.resolved().get("initContainers"))
        .into_iter()
        .flat_map(|c| c.resolved().items())
        .any(|c| c.resolved().get_str("name") == Some("istio-validation"))
}

fn report(meta: &MetaBlock<'_, '_>, cni: bool, out: &mut Vec<Diagnostic>) {
    for (k, _) in meta.annotation_entries() {
        let Some(name) = k.as_str() else { continue };
        // Alpha in some version's catalogue: judged against the target's (or the newest) once
        // it is known (see `Context::verdict`). Hidden in the newest (or, for a key the newest
        // lacks, in no catalogue meshlint has as a whole) means set by Istio itself.
        let Some(check) = KeyCheck::of(name, KeyClaim::Alpha) else {
            continue;
        };
        if catalog::annotation(name).is_some_and(|info| info.hidden)
            || SET_BY_ISTIO.contains(&name)
            || cni && SET_WITH_CNI.contains(&name)
        {
            continue;
        }
        let message = format!(
            "annotation `{name}` is an Alpha feature in Istio's annotation catalogue (Istio {CATALOGUE_VERSION}): Alpha features may change or be removed in any release"
        );
        out.push(
            Diagnostic::new(&RULE, k.range(), message).requiring(Requires {
                catalogue: Some(check),
                ..Requires::default()
            }),
        );
    }
}

pub fn check(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    let res = cx.res;
    if res.kind == "Pod" {
        if let Some(pod) = &res.pod {
            report(&pod.meta, has_cni_validation(pod.spec), out);
        }
        return;
    }
    if res.kind.is_empty() {
        return; // Not an object (Helm values, a kustomization).
    }
    report(&res.meta, false, out);
    if let Some(jm) = &res.job_template_meta {
        report(jm, false, out);
    }
    if let Some(pod) = &res.pod {
        report(&pod.meta, has_cni_validation(pod.spec), out);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_util::{at, lint, pos};

    const CODE: &str = "MESH508";

    #[test]
    fn alpha_annotations_anywhere_at_the_key() {
        let t = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  annotations:\n    sidecar.istio.io/statsInclusionPrefixes: cluster.outbound\nspec:\n  template:\n    metadata:\n      annotations:\n        traffic.sidecar.istio.io/excludeOutboundPorts: \"8200\"\n        proxy.istio.io/config: '{}'\n    spec:\n      containers: []\n";
        let d = lint(t, CODE);
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(
            pos(t, &d[0]),
            at(t, "sidecar.istio.io/statsInclusionPrefixes", 1)
        );
        assert_eq!(
            pos(t, &d[1]),
            at(t, "traffic.sidecar.istio.io/excludeOutboundPorts", 1)
        );
        assert_eq!(
            d[1].message,
            "annotation `traffic.sidecar.istio.io/excludeOutboundPorts` is an Alpha feature in Istio's annotation catalogue (Istio 1.31 (development)): Alpha features may change or be removed in any release"
        );
        let svc = "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  annotations:\n    networking.istio.io/exportTo: \".\"\n";
        assert_eq!(lint(svc, CODE).len(), 1);
    }

    #[test]
    fn it_runs_only_when_selected_by_code_or_name() {
        use crate::rules::RuleSelector;
        let t = "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  annotations:\n    networking.istio.io/exportTo: \".\"\n";
        let run = |select: &[&str]| {
            crate::lint_source(
                t,
                "t.yaml",
                &crate::context::LintOptions::default(),
                &RuleSelector {
                    select: select.iter().map(|s| (*s).to_owned()).collect(),
                    ignore: Vec::new(),
                },
            )
            .iter()
            .filter(|d| d.code == CODE)
            .count()
        };
        assert_eq!(run(&[]), 0);
        assert_eq!(run(&["ALL"]), 0);
        assert_eq!(run(&["MESH5"]), 0);
        assert_eq!(run(&["mesh508"]), 1);
        assert_eq!(run(&["alpha-annotation"]), 1);
    }

    #[test]
    fn stable_hidden_set_by_istio_unknown_and_labels_are_not_reported() {
        for t in [
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    proxy.istio.io/config: '{}'\n    sidecar.istio.io/inject: \"true\"\n    istio.io/rev: canary\n    sidecar.istio.io/status: '{}'\n    gateway.istio.io/controller-version: \"5\"\n    traffic.sidecar.istio.io/excludeOutboundIpRanges: x\nspec: {containers: []}\n",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    sidecar.istio.io/interceptionMode: REDIRECT\nspec: {containers: []}\n",
            // Set by istio-cni's injection (an `istio-validation` init container).
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    sidecar.istio.io/interceptionMode: REDIRECT\n    traffic.sidecar.istio.io/includeInboundPorts: '*'\nspec:\n  initContainers:\n    - name: istio-validation\n  containers: []\n",
            "global:\n  proxy: {}\n",
        ] {
            assert!(lint(t, CODE).is_empty(), "{t}");
        }
        // With istio-init instead, they were written by hand (or by an old injector).
        let t = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    sidecar.istio.io/interceptionMode: REDIRECT\nspec:\n  initContainers:\n    - name: istio-init\n  containers: []\n";
        assert_eq!(lint(t, CODE).len(), 1);
    }
}
