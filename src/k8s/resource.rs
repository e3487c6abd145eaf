//! Resources found in a document, and their pod templates.

use crate::yaml::{Document, NodeRef};

/// One of the two string maps of a metadata block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetaMap {
    Annotations,
    Labels,
}

impl MetaMap {
    /// The key of the map in `metadata`.
    pub fn key(self) -> &'static str {
        match self {
            MetaMap::Annotations => "annotations",
            MetaMap::Labels => "labels",
        }
    }

    /// What one entry is called in messages.
    pub fn noun(self) -> &'static str {
        match self {
            MetaMap::Annotations => "annotation",
            MetaMap::Labels => "label",
        }
    }

    pub fn other(self) -> Self {
        match self {
            MetaMap::Annotations => MetaMap::Labels,
            MetaMap::Labels => MetaMap::Annotations,
        }
    }
}

/// A metadata mapping and its interesting children, each as `(key, value)`.
#[derive(Clone, Copy, Debug, Default)]
pub struct MetaBlock<'d, 'a> {
    /// The `metadata` key and its value.
    pub metadata: Option<(NodeRef<'d, 'a>, NodeRef<'d, 'a>)>,
    pub annotations: Option<(NodeRef<'d, 'a>, NodeRef<'d, 'a>)>,
    pub labels: Option<(NodeRef<'d, 'a>, NodeRef<'d, 'a>)>,
}

impl<'d, 'a> MetaBlock<'d, 'a> {
    /// The metadata block of a mapping holding a `metadata` key.
    pub(crate) fn of(parent: Option<NodeRef<'d, 'a>>) -> Self {
        let metadata = parent.and_then(|p| p.entry("metadata"));
        let meta_value = metadata
            .map(|(_, v)| v.resolved())
            .filter(|v| v.is_mapping());
        Self {
            metadata,
            annotations: meta_value.and_then(|m| m.entry("annotations")),
            labels: meta_value.and_then(|m| m.entry("labels")),
        }
    }

    /// The `(key, value)` of map `which` (`annotations:` and its mapping).
    pub fn map(&self, which: MetaMap) -> Option<(NodeRef<'d, 'a>, NodeRef<'d, 'a>)> {
        match which {
            MetaMap::Annotations => self.annotations,
            MetaMap::Labels => self.labels,
        }
    }

    /// Whether `<<` merge keys keep fixes from moving entries of this block: the metadata, its
    /// `labels` or its `annotations` merges values or lies inside a merged mapping.
    pub fn merged(&self) -> bool {
        let guarded = |n: NodeRef<'_, '_>| {
            let n = n.resolved();
            n.is_mapping() && n.doc.merge_guarded(n.id)
        };
        self.metadata.is_some_and(|(_, m)| guarded(m))
            || self.annotations.is_some_and(|(_, a)| guarded(a))
            || self.labels.is_some_and(|(_, l)| guarded(l))
    }

    /// `message` with why there is no fix added when merge keys are the reason.
    pub fn explain_missing_move<T>(&self, message: &mut String, fix: &Option<T>) {
        if fix.is_none() && self.merged() {
            message.push_str("; ");
            message.push_str(crate::yaml::edit::MERGE_NO_FIX);
        }
    }

    /// `(key, value)` of entry `name` of map `which`.
    pub fn get(&self, which: MetaMap, name: &str) -> Option<(NodeRef<'d, 'a>, NodeRef<'d, 'a>)> {
        self.map(which).and_then(|(_, v)| v.entry(name))
    }

    /// `(key, value)` pairs of map `which` (aliases followed; merged entries included).
    pub fn entries(&self, which: MetaMap) -> Vec<(NodeRef<'d, 'a>, NodeRef<'d, 'a>)> {
        match self.map(which) {
            Some((_, v)) if v.resolved().is_mapping() => v.resolved().entries().collect(),
            _ => Vec::new(),
        }
    }

    /// `(key, value)` of an annotation.
    pub fn annotation(&self, name: &str) -> Option<(NodeRef<'d, 'a>, NodeRef<'d, 'a>)> {
        self.annotations.and_then(|(_, v)| v.entry(name))
    }

