//! MESH201: a Pod-scoped Istio annotation (or injection label) on a workload's own metadata.

use std::fmt::Write as _;

use crate::diagnostic::{Diagnostic, Edit, Fix, FixAvailability, RuleMeta, Severity};
use crate::istio::catalog;
use crate::k8s::{scalar_string, MetaBlock, PodTemplate};
use crate::rules::ResourceCheck;
use crate::yaml::edit::{
    append_entry, delete_entry, fill_null, fill_null_nested, insert_nested, quote, take_entry,
    trailing_comment,
};
use crate::yaml::{NodeKind, NodeRef};

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH201",
    name: "annotation-on-controller",
    severity: Severity::Warning,
    fix: FixAvailability::Safe,
    summary: "A Pod-scoped Istio annotation or label sits on a workload's own metadata, where Istio never reads it",
    page: include_str!("../../../rules/MESH201-annotation-on-controller.md"),
};

/// Which map of the pod template an entry moves into.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum MapKind {
    Annotations,
    Labels,
}

impl MapKind {
    fn key(self) -> &'static str {
        match self {
            MapKind::Annotations => "annotations",
            MapKind::Labels => "labels",
        }
    }
}

/// The text of a value as it should be written at a new place: its own source when it is one
/// line, else re-quoted.
fn value_text(text: &str, value: NodeRef<'_, '_>) -> Option<String> {
    let v = value.resolved();
    let src = value.range().slice(text);
    if !value.is_alias() && !src.contains('\n') && !src.is_empty() && v.is_scalar() {
        return Some(src.to_owned());
    }
    scalar_string(v).map(|s| quote(s, true))
}

/// Whether the pod template's map `which` is shared through an anchor: the template, its
/// `metadata` or that map is an alias, or lies in a node some alias names. An edit there also
/// changes every place the anchor is aliased (the workload's own `metadata.annotations`, say),
/// so no fix writes there: it would change more than the pod and could cycle with MESH201
/// moving the key back. An anchor nothing names is no reason to refuse.
pub(crate) fn shared_by_alias(pod: &PodTemplate<'_, '_>, which: MapKind) -> bool {
    let block = match which {
        MapKind::Annotations => pod.meta.annotations,
        MapKind::Labels => pod.meta.labels,
    };
    let nodes = [
        pod.holder,
        pod.meta.metadata.map(|(_, v)| v),
        block.map(|(_, v)| v),
    ];
    let nodes = nodes.into_iter().flatten();
    nodes.clone().any(NodeRef::is_alias) || nodes.clone().any(aliased)
}

/// Whether an alias of `node`'s document names `node` or a node around it.
pub(crate) fn aliased(node: NodeRef<'_, '_>) -> bool {
    let doc = node.doc;
    let r = node.range();
    doc.nodes.iter().any(|n| match n.kind {
        NodeKind::Alias { target: Some(t) } => {
            let t = doc.node(t).range;
            t.start() <= r.start() && r.end() <= t.end()
        }
        _ => false,
    })
}

