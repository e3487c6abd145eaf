//! MESH201: a Pod-scoped Istio annotation (or injection label) on a workload's own metadata.

use std::fmt::Write as _;

use crate::diagnostic::{Diagnostic, Edit, Fix, FixAvailability, RuleMeta, Severity};
use crate::istio::catalog;
use crate::k8s::edit::{add_to_pod, carry_comments_of, remove_from};
use crate::k8s::{scalar_string, MetaBlock, MetaMap, PodTemplate};
use crate::rules::ResourceCheck;
use crate::yaml::edit::{line_end, value_text};
use crate::yaml::CollectionStyle;
use crate::yaml::NodeRef;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH201",
    name: "annotation-on-controller",
    severity: Severity::Warning,
    fix: FixAvailability::Safe,
    summary: "A Pod-scoped Istio annotation or label sits on a workload's own metadata, where Istio never reads it",
    page: include_str!("../../../rules/MESH201-annotation-on-controller.md"),
};

/// The map of the workload's metadata an entry is reported in.
struct Misplaced<'m, 'd, 'a> {
    outer: &'m MetaBlock<'d, 'a>,
    which: MetaMap,
    /// See [`emptied`].
    serialize: Option<Edit>,
}

fn report(
    cx: &ResourceCheck<'_, '_, '_>,
    pod: &PodTemplate<'_, '_>,
    from: &Misplaced<'_, '_, '_>,
    key: NodeRef<'_, '_>,
    value: NodeRef<'_, '_>,
    out: &mut Vec<Diagnostic>,
) {
    let Misplaced {
        outer,
        which,
        ref serialize,
    } = *from;
    let name = key.as_str().unwrap_or_default();
    let outer_value = scalar_string(value);
    let inner = match which {
        MetaMap::Annotations => pod.meta.annotation(name),
        MetaMap::Labels => pod.meta.label(name),
    };
    let inner_value = inner.and_then(|(_, v)| scalar_string(v));
    if which == MetaMap::Labels && inner_value.is_some() && inner_value == outer_value {
        return; // The same label on both is common and harmless.
    }
    let noun = match which {
        MetaMap::Annotations => "annotation",
        MetaMap::Labels => "label",
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
        MetaMap::Annotations => outer.annotations,
        MetaMap::Labels => outer.labels,
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
        (Some(_), Some(_)) => {
            message.push_str("; the pod template already has the same value");
            remove_from(cx.text, outer, which, key, value, &[]).map(|e| {
                Fix::safe(
                    format!("remove the duplicate {noun} from {place}"),
                    [e].into_iter().chain(serialize.clone()),
                )
            })
        }
        (None, Some(_)) => (|| {
            let v = value_text(cx.text, value)?;
            let mut edits = add_to_pod(cx.text, pod, which, name, &v)?;
            // The entry's comments move with it when it lands on a line of its own; else they
            // stay where the entry was.
            let carried = carry_comments_of(cx.text, key, value, &v, &mut edits);
            edits.push(remove_from(cx.text, outer, which, key, value, &carried)?);
            edits.extend(serialize.clone());
            Some(Fix::safe(
                format!("move the {noun} into the pod template"),
                edits,
            ))
        })(),
        _ => None,
    };
    out.push(Diagnostic::new(&RULE, key.range(), message).with_optional_fix(fix));
}

/// When this rule's fixes would take every entry out of the workload's map `which` (block
/// style, more than one entry), an edit each fix adds: it rewrites the map's key line as it is,
/// so the fixes collide and apply one per round, and the last, then the map's only entry, takes
/// the emptied map away with it (fixes applied together would leave `annotations:` empty).
fn emptied(
    text: &str,
    pod: &PodTemplate<'_, '_>,
    outer: &MetaBlock<'_, '_>,
    which: MetaMap,
    reported: impl Fn(&str) -> bool,
) -> Option<Edit> {
    let (map_key, map) = outer.map(which)?;
    let map = map.resolved();
    let entries: Vec<_> = map.literal_entries().collect();
    if entries.len() < 2 || map.collection_style()? != CollectionStyle::Block {
        return None;
    }
    let moves = |(k, v): &(NodeRef<'_, '_>, NodeRef<'_, '_>)| {
        let Some(name) = k.as_str().filter(|n| reported(n)) else {
            return false;
        };
        // A different value in the pod template keeps the entry (no fix); the same value, or
        // none, takes it out.
        match pod.meta.get(which, name) {
            Some((_, inner)) => {
                which == MetaMap::Annotations && scalar_string(inner) == scalar_string(*v)
            }
            None => true,
        }
    };
    if !entries.iter().all(moves) {
        return None;
    }
    let start = map_key.range().start() as usize;
    let end = line_end(text, start);
    (end < entries[0].0.range().start() as usize).then(|| {
        Edit::replace(
            crate::source::TextRange::from_usize(start, end),
            &text[start..end],
        )
    })
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
        let from = Misplaced {
            outer,
            which: MetaMap::Annotations,
            serialize: emptied(cx.text, pod, outer, MetaMap::Annotations, |name| {
                catalog::is_pod_scoped(name)
            }),
        };
        for (k, v) in outer.annotation_entries() {
            if k.as_str().is_some_and(catalog::is_pod_scoped) {
                report(cx, pod, &from, k, v, out);
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
        let injection_label = |name: &str| match name {
            "sidecar.istio.io/inject" => true,
            "istio.io/rev" => !rev_is_marker,
            _ => false,
        };
        let from = Misplaced {
            outer,
            which: MetaMap::Labels,
            serialize: emptied(cx.text, pod, outer, MetaMap::Labels, injection_label),
        };
        for (k, v) in outer.label_entries() {
            if k.as_str().is_some_and(injection_label) {
                report(cx, pod, &from, k, v, out);
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