    pub fn label(&self, name: &str) -> Option<(NodeRef<'d, 'a>, NodeRef<'d, 'a>)> {
        self.labels.and_then(|(_, v)| v.entry(name))
    }

    /// An annotation's value as Kubernetes reads it: a string scalar (null is `""`); `None` when
    /// absent or not a scalar.
    pub fn annotation_str(&self, name: &str) -> Option<&'d str> {
        self.annotation(name).and_then(|(_, v)| scalar_string(v))
    }

    pub fn label_str(&self, name: &str) -> Option<&'d str> {
        self.label(name).and_then(|(_, v)| scalar_string(v))
    }

    /// Every annotation `(key, value)`.
    pub fn annotation_entries(
        &self,
    ) -> impl Iterator<Item = (NodeRef<'d, 'a>, NodeRef<'d, 'a>)> + 'd {
        self.annotations
            .into_iter()
            .flat_map(|(_, v)| v.resolved().entries())
    }

    pub fn label_entries(&self) -> impl Iterator<Item = (NodeRef<'d, 'a>, NodeRef<'d, 'a>)> + 'd {
        self.labels
            .into_iter()
            .flat_map(|(_, v)| v.resolved().entries())
    }
}

/// A scalar's string value as the API server would store it in a `map[string]string`: the text
/// for any scalar, `""` for null.
pub fn scalar_string<'d>(node: NodeRef<'d, '_>) -> Option<&'d str> {
    let node = node.resolved();
    if node.is_null() {
        return Some("");
    }
    node.as_str()
}

/// Where a kind keeps the pod metadata the injector reads.
#[derive(Clone, Copy, Debug)]
pub struct PodTemplate<'d, 'a> {
    /// The key that holds the pod template (`template`), or `None` for a Pod.
    pub template_key: Option<NodeRef<'d, 'a>>,
    /// The mapping holding `metadata` and `spec` (a Pod's root, a workload's template).
    pub holder: Option<NodeRef<'d, 'a>>,
    pub meta: MetaBlock<'d, 'a>,
    /// The pod spec mapping.
    pub spec: Option<NodeRef<'d, 'a>>,
}

/// The kinds whose pods come from `spec.template` (a CronJob's from its job template).
const WORKLOADS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "DeploymentConfig",
    "Rollout",
];

/// The annotation naming the injection templates a pod gets (comma-separated).
pub const INJECT_TEMPLATES: &str = "inject.istio.io/templates";

/// What a finding says when `<<` merge keys keep its fix from editing the pod's annotations.
pub const ANNOTATIONS_MERGE_NO_FIX: &str = "no fix is offered: the annotations merge `<<` values, which a new or changed entry could hide or change; edit the merged map or write the whole value here";

impl PodTemplate<'_, '_> {
    /// Whether `<<` merge keys keep fixes from editing this pod's annotations (see
    /// [`crate::yaml::Document::merge_guarded`]): the template, its `metadata` or its
    /// `annotations` merges values, or the annotations are (inside) a merged mapping.
    pub fn annotations_merged(&self) -> bool {
        let guarded = |n: NodeRef<'_, '_>| {
            let n = n.resolved();
            n.is_mapping() && n.doc.merge_guarded(n.id)
        };
        self.holder.is_some_and(guarded)
            || self.meta.metadata.is_some_and(|(_, m)| guarded(m))
            || self.meta.annotations.is_some_and(|(_, a)| guarded(a))
    }

    /// `message` with [`ANNOTATIONS_MERGE_NO_FIX`] added when `fix` is missing because of merge
    /// keys.
    pub fn explain_missing_fix<T>(&self, message: &mut String, fix: &Option<T>) {
        if fix.is_none() && self.annotations_merged() {
            message.push_str("; ");
            message.push_str(ANNOTATIONS_MERGE_NO_FIX);
        }
    }
    /// A workload's pod template where the object has none (a Kustomize patch with only
    /// `metadata`): nothing to read, nowhere to write.
    pub fn absent() -> Self {
        PodTemplate {
            template_key: None,
            holder: None,
            meta: MetaBlock::of(None),
            spec: None,
        }
    }