/// An edit adding `key: value` to the pod template's annotations or labels, creating them;
/// none through an anchor ([`shared_by_alias`]).
pub(crate) fn add_to_template(
    text: &str,
    pod: &PodTemplate<'_, '_>,
    which: MapKind,
    key: &str,
    value: &str,
) -> Option<Vec<Edit>> {
    if shared_by_alias(pod, which) {
        return None;
    }
    let block = match which {
        MapKind::Annotations => pod.meta.annotations,
        MapKind::Labels => pod.meta.labels,
    };
    if let Some((k, v)) = block {
        let v2 = v.resolved();
        if v2.is_mapping() {
            let e = append_entry(text, v2, key, value)?;
            if v2.literal_entries().count() == 1
                && e.range.is_empty()
                && e.range.start() > k.range().start()
            {
                // A fix moving the map's only entry may rename the map (`annotations` →
                // `labels`) in the same round: the edit starts at the key, so the two collide
                // instead of the new entry being carried along.
                let start = k.range().start();
                let kept = &text[start as usize..e.range.start() as usize];
                return Some(vec![Edit::replace(
                    crate::source::TextRange::new(start, e.range.start()),
                    format!("{kept}{}", e.content),
                )]);
            }
            return Some(vec![e]);
        }
        if v2.is_null() && !v.is_alias() {
            return Some(fill_null(text, k, v, key, value));
        }
        return None;
    }
    match pod.meta.metadata {
        Some((_, m)) if m.resolved().is_mapping() => {
            insert_nested(text, m.resolved(), &[which.key()], key, value).map(|e| vec![e])
        }
        // `metadata:` left empty: give it the map.
        Some((k, m)) if m.resolved().is_null() && !m.is_alias() => {
            Some(fill_null_nested(text, k, m, &[which.key()], key, value))
        }
        Some(_) => None,
        None => insert_nested(text, pod.holder?, &["metadata", which.key()], key, value)
            .map(|e| vec![e]),
    }
}

fn report(
    cx: &ResourceCheck<'_, '_, '_>,
    pod: &PodTemplate<'_, '_>,
    outer: &MetaBlock<'_, '_>,
    which: MapKind,
    key: NodeRef<'_, '_>,
    value: NodeRef<'_, '_>,
    out: &mut Vec<Diagnostic>,
) {
    let name = key.as_str().unwrap_or_default();
    let outer_value = scalar_string(value);
    let inner = match which {
        MapKind::Annotations => pod.meta.annotation(name),
        MapKind::Labels => pod.meta.label(name),
    };
    let inner_value = inner.and_then(|(_, v)| scalar_string(v));
    if which == MapKind::Labels && inner_value.is_some() && inner_value == outer_value {
        return; // The same label on both is common and harmless.
    }
    let noun = match which {
        MapKind::Annotations => "annotation",
        MapKind::Labels => "label",
    };
    let kind = cx.res.kind;
    let place = if cx
        .res
        .job_template_meta
        .as_ref()
        .is_some_and(|m| m.metadata.map(|(k, _)| k.id) == outer.metadata.map(|(k, _)| k.id))
    {
        "the CronJob's spec.jobTemplate.metadata"
    } else {
        "the workload's own metadata"
    };
    // Removing the entry from an anchored map (or through an alias) would remove it wherever
    // that map is aliased too, the pod template included: no fix takes it from there.
    let outer_map = match which {
        MapKind::Annotations => outer.annotations,
        MapKind::Labels => outer.labels,
    }
    .filter(|(_, v)| !v.is_alias() && !v.resolved().node().anchored)
    .map(|(_, v)| v.resolved());
    let mut message = format!(
        "{noun} `{name}` is on {place}, where Istio never reads it: it has no effect on the pods this {kind} creates; it belongs in the pod template ({})",
        match kind {
            "CronJob" => "spec.jobTemplate.spec.template.metadata",
            "PodTemplate" => "template.metadata",
            _ => "spec.template.metadata",
        }
    );
    let fix = match (inner, outer_map) {
        (Some(_), _) if inner_value != outer_value => {
            let _ = write!(
                message,
                "; the pod template already sets it to \"{}\", which is the value that takes effect",
                inner_value.unwrap_or("")
            );
            None
        }
        (Some(_), Some(map)) => {
            message.push_str("; the pod template already has the same value");
            delete_entry(cx.text, map, key, value)
                .map(|e| Fix::safe(format!("remove the duplicate {noun} from {place}"), [e]))
        }
        (None, Some(map)) => (|| {
            let v = value_text(cx.text, value)?;
            let mut edits = add_to_template(cx.text, pod, which, name, &v)?;
            // The entry's trailing comment moves with it when it lands at a line end; else it
            // stays where the entry was.
            let mut carried = false;
            if let Some(comment) = trailing_comment(cx.text, value.range().end() as usize) {
                if let Some(e) = edits.iter_mut().find(|e| {
                    let at = e.range.end() as usize;
                    e.content.ends_with(&format!(": {v}"))
                        && matches!(cx.text.as_bytes().get(at), None | Some(b'\r' | b'\n'))
                }) {
                    e.content.push(' ');
                    e.content.push_str(comment);
                    carried = true;
                }
            }
            let remove = if carried { take_entry } else { delete_entry };
            edits.push(remove(cx.text, map, key, value)?);
            Some(Fix::safe(
                format!("move the {noun} into the pod template"),
                edits,
            ))
        })(),
        _ => None,
    };
    out.push(Diagnostic::new(&RULE, key.range(), message).with_optional_fix(fix));
}