    /// Whether this pod is an Istio gateway: its `inject.istio.io/templates` annotation names
    /// the `gateway` template (one element of the comma-separated list, blanks trimmed as the
    /// injector trims them), or its container `istio-proxy` has `image: auto`, which the
    /// injector replaces with the proxy image. Its one container is Envoy itself: there is no
    /// application whose start-up waits for the proxy, and `istio.io/rev` on its workload's own
    /// metadata is the revision marker `istioctl` selects gateways by.
    pub fn is_gateway(&self) -> bool {
        let by_template = self
            .meta
            .annotation_str(INJECT_TEMPLATES)
            .is_some_and(|t| t.split(',').any(|name| name.trim() == "gateway"));
        by_template || self.proxy_image_is_auto()
    }

    /// Whether the container `istio-proxy` has `image: auto`.
    fn proxy_image_is_auto(&self) -> bool {
        let Some(containers) = self.spec.and_then(|s| s.get("containers")) else {
            return false;
        };
        containers.resolved().items().any(|c| {
            let c = c.resolved();
            c.get_str("name") == Some("istio-proxy") && c.get_str("image") == Some("auto")
        })
    }
}

/// One Kubernetes object (or a non-object document such as a Helm values file).
#[derive(Clone, Debug)]
pub struct Resource<'d, 'a> {
    pub doc: &'d Document<'a>,
    pub root: NodeRef<'d, 'a>,
    /// `kind`, or `""` when the document has none.
    pub kind: &'d str,
    pub api_version: &'d str,
    pub name: Option<&'d str>,
    pub namespace: Option<&'d str>,
    /// The object's own metadata.
    pub meta: MetaBlock<'d, 'a>,
    /// The metadata of a CronJob's job template (`spec.jobTemplate.metadata`), a controller
    /// level the injector never reads.
    pub job_template_meta: Option<MetaBlock<'d, 'a>>,
    /// The pod the injector sees, for Pods and workloads.
    pub pod: Option<PodTemplate<'d, 'a>>,
    /// The `kind` key, to point at when nothing better exists.
    pub kind_key: Option<NodeRef<'d, 'a>>,
}

impl<'d, 'a> Resource<'d, 'a> {
    /// Every metadata block the API server stores labels and annotations for: the object's
    /// own, a `CronJob`'s job template, the pod template, and each `volumeClaimTemplates` item.
    /// Each block appears once (a Pod's pod metadata is its own metadata).
    pub fn metadata_blocks(&self) -> Vec<MetaBlock<'d, 'a>> {
        let mut blocks = vec![self.meta];
        blocks.extend(self.job_template_meta);
        if let Some(pod) = &self.pod {
            blocks.push(pod.meta);
        }
        if let Some(spec) = self.root.get("spec").map(NodeRef::resolved) {
            for item in spec
                .get("volumeClaimTemplates")
                .into_iter()
                .flat_map(|v| v.resolved().items())
            {
                blocks.push(MetaBlock::of(Some(item.resolved())));
            }
        }
        let mut seen = Vec::new();
        blocks.retain(|b| match b.metadata {
            Some((_, v)) => {
                let id = v.resolved().id;
                let new = !seen.contains(&id);
                seen.push(id);
                new
            }
            None => false,
        });
        blocks
    }

    fn new(doc: &'d Document<'a>, root: NodeRef<'d, 'a>) -> Self {
        let kind = root.get_str("kind").unwrap_or("");
        let meta = MetaBlock::of(Some(root));
        let meta_value = meta.metadata.map(|(_, v)| v.resolved());
        let spec = root.get("spec").map(NodeRef::resolved);
        let (pod, job_template_meta) = match kind {
            "Pod" => (
                Some(PodTemplate {
                    template_key: None,
                    holder: Some(root),
                    meta,
                    spec,
                }),
                None,
            ),
            k if WORKLOADS.contains(&k) => (template_at(spec), None),
            "CronJob" => {
                let job = spec
                    .and_then(|s| s.get("jobTemplate"))
                    .map(NodeRef::resolved);
                let job_spec = job.and_then(|j| j.get("spec")).map(NodeRef::resolved);
                (template_at(job_spec), job.map(|j| MetaBlock::of(Some(j))))
            }
            "PodTemplate" => (template_at(Some(root)), None),
            _ => (None, None),
        };
        Self {
            doc,
            root,
            kind,
            api_version: root.get_str("apiVersion").unwrap_or(""),
            name: meta_value.and_then(|m| m.get_str("name")),
            namespace: meta_value.and_then(|m| m.get_str("namespace")),
            meta,
            job_template_meta,
            pod,
            kind_key: root.entry("kind").map(|(k, _)| k),
        }
    }