/// Whether no label can make this pod injected: host network, or one of Istio's ignored
/// namespaces (`kube-system` and friends).
fn never_injected(res: &crate::k8s::Resource<'_, '_>, pod: &PodTemplate<'_, '_>) -> bool {
    let host_network = pod
        .spec
        .and_then(|s| s.get("hostNetwork"))
        .is_some_and(crate::istio::schema_check::is_true);
    host_network
        || matches!(
            res.namespace,
            Some("kube-system" | "kube-public" | "kube-node-lease" | "local-path-storage")
        )
}

pub fn check(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    let res = cx.res;
    if !res.is_workload() {
        return;
    }
    // Without a pod template (a Kustomize patch of the metadata only) the annotation still
    // does nothing where it is; there is just nowhere to move it.
    let absent = PodTemplate::absent();
    let pod = res.pod.as_ref().unwrap_or(&absent);
    let mut outers = vec![res.meta];
    if let Some(jm) = res.job_template_meta {
        outers.push(jm);
    }
    for outer in &outers {
        for (k, v) in outer.annotation_entries() {
            if k.as_str().is_some_and(catalog::is_pod_scoped) {
                report(cx, pod, outer, MapKind::Annotations, k, v, out);
            }
        }
        // An injection label only matters where a pod could be injected at all: Istio's own
        // DaemonSets (istio-cni, host network, kube-system) carry `istio.io/rev` as a marker.
        if never_injected(res, pod) {
            continue;
        }
        // A gateway's workload carries `istio.io/rev` as the revision marker `istioctl`
        // selects its gateways by; only the pod template's label decides its injection.
        let rev_is_marker = pod.is_gateway();
        for (k, v) in outer.label_entries() {
            let injection_label = match k.as_str() {
                Some("sidecar.istio.io/inject") => true,
                Some("istio.io/rev") => !rev_is_marker,
                _ => false,
            };
            if injection_label {
                report(cx, pod, outer, MapKind::Labels, k, v, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_util::{at, lint, pos};

    /// The workload's annotations anchored and aliased by the pod template: deleting the
    /// "duplicate" would delete the pod's own; moving it would change both. No fix.
    #[test]
    fn no_fix_takes_an_entry_out_of_an_anchored_map() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\n  annotations: &anns\n    sidecar.istio.io/proxyCPU: \"1\"\nspec:\n  template:\n    metadata:\n      annotations: *anns\n    spec:\n      containers: []\n";
        let d = lint(text, "MESH201");
        assert_eq!(d.len(), 1);
        assert!(d[0].fix.is_none());
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\n  annotations: &anns\n    sidecar.istio.io/proxyCPU: \"1\"\nspec:\n  template:\n    metadata:\n      labels: {app: a}\n    spec:\n      containers: []\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  annotations: *anns\n";
        let d = lint(text, "MESH201");
        assert_eq!(d.len(), 1);
        assert!(d[0].fix.is_none());
    }

    #[test]
    fn a_workload_without_a_pod_template_is_reported_without_a_fix() {
        // A Kustomize patch of the metadata only, and a spec without a template.
        for spec in ["", "spec:\n  replicas: 2\n"] {
            let t = format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  annotations:\n    sidecar.istio.io/proxyCPU: \"500m\"\n{spec}");
            let d = lint(&t, "MESH201");
            assert_eq!(d.len(), 1, "{t}");
            assert_eq!(pos(&t, &d[0]), at(&t, "sidecar.istio.io/proxyCPU", 1));
            assert!(d[0].message.contains("`sidecar.istio.io/proxyCPU`"));
            assert!(d[0].fix.is_none());
        }
        // Not a workload: a ConfigMap's annotations are its own.
        let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations:\n    sidecar.istio.io/proxyCPU: \"500m\"\n";
        assert!(lint(cm, "MESH201").is_empty());
    }

    #[test]
    fn the_message_names_where_each_kind_keeps_its_pod_metadata() {
        let annotation = "  annotations:\n    sidecar.istio.io/proxyCPU: \"500m\"\n";
        for (kind, head, path) in [
            ("PodTemplate", "apiVersion: v1", "(template.metadata)"),
            (
                "Deployment",
                "apiVersion: apps/v1",
                "(spec.template.metadata)",
            ),
            (
                "CronJob",
                "apiVersion: batch/v1",
                "(spec.jobTemplate.spec.template.metadata)",
            ),
        ] {
            let t = format!("{head}\nkind: {kind}\nmetadata:\n  name: t\n{annotation}");
            let d = lint(&t, "MESH201");
            assert_eq!(d.len(), 1, "{t}");
            assert!(
                d[0].message.ends_with(&format!("pod template {path}")),
                "{}",
                d[0].message
            );
        }
    }

    /// On a gateway's workload `istio.io/rev` is the revision marker `istioctl` selects by;
    /// other Pod-scoped keys there are still misplaced.
    #[test]
    fn the_revision_label_of_a_gateway_workload_is_not_reported() {
        let deployment = |annotations: &str, image: &str| {
            format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: gw\n  labels:\n    istio.io/rev: default\nspec:\n  template:\n    metadata:\n      annotations:\n        sidecar.istio.io/inject: \"true\"\n{annotations}    spec:\n      containers:\n        - name: istio-proxy\n          image: {image}\n"
            )
        };
        for t in [
            deployment("        inject.istio.io/templates: gateway\n", "x"),
            deployment("        inject.istio.io/templates: gateway,custom\n", "x"),
            deployment("", "auto"),
        ] {
            assert!(lint(&t, "MESH201").is_empty(), "{t}");
        }
        // Not a gateway: the label is misplaced.
        let t = deployment("", "x");
        let d = lint(&t, "MESH201");
        assert_eq!(d.len(), 1);
        assert_eq!(pos(&t, &d[0]), at(&t, "istio.io/rev", 1));
        assert!(d[0]
            .message
            .starts_with("label `istio.io/rev` is on the workload's own metadata"));
        // A gateway's misplaced inject label and annotations are still reported.
        let t = deployment("        inject.istio.io/templates: gateway\n", "auto").replace(
            "    istio.io/rev: default\n",
            "    sidecar.istio.io/inject: \"false\"\n  annotations:\n    sidecar.istio.io/proxyCPU: \"1\"\n",
        );
        let d = lint(&t, "MESH201");
        assert_eq!(d.len(), 2, "{d:?}");
    }

    #[test]
    fn injection_labels_on_workloads_never_injected_are_not_reported() {
        let deployment = |namespace: &str, host_network: &str| {
            format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  namespace: {namespace}\n  labels:\n    sidecar.istio.io/inject: \"false\"\nspec:\n  template:\n    spec:\n      hostNetwork: {host_network}\n      containers: []\n"
            )
        };
        assert_eq!(lint(&deployment("shop", "false"), "MESH201").len(), 1);
        assert!(lint(&deployment("kube-system", "false"), "MESH201").is_empty());
        assert!(lint(&deployment("shop", "true"), "MESH201").is_empty());
    }
}