    /// Whether this object is an IstioOperator: its `kind` alone decides, whatever the group of
    /// its `apiVersion` (normally `install.istio.io`).
    pub fn is_istio_operator(&self) -> bool {
        self.kind == "IstioOperator"
    }

    /// Whether this kind creates pods from a template (a workload or a CronJob, not a Pod),
    /// whether or not this object spells the template out.
    pub fn is_workload(&self) -> bool {
        self.kind == "CronJob" || self.kind == "PodTemplate" || WORKLOADS.contains(&self.kind)
    }
}

fn template_at<'d, 'a>(parent: Option<NodeRef<'d, 'a>>) -> Option<PodTemplate<'d, 'a>> {
    let parent = parent?;
    if !parent.is_mapping() {
        return None;
    }
    let (key, value) = match parent.entry("template") {
        Some((k, v)) => (Some(k), Some(v.resolved()).filter(|v| v.is_mapping())),
        None => (None, None),
    };
    Some(PodTemplate {
        template_key: key,
        holder: value,
        meta: MetaBlock::of(value),
        spec: value.and_then(|v| v.get("spec")).map(NodeRef::resolved),
    })
}

/// How many `kind: List` levels are descended into: kubectl flattens nested lists; real ones
/// nest once or twice, and the bound keeps hostile input cheap.
const MAX_LIST_DEPTH: usize = 16;

/// The resources of one document: the object itself, or each item of a `kind: List` (and
/// `*List`), nested lists flattened as kubectl does. An OpenShift `Template` is read like a
/// list of its `objects` (what `oc process` instantiates). Each list is a resource too.
pub fn extract_resources<'d, 'a>(doc: &'d Document<'a>) -> Vec<Resource<'d, 'a>> {
    let Some(root) = doc.root() else {
        return Vec::new();
    };
    let root = root.resolved();
    if !root.is_mapping() {
        return Vec::new();
    }
    let mut out = Vec::new();
    push_flattened(doc, root, 0, &mut out);
    out
}

fn is_list(object: NodeRef<'_, '_>) -> bool {
    let kind = object.get_str("kind").unwrap_or("");
    kind == "List"
        || kind.ends_with("List") && object.get("items").is_some_and(NodeRef::is_sequence)
}

/// An OpenShift `Template` (`template.openshift.io`, or the legacy `v1`): its `objects` are
/// the objects it creates, with `${PARAM}` placeholders filled in.
fn is_openshift_template(object: NodeRef<'_, '_>) -> bool {
    object.get_str("kind") == Some("Template")
        && object
            .get_str("apiVersion")
            .is_some_and(|v| v == "v1" || v.starts_with("template.openshift.io/"))
}

/// The key holding the objects of a list or a template.
fn members_key(object: NodeRef<'_, '_>) -> Option<&'static str> {
    if is_list(object) {
        Some("items")
    } else if is_openshift_template(object) {
        Some("objects")
    } else {
        None
    }
}

fn push_flattened<'d, 'a>(
    doc: &'d Document<'a>,
    object: NodeRef<'d, 'a>,
    depth: usize,
    out: &mut Vec<Resource<'d, 'a>>,
) {
    out.push(Resource::new(doc, object));
    if depth >= MAX_LIST_DEPTH {
        return;
    }
    let Some(members) = members_key(object) else {
        return;
    };
    let Some(items) = object.get(members).filter(|i| !i.is_alias()) else {
        return;
    };
    for item in items.items() {
        let object = item.resolved();
        if !object.is_mapping() {
            continue;
        }
        if item.is_alias() {
            // Never descend through an alias: lists of aliased lists would multiply (an alias
            // bomb); the aliased object itself is linted where it is defined.
            out.push(Resource::new(doc, object));
        } else {
            push_flattened(doc, object, depth + 1, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write as _;

    fn kinds(text: &str) -> Vec<String> {
        let docs = crate::yaml::parse(text);
        let doc = docs[0].as_ref().unwrap();
        extract_resources(doc)
            .iter()
            .map(|r| format!("{}/{}", r.kind, r.name.unwrap_or("")))
            .collect()
    }

    fn gateway(text: &str) -> bool {
        let docs = crate::yaml::parse(text);
        let doc = docs[0].as_ref().unwrap();
        let res = extract_resources(doc);
        res[0].pod.as_ref().unwrap().is_gateway()
    }

    #[test]
    fn gateways_by_template_or_auto_image() {
        let pod = |annotations: &str, containers: &str| {
            format!("kind: Pod\nmetadata:\n  annotations: {{{annotations}}}\nspec:\n  containers: {containers}\n")
        };
        let app = "[{name: app, image: app:1}]";
        for templates in ["gateway", "gateway,custom", "' custom , gateway'"] {
            assert!(gateway(&pod(
                &format!("inject.istio.io/templates: {templates}"),
                app
            )));
        }
        for templates in ["sidecar", "gateways", "my-gateway", "''", "~"] {
            assert!(!gateway(&pod(
                &format!("inject.istio.io/templates: {templates}"),
                app
            )));
        }
        assert!(gateway(&pod("", "[{name: istio-proxy, image: auto}]")));
        assert!(!gateway(&pod("", "[{name: app, image: auto}]")));
        assert!(!gateway(&pod("", "[{name: istio-proxy, image: proxyv2}]")));
        assert!(!gateway(&pod("", "~")));
        // A workload's template, through an alias.
        let d = "kind: Deployment\nx: &c [{name: istio-proxy, image: auto}]\nspec:\n  template:\n    spec:\n      containers: *c\n";
        assert!(gateway(d));
    }

    /// Audit A6: kubectl flattens a `List` inside a `List`.
    #[test]
    fn nested_lists_are_flattened() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: List\n  items:\n  - kind: Pod\n    metadata:\n      name: b\n    spec: {}\n- kind: PodList\n  items:\n  - kind: Pod\n    metadata: {name: c}\n";
        assert_eq!(
            kinds(text),
            ["List/", "List/", "Pod/b", "PodList/", "Pod/c"]
        );
    }

    #[test]
    fn openshift_templates_are_read_like_lists_of_their_objects() {
        let text = "apiVersion: template.openshift.io/v1\nkind: Template\nmetadata:\n  name: t\nobjects:\n- apiVersion: apps.openshift.io/v1\n  kind: DeploymentConfig\n  metadata:\n    name: ${NAME}\n  spec:\n    template:\n      spec: {}\n- kind: Service\n  metadata: {name: s}\nparameters:\n- name: NAME\n";
        assert_eq!(
            kinds(text),
            ["Template/t", "DeploymentConfig/${NAME}", "Service/s"]
        );
        assert_eq!(
            kinds(&text.replace("template.openshift.io/v1", "v1")).len(),
            3
        );
        // Another `Template` kind (a CRD of some other group) is not descended into.
        assert_eq!(
            kinds(&text.replace("template.openshift.io/v1", "example.com/v1")),
            ["Template/t"]
        );
    }

    #[test]
    fn nesting_is_bounded_and_aliases_are_not_descended() {
        let mut text = String::from("kind: List\nitems:\n");
        let mut indent = String::new();
        for _ in 0..40 {
            indent.push_str("  ");
            let _ = write!(text, "{indent}- kind: List\n{indent}  items:\n");
        }
        assert_eq!(kinds(&text).len(), MAX_LIST_DEPTH + 1);
        // Each level aliases the one before ten times: never expanded.
        let mut bomb =
            String::from("kind: List\nitems:\n- &l0 {kind: List, items: [{kind: Pod}]}\n");
        for i in 1..8 {
            let refs = vec![format!("*l{}", i - 1); 10].join(", ");
            let _ = writeln!(bomb, "- &l{i} {{kind: List, items: [{refs}]}}");
        }
        assert!(kinds(&bomb).len() < 100, "{}", kinds(&bomb).len());
    }
}
