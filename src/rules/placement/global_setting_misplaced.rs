//! MESH205: a mesh-wide setting at a path Istio never reads.
//!
//! Three places hold mesh-wide settings, each checked against the generated schemas
//! (`istio::catalog`) with `istio::schema_check`, the way Istio decodes them:
//!
//! - An `IstioOperator`, linted as `istioctl install` reads it
//!   (`operator/pkg/apis/validation/validation.go` `ParseAndValidateIstioOperator`): the whole
//!   object is decoded with `DisallowUnknownFields` and `spec.values` with strict jsonpb, so an
//!   unknown key or a value of the wrong type under `spec` (components, `k8s` blocks with their
//!   Kubernetes types, `values`) or in `metadata` is an **error**. `spec.meshConfig` (and the
//!   free-form `spec.values.meshConfig`) is applied with the lenient `ApplyYAML`: unknown keys
//!   are dropped (**warning**), type errors still fail (error). Top-level `status` is accepted:
//!   the API server and `istioctl validate` take it and it only appears in object dumps, even
//!   though `istioctl install` would refuse such a dump. The capture lists'
//!   (`values.global.proxy.{exclude,include}*`) type errors are MESH302/MESH306's. Only the
//!   `install.istio.io` API group (or no `apiVersion`, which `istioctl` fills in) is checked:
//!   the pre-1.6 `operator.istio.io` group had another schema.
//! - The `mesh` data of `ConfigMap` `istio`/`istio-<rev>`: its embedded YAML is a `MeshConfig` read
//!   leniently by istiod, so unknown keys are dropped (**warning**). Positions inside the string
//!   map to the file when it is a literal block or a plain one-line scalar; otherwise the
//!   finding points at the `mesh` key (and has no fix).
//! - The `meshConfig` of an istiod Helm values file (`values*.yaml` with a top-level
//!   `meshConfig` or `global`): the chart writes it into that `ConfigMap` (**warning**).
//!
//! A finding points at the key. The fix (safe) renames or moves the key when the intended path
//! is unambiguous and free: a case-only or single near-miss rename, or one of the wrong places
//! seen in the wild (rules/MESH205-global-setting-misplaced.md): the annotation names `excludeOutboundIPRanges` /
//! `includeOutboundIPRanges` under `values.global.proxy`, a `values.global.proxy` key one level
//! too high (`values.global.excludeIPRanges`), a `values` key directly under `spec`
//! (`spec.global`, `spec.proxy`), and a `ProxyConfig` key at the top of a `MeshConfig`
//! (`holdApplicationUntilProxyStarts` next to, instead of under, `defaultConfig`).

use super::managed::ignored_by_managed;
use crate::context::Profile;
use crate::diagnostic::{Diagnostic, Edit, Fix, FixAvailability, RuleMeta, Severity};
use crate::istio::catalog::{self, FieldKind, MessageType};
use crate::istio::schema_check::{check_message, Issue};
use crate::rules::ResourceCheck;
use crate::source::TextRange;
use crate::yaml::edit::{
    line_end, newline, next_line_break, relocate_entry, Destination, ValueMap,
};
use crate::yaml::resolve::{resolve, ScalarType};
use crate::yaml::{self, Document, NodeKind, NodeRef, ScalarStyle};
use std::fmt::Write as _;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH205",
    name: "global-setting-misplaced",
    severity: Severity::Error,
    fix: FixAvailability::SometimesSafe,
    summary: "A mesh-wide setting sits where Istio never reads it",
    page: include_str!("../../../rules/MESH205-global-setting-misplaced.md"),
};

/// The `IstioOperator` value keys whose type errors belong to MESH302/MESH306.
const CAPTURE_PATHS: &[&str] = &[
    "spec.values.global.proxy.excludeIPRanges",
    "spec.values.global.proxy.includeIPRanges",
    "spec.values.global.proxy.excludeInboundPorts",
    "spec.values.global.proxy.includeInboundPorts",
    "spec.values.global.proxy.excludeOutboundPorts",
    "spec.values.global.proxy.includeOutboundPorts",
];

/// The free-form `spec.values` fields `istioctl` decodes strictly as Kubernetes types
/// (`validateValues`, `runKube`/`runKubeList`), by the types the schema has. Not here:
/// `pilot.topologySpreadConstraints`, `global.waypoint.topologySpreadConstraints` and
/// `global.proxy.lifecycle`, whose types (`TopologySpreadConstraint`, `Lifecycle`) the
/// generated schema does not carry.
const KUBE_VALUES: &[(&str, &str)] = &[
    ("cni.affinity", "io.k8s.api.core.v1.Affinity"),
    ("cni.seccompProfile", "io.k8s.api.core.v1.SeccompProfile"),
    (
        "gateways.istio-egressgateway.podAntiAffinityLabelSelector[]",
        "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector",
    ),
    (
        "gateways.istio-egressgateway.podAntiAffinityTermLabelSelector[]",
        "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector",
    ),
    (
        "gateways.istio-egressgateway.tolerations[]",
        "io.k8s.api.core.v1.Toleration",
    ),
    (
        "global.defaultTolerations[]",
        "io.k8s.api.core.v1.Toleration",
    ),
    (
        "gateways.istio-ingressgateway.podAntiAffinityLabelSelector[]",
        "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector",
    ),
    (
        "gateways.istio-ingressgateway.podAntiAffinityTermLabelSelector[]",
        "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector",
    ),
    (
        "gateways.istio-ingressgateway.tolerations[]",
        "io.k8s.api.core.v1.Toleration",
    ),
    ("pilot.tolerations[]", "io.k8s.api.core.v1.Toleration"),
    ("pilot.affinity", "io.k8s.api.core.v1.Affinity"),
    ("pilot.seccompProfile", "io.k8s.api.core.v1.SeccompProfile"),
    ("pilot.volumeMounts[]", "io.k8s.api.core.v1.VolumeMount"),
    ("pilot.volumes[]", "io.k8s.api.core.v1.Volume"),
    (
        "global.proxy.seccompProfile",
        "io.k8s.api.core.v1.SeccompProfile",
    ),
    (
        "sidecarInjectorWebhook.neverInjectSelector[]",
        "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector",
    ),
    (
        "sidecarInjectorWebhook.alwaysInjectSelector[]",
        "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector",
    ),
    ("global.waypoint.affinity", "io.k8s.api.core.v1.Affinity"),
    (
        "global.waypoint.nodeSelector",
        "io.k8s.api.core.v1.NodeSelector",
    ),
    (
        "global.waypoint.toleration[]",
        "io.k8s.api.core.v1.Toleration",
    ),
];

/// Pod annotation names used as `values.global.proxy` keys, and the key meant.
const ANNOTATION_NAMES: &[(&str, &str)] = &[
    ("excludeOutboundIPRanges", "excludeIPRanges"),
    ("includeOutboundIPRanges", "includeIPRanges"),
];

/// The capture settings people put in a mesh config, and their `values.global.proxy` key.
const CAPTURE_KEYS: &[(&str, &str)] = &[
    ("excludeIPRanges", "excludeIPRanges"),
    ("includeIPRanges", "includeIPRanges"),
    ("excludeOutboundIPRanges", "excludeIPRanges"),
    ("includeOutboundIPRanges", "includeIPRanges"),
    ("excludeInboundPorts", "excludeInboundPorts"),
    ("includeInboundPorts", "includeInboundPorts"),
    ("excludeOutboundPorts", "excludeOutboundPorts"),
    ("includeOutboundPorts", "includeOutboundPorts"),
];

/// Where the checked settings live.
#[derive(Clone, Copy)]
enum Place<'n> {
    /// An `IstioOperator`; `lenient` under `spec.meshConfig`/`spec.values.meshConfig`.
    Operator { lenient: bool },
    /// The `mesh` data of a `ConfigMap`.
    ConfigMap { name: &'n str },
    /// The `meshConfig` of istiod Helm values.
    Helm,
}

/// One schema root: the type of the node checked, the path of that node in issue paths, and
/// where it lives.
struct Scope<'p> {
    root: &'static MessageType,
    /// The issue path of the checked node (`spec.values.meshConfig`, `meshConfig`, or empty).
    prefix: &'p str,
    helm: bool,
}

impl Scope<'_> {
    /// The message type of the mapping holding the key at `path` (an issue path).
    fn parent_type(&self, path: &str, key: &str) -> Option<&'static MessageType> {
        let rel = path.strip_prefix(self.prefix)?;
        let rel = rel.strip_prefix('.').unwrap_or(rel);
        let parent = rel.strip_suffix(key)?;
        let parent = parent.strip_suffix('.').unwrap_or(parent);
        catalog::resolve_path(self.root, &normalize_indices(parent)).and_then(FieldKind::message)
    }
}

/// `a[0].b[12]` → `a[].b[]`, the form [`catalog::resolve_path`] takes.
fn normalize_indices(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '[' {
            while chars.peek().is_some_and(char::is_ascii_digit) {
                chars.next();
            }
        }
    }
    out
}

/// The short name of a message type (`istio.mesh.v1alpha1.ProxyConfig` → `ProxyConfig`).
fn short_name(m: &MessageType) -> &'static str {
    m.name.rsplit('.').next().unwrap_or(m.name)
}

fn values_type(path: &str) -> Option<&'static MessageType> {
    catalog::resolve_path(catalog::values(), path).and_then(FieldKind::message)
}

pub fn check(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    let res = cx.res;
    match res.kind {
        "IstioOperator"
            if res.api_version.is_empty() || res.api_version.starts_with("install.istio.io/") =>
        {
            check_operator(cx, out);
        }
        "ConfigMap" => {
            if let Some(name) = res
                .name
                .filter(|n| *n == "istio" || n.starts_with("istio-"))
            {
                check_configmap(cx, name, out);
            }
        }
        "" if cx.file.helm_values => check_helm(cx, out),
        _ => {}
    }
}

fn check_operator(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    let root = cx.res.root;
    let whole = Scope {
        root: catalog::istio_operator(),
        prefix: "",
        helm: false,
    };
    let mut issues = Vec::new();
    check_message(root, whole.root, "", true, &mut issues);
    report(cx, &whole, &issues, None, out);
    let Some(values) = root.get("spec").and_then(|s| s.resolved().get("values")) else {
        return;
    };
    // `spec.values.meshConfig` is free-form in Values but applied as a MeshConfig too.
    if let Some(mc) = values.resolved().get("meshConfig") {
        let scope = Scope {
            root: catalog::mesh_config(),
            prefix: "spec.values.meshConfig",
            helm: false,
        };
        let mut issues = Vec::new();
        check_message(mc, scope.root, scope.prefix, true, &mut issues);
        report(cx, &scope, &issues, None, out);
    }
    // The free-form Kubernetes values istioctl decodes strictly (`validateValues`).
    for &(path, type_name) in KUBE_VALUES {
        let Some(ty) = catalog::message_by_name(type_name) else {
            continue;
        };
        let (path, list) = match path.strip_suffix("[]") {
            Some(p) => (p, true),
            None => (path, false),
        };
        let Some(node) = values_node(values, path) else {
            continue;
        };
        let items: Vec<(String, NodeRef<'_, '_>)> = if list {
            node.resolved()
                .items()
                .enumerate()
                .map(|(i, item)| (format!("spec.values.{path}[{i}]"), item))
                .collect()
        } else {
            vec![(format!("spec.values.{path}"), node)]
        };
        for (prefix, item) in items {
            let scope = Scope {
                root: ty,
                prefix: &prefix,
                helm: false,
            };
            let mut issues = Vec::new();
            check_message(item, ty, &prefix, true, &mut issues);
            report(cx, &scope, &issues, None, out);
        }
    }
}

/// The node at a dotted `path` below `values`, a gateway's name taken in either spelling.
fn values_node<'d, 'a>(values: NodeRef<'d, 'a>, path: &str) -> Option<NodeRef<'d, 'a>> {
    path.split('.').try_fold(values, |node, key| {
        let node = node.resolved();
        node.get(key).or_else(|| node.get(&key.replace('-', "_")))
    })
}

fn check_helm(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    // Only a top-level `meshConfig` is read: the chart renders it into the mesh ConfigMap.
    let Some(mc) = cx.res.root.get("meshConfig") else {
        return;
    };
    let scope = Scope {
        root: catalog::mesh_config(),
        prefix: "meshConfig",
        helm: true,
    };
    let mut issues = Vec::new();
    check_message(mc, scope.root, scope.prefix, true, &mut issues);
    // Type errors break istiod's reading of the mesh config: not about misplaced keys.
    issues.retain(|i| matches!(i, Issue::UnknownKey { .. }));
    report(cx, &scope, &issues, None, out);
}

fn check_configmap(cx: &ResourceCheck<'_, '_, '_>, name: &str, out: &mut Vec<Diagnostic>) {
    let Some((mesh_key, mesh)) = cx
        .res
        .root
        .get("data")
        .and_then(|d| d.resolved().entry("mesh"))
    else {
        return;
    };
    if resolve(mesh) != ScalarType::Str {
        return;
    }
    let Some(inner) = mesh.resolved().as_str() else {
        return;
    };
    let Some(Ok(doc)) = yaml::DocumentParser::new(inner).next() else {
        return;
    };
    let Some(inner_root) = doc.root() else {
        return;
    };
    let scope = Scope {
        root: catalog::mesh_config(),
        prefix: "",
        helm: false,
    };
    let mut issues = Vec::new();
    check_message(inner_root, scope.root, "", true, &mut issues);
    // Type errors here stop istiod from loading the mesh config: not this rule's (it is about
    // keys Istio never reads).
    issues.retain(|i| matches!(i, Issue::UnknownKey { .. }));
    if issues.is_empty() {
        return;
    }
    let embedded = Embedded {
        text: inner,
        doc: &doc,
        map: InnerMap::new(cx.text, mesh, inner),
        mesh_key,
        mesh,
        name,
    };
    report(cx, &scope, &issues, Some(&embedded), out);
}

/// The `mesh` string of a `ConfigMap`, parsed, with the map back to the file.
struct Embedded<'e, 'd, 'a> {
    text: &'e str,
    doc: &'e Document<'e>,
    map: Option<InnerMap>,
    mesh_key: NodeRef<'d, 'a>,
    /// The `mesh` value: a quoted one-line string maps offsets through [`ValueMap`] (no fix).
    mesh: NodeRef<'d, 'a>,
    name: &'e str,
}

fn report(
    cx: &ResourceCheck<'_, '_, '_>,
    scope: &Scope<'_>,
    issues: &[Issue],
    embedded: Option<&Embedded<'_, '_, '_>>,
    out: &mut Vec<Diagnostic>,
) {
    for issue in issues {
        match issue {
            Issue::UnknownKey {
                path,
                key,
                key_range,
                suggestion,
                ..
            } => {
                if embedded.is_none() && scope.prefix.is_empty() && path == "status" {
                    continue;
                }
                let place = match embedded {
                    Some(e) => Place::ConfigMap { name: e.name },
                    None if scope.helm => Place::Helm,
                    None => Place::Operator {
                        lenient: path.starts_with("spec.meshConfig.")
                            || path.starts_with("spec.values.meshConfig."),
                    },
                };
                let unknown = Unknown {
                    path,
                    key,
                    key_range: *key_range,
                    suggestion: *suggestion,
                };
                out.push(unknown_key(cx, scope, place, embedded, &unknown));
            }
            Issue::WrongType {
                path,
                value_range,
                expected,
                found,
                ..
            } => {
                if embedded.is_some()
                    || CAPTURE_PATHS.contains(&path.as_str())
                    || path.starts_with("metadata.annotations.")
                    || path.starts_with("metadata.labels.")
                {
                    continue;
                }
                let what = if path.starts_with("spec.meshConfig.")
                    || path.starts_with("spec.values.meshConfig.")
                {
                    "istioctl install cannot apply the mesh config and rejects the IstioOperator"
                } else {
                    "istioctl install cannot decode it and rejects the IstioOperator"
                };
                // At the key, like every finding of this rule; a list item has none.
                let range = key_of_value(cx.doc, *value_range).unwrap_or(*value_range);
                out.push(Diagnostic::new(
                    &RULE,
                    range,
                    format!("`{path}` is {found} but must be {expected}: {what}"),
                ));
            }
        }
    }
}

/// The edits moving `key: value` of `parent` to `t` (see [`relocate_entry`]).
fn relocate(
    text: &str,
    parent: NodeRef<'_, '_>,
    key: NodeRef<'_, '_>,
    value: NodeRef<'_, '_>,
    t: &Target,
) -> Option<Vec<Edit>> {
    let to = Destination {
        chain: t.chain,
        name: t.name,
    };
    relocate_entry(text, parent, key, value, &to, &|m| {
        is_set(m, t.dest, t.name)
    })
}

/// Where an unknown key was surely meant to go.
struct Target {
    /// Mappings below the key's own mapping, outermost first (created when missing).
    chain: &'static [&'static str],
    /// The key's name there.
    name: &'static str,
    /// The type of the destination mapping, to see whether the key is already set there.
    dest: &'static MessageType,
}

/// The destination of a key seen in a known wrong place, when exactly one fits.
fn relocation(parent: &MessageType, key: &str) -> Option<Target> {
    let proxy = values_type("global.proxy")?;
    let global = values_type("global")?;
    let alias = ANNOTATION_NAMES
        .iter()
        .find(|(a, _)| *a == key)
        .map(|(_, k)| *k);
    let field_name = |m: &'static MessageType, k: &str| {
        m.field(k)
            .map(|f| if f.json == k { f.json } else { f.proto })
    };
    let in_proxy = field_name(proxy, alias.unwrap_or(key));
    let mut found: Vec<Target> = Vec::new();
    match parent.name {
        "istio.operator.v1alpha1.ProxyConfig" => {
            if let Some(name) = alias.and_then(|a| field_name(proxy, a)) {
                found.push(Target {
                    chain: &[],
                    name,
                    dest: proxy,
                });
            }
        }
        "istio.operator.v1alpha1.GlobalConfig" => {
            if let Some(name) = in_proxy {
                found.push(Target {
                    chain: &["proxy"],
                    name,
                    dest: proxy,
                });
            }
        }
        "istio.operator.v1alpha1.Values" => {
            if let Some(name) = field_name(global, key) {
                found.push(Target {
                    chain: &["global"],
                    name,
                    dest: global,
                });
            }
            if let Some(name) = in_proxy {
                found.push(Target {
                    chain: &["global", "proxy"],
                    name,
                    dest: proxy,
                });
            }
        }
        "apis.IstioOperatorSpec" => {
            // `spec.pilot` may mean `spec.components.pilot` as well as `spec.values.pilot`.
            if let Some(components) = parent
                .field("components")
                .and_then(|f| f.kind.message())
                .filter(|c| c.field_as_decoded(key).is_some())
            {
                found.push(Target {
                    chain: &["components"],
                    name: components.field_as_decoded(key)?.json,
                    dest: components,
                });
            }
            let values = catalog::values();
            if let Some(name) = field_name(values, key) {
                found.push(Target {
                    chain: &["values"],
                    name,
                    dest: values,
                });
            }
            if let Some(name) = field_name(global, key) {
                found.push(Target {
                    chain: &["values", "global"],
                    name,
                    dest: global,
                });
            }
            if let Some(name) = in_proxy {
                found.push(Target {
                    chain: &["values", "global", "proxy"],
                    name,
                    dest: proxy,
                });
            }
        }
        "istio.mesh.v1alpha1.MeshConfig" => {
            let pc = catalog::proxy_config();
            if let Some(name) = field_name(pc, key) {
                found.push(Target {
                    chain: &["defaultConfig"],
                    name,
                    dest: pc,
                });
            }
        }
        _ => {}
    }
    if found.len() == 1 {
        found.pop()
    } else {
        None
    }
}

/// Whether mapping `map` (of type `ty`) already sets the field `name`.
fn is_set(map: NodeRef<'_, '_>, ty: &MessageType, name: &str) -> bool {
    let wanted = ty.field(name);
    map.resolved().entries().any(|(k, _)| {
        let Some(k) = k.resolved().as_str() else {
            return false;
        };
        k == name
            || match (wanted, ty.field_as_decoded(k)) {
                (Some(w), Some(f)) => std::ptr::eq(w, f),
                _ => false,
            }
    })
}

/// A key the schema does not have, as the schema check reported it.
struct Unknown<'i> {
    /// Dotted, from the checked root.
    path: &'i str,
    key: &'i str,
    /// In the checked text (the file, or the `mesh` string of a ConfigMap).
    key_range: TextRange,
    /// A field of the same mapping it is close to.
    suggestion: Option<&'static str>,
}

fn unknown_key(
    cx: &ResourceCheck<'_, '_, '_>,
    scope: &Scope<'_>,
    place: Place<'_>,
    embedded: Option<&Embedded<'_, '_, '_>>,
    unknown: &Unknown<'_>,
) -> Diagnostic {
    let Unknown {
        path,
        key,
        key_range,
        suggestion,
    } = *unknown;
    let parent_ty = scope.parent_type(path, key);
    let parent_path = path
        .strip_suffix(key)
        .map_or("", |p| p.strip_suffix('.').unwrap_or(p));
    // The intended place: a known wrong path first, else a case-only or near-miss rename.
    let target: Option<Target> = parent_ty.and_then(|p| relocation(p, key)).or_else(|| {
        let name = suggestion?;
        Some(Target {
            chain: &[],
            name,
            dest: parent_ty?,
        })
    });
    let meant = target.as_ref().map(|t| {
        let mut rest: Vec<&str> = t.chain.to_vec();
        rest.push(t.name);
        let rest = rest.join(".");
        if parent_path.is_empty() {
            rest
        } else {
            format!("{parent_path}.{rest}")
        }
    });
    let dym = meant
        .as_ref()
        .map(|m| format!(" (did you mean `{m}`?)"))
        .or_else(|| capture_hint(place, parent_ty, key))
        .unwrap_or_default();
    let of_type = parent_ty.map_or_else(
        || "is not a field Istio knows".to_owned(),
        |t| format!("is not a field of {}", short_name(t)),
    );
    let (severity, mut message) = unknown_message(place, path, key, &of_type, &dym);
    let (range, mut fix) = locate(cx, embedded, key_range, target.as_ref());
    // In the managed profile, a move to where MESH204 then reports the setting (a mesh-wide hold
    // or exclusion, which managed Cloud Service Mesh does not honour) trades one finding for
    // another and still leaves the setting unread: no fix.
    if cx.cx.options.profile == Profile::Managed && fix.is_some() {
        if let Some(m) = meant.as_deref() {
            let doc = embedded.map_or(cx.doc, |e| e.doc);
            let value = find_entry(doc, key_range).map(|(_, _, v)| ignored_by_managed(m, v));
            if value == Some(true) {
                let _ = write!(
                    message,
                    "; no fix in the managed profile: at `{m}` it would be a mesh-wide setting that managed Cloud Service Mesh does not honour (MESH204), so set it on each pod instead"
                );
                fix = None;
            }
        }
    }
    let fix = fix.zip(meant).map(|(edits, meant)| {
        let what = match &target {
            Some(t) if t.chain.is_empty() => format!("rename `{key}` to `{}`", t.name),
            _ => format!("move `{key}` to `{meant}`"),
        };
        Fix::safe(what, edits)
    });
    let mut d = Diagnostic::new(&RULE, range, message).with_optional_fix(fix);
    d.severity = severity;
    d
}

/// The severity and message of an unknown key at `path` in `place`.
fn unknown_message(
    place: Place<'_>,
    path: &str,
    key: &str,
    of_type: &str,
    dym: &str,
) -> (Severity, String) {
    match place {
        Place::Operator { lenient: false } => (
            Severity::Error,
            format!(
                "`{path}` {of_type}{dym}: istioctl install rejects the IstioOperator (unknown field \"{key}\")"
            ),
        ),
        Place::Operator { lenient: true } => (
            Severity::Warning,
            format!("`{path}` {of_type}{dym}: Istio silently drops it, so it has no effect"),
        ),
        Place::ConfigMap { name } => (
            Severity::Warning,
            format!(
                "`{path}` in the `mesh` of ConfigMap `{name}` {of_type}{dym}: Istio silently drops it, so it has no effect"
            ),
        ),
        Place::Helm => (
            Severity::Warning,
            format!(
                "`{path}` {of_type}{dym}: the istiod chart copies it into the mesh config, where Istio silently drops it, so it has no effect"
            ),
        ),
    }
}

/// Where the finding on the key at `key_range` points, and the edits moving it to `target`, in
/// file coordinates.
fn locate(
    cx: &ResourceCheck<'_, '_, '_>,
    embedded: Option<&Embedded<'_, '_, '_>>,
    key_range: TextRange,
    target: Option<&Target>,
) -> (TextRange, Option<Vec<Edit>>) {
    match embedded {
        None => {
            let fix = target.and_then(|t| {
                let (parent, k, v) = find_entry(cx.doc, key_range)?;
                relocate(cx.text, parent, k, v, t)
            });
            (key_range, fix)
        }
        Some(e) => match &e.map {
            Some(map) => {
                let fix = target.and_then(|t| {
                    let (parent, k, v) = find_entry(e.doc, key_range)?;
                    map.edits(cx.text, relocate(e.text, parent, k, v, t)?)
                });
                (map.range(key_range), fix)
            }
            // A quoted one-line string: at the key inside it, as MESH204 points (a placement
            // finding is at the key); the mesh key when offsets cannot map.
            None => (
                ValueMap::new(cx.text, e.mesh, e.text)
                    .map(|m| m.range(&key_range.as_range()))
                    .filter(|r| !r.is_empty())
                    .unwrap_or_else(|| e.mesh_key.range()),
                None,
            ),
        },
    }
}

/// Where the capture settings really live, for a capture key put in a mesh config.
fn capture_hint(place: Place<'_>, parent: Option<&MessageType>, key: &str) -> Option<String> {
    let parent = parent?;
    if !matches!(
        parent.name,
        "istio.mesh.v1alpha1.ProxyConfig" | "istio.mesh.v1alpha1.MeshConfig"
    ) {
        return None;
    }
    let (_, value_key) = CAPTURE_KEYS.iter().find(|(k, _)| *k == key)?;
    Some(match place {
        Place::Operator { .. } => format!(
            " (the mesh-wide capture setting is `spec.values.global.proxy.{value_key}`)"
        ),
        Place::Helm => format!(" (the mesh-wide capture setting is `global.proxy.{value_key}`)"),
        Place::ConfigMap { .. } => format!(
            " (capture settings are injector values, `global.proxy.{value_key}`, or pod annotations)"
        ),
    })
}

/// The mapping, key and value of the entry whose key spans `key_range`.
fn find_entry<'d, 'a>(
    doc: &'d Document<'a>,
    key_range: TextRange,
) -> Option<(NodeRef<'d, 'a>, NodeRef<'d, 'a>, NodeRef<'d, 'a>)> {
    doc.nodes.iter().enumerate().find_map(|(i, n)| {
        let NodeKind::Mapping { entries, .. } = n.kind else {
            return None;
        };
        let &(k, v) = doc
            .entries_of(entries)
            .iter()
            .find(|&&(k, _)| doc.node(k).range == key_range)?;
        Some((doc.get(u32::try_from(i).ok()?), doc.get(k), doc.get(v)))
    })
}

/// The range of the key whose value spans `value_range`.
fn key_of_value(doc: &Document<'_>, value_range: TextRange) -> Option<TextRange> {
    doc.pairs
        .iter()
        .find(|&&(_, v)| doc.node(v).range == value_range)
        .map(|&(k, _)| doc.node(k).range)
}

/// The offset just past the first line break of `s`.
fn past_break(s: &str) -> Option<usize> {
    next_line_break(s).map(|(at, len)| at + len)
}

/// Maps offsets in the `mesh` string of a `ConfigMap` to offsets in the file: for a literal
/// block, line by line (the block's indentation added back); for a plain one-line scalar,
/// one to one.
struct InnerMap {
    /// Per line of the string: its offset there, the file offset of its first character
    /// (after the block's indentation) and of its line start.
    lines: Vec<(usize, usize, usize)>,
    /// The block's indentation; 0 for a one-line scalar.
    indent: usize,
    multiline: bool,
    file_nl: &'static str,
}

impl InnerMap {
    fn new(text: &str, value: NodeRef<'_, '_>, cooked: &str) -> Option<Self> {
        if value.is_alias() {
            return None;
        }
        let range = value.range();
        let raw = range.slice(text);
        match value.style()? {
            ScalarStyle::Plain => (raw == cooked && !raw.contains(['\n', '\r'])).then(|| Self {
                lines: vec![(0, range.start() as usize, range.start() as usize)],
                indent: 0,
                multiline: false,
                file_nl: newline(text),
            }),
            ScalarStyle::Literal => {
                let segments: Vec<&str> = cooked.split('\n').collect();
                let mut pos = range.start() as usize + past_break(raw)?;
                let line_at = |p: usize| -> &str { &text[p..line_end(text, p)] };
                // The indentation: from the first line with content.
                let indent = {
                    let j = segments.iter().position(|s| !s.is_empty())?;
                    let mut p = pos;
                    for _ in 0..j {
                        p += past_break(&text[p..])?;
                    }
                    let line = line_at(p);
                    line.len().checked_sub(segments[j].len())?
                };
                let mut lines = Vec::with_capacity(segments.len());
                let mut inner = 0;
                for (i, seg) in segments.iter().enumerate() {
                    if i + 1 == segments.len() && seg.is_empty() && i > 0 {
                        // After the last line break: the line that follows the block.
                        lines.push((inner, pos, pos));
                        break;
                    }
                    if pos > text.len() {
                        return None;
                    }
                    let line = line_at(pos);
                    if seg.is_empty() {
                        if !line.trim().is_empty() {
                            return None;
                        }
                        lines.push((inner, pos + indent.min(line.len()), pos));
                    } else {
                        if line.len() < indent
                            || !line.as_bytes()[..indent].iter().all(|&b| b == b' ')
                            || &line[indent..] != *seg
                        {
                            return None;
                        }
                        lines.push((inner, pos + indent, pos));
                    }
                    inner += seg.len() + 1;
                    pos += past_break(&text[pos..]).unwrap_or(text.len() - pos);
                }
                Some(Self {
                    lines,
                    indent,
                    multiline: true,
                    file_nl: newline(text),
                })
            }
            _ => None,
        }
    }

    fn offset(&self, inner: usize, at_line_start: bool) -> u32 {
        let i = self
            .lines
            .partition_point(|&(start, _, _)| start <= inner)
            .saturating_sub(1);
        let (start, content, line) = self.lines[i];
        let col = inner - start;
        let at = if col == 0 && at_line_start {
            line
        } else {
            content + col
        };
        u32::try_from(at).unwrap_or(u32::MAX)
    }

    fn range(&self, r: TextRange) -> TextRange {
        TextRange::new(
            self.offset(r.start() as usize, false),
            self.offset(r.end() as usize, false),
        )
    }

    fn is_line_start(&self, inner: usize) -> bool {
        self.lines.iter().any(|&(s, _, _)| s == inner)
    }

    /// The edits of the string, as edits of the file.
    fn edits(&self, file: &str, edits: Vec<Edit>) -> Option<Vec<Edit>> {
        let pad = format!("{}{}", self.file_nl, " ".repeat(self.indent));
        edits
            .into_iter()
            .map(|e| {
                let (s, t) = (e.range.start() as usize, e.range.end() as usize);
                if !self.multiline && e.content.contains('\n') {
                    return None;
                }
                let whole_lines = self.multiline
                    && e.content.is_empty()
                    && self.is_line_start(s)
                    && self.is_line_start(t);
                let range =
                    TextRange::new(self.offset(s, whole_lines), self.offset(t, whole_lines));
                if range.end() as usize > file.len() {
                    return None;
                }
                Some(Edit::replace(range, e.content.replace('\n', &pad)))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::context::LintOptions;
    use crate::diagnostic::{Applicability, Diagnostic, Severity};
    use crate::rules::test_util::{at, fixed, iop, lint, pos};
    use crate::rules::RuleSelector;

    const CODE: &str = "MESH205";

    fn lint_as(text: &str, name: &str, codes: &[&str]) -> Vec<Diagnostic> {
        crate::lint_source(
            text,
            name,
            &LintOptions::default(),
            &RuleSelector {
                select: codes.iter().map(|c| (*c).to_owned()).collect(),
                ignore: Vec::new(),
            },
        )
    }

    fn one(text: &str) -> Diagnostic {
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1, "{d:#?}");
        assert_eq!(d[0].code, CODE);
        d.into_iter().next().unwrap()
    }

    fn cm(name: &str, mesh: &str) -> String {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: istio-system\ndata:\n  mesh: {mesh}")
    }

    #[test]
    fn annotation_name_under_values_proxy_is_renamed() {
        let text = iop("  profile: default\n  values:\n    global:\n      proxy:\n        excludeOutboundIPRanges: \"10.8.0.0/16\"\n");
        let d = one(&text);
        assert_eq!(d.severity, Severity::Error);
        assert_eq!(pos(&text, &d), at(&text, "excludeOutboundIPRanges", 1));
        assert_eq!(
            d.range.len() as usize,
            "excludeOutboundIPRanges".len(),
            "the key"
        );
        assert!(d
            .message
            .contains("`spec.values.global.proxy.excludeOutboundIPRanges`"));
        assert!(d
            .message
            .contains("did you mean `spec.values.global.proxy.excludeIPRanges`?"));
        assert!(d.message.contains("istioctl install rejects"));
        let fix = d.fix.as_ref().unwrap();
        assert_eq!(fix.applicability, Applicability::Safe);
        assert_eq!(
            fixed(&text, &d),
            text.replace("excludeOutboundIPRanges", "excludeIPRanges")
        );
        let include = iop("  values:\n    global:\n      proxy:\n        includeOutboundIPRanges: \"10.0.0.0/8\"\n");
        let d = one(&include);
        assert_eq!(
            pos(&include, &d),
            at(&include, "includeOutboundIPRanges:", 1)
        );
        assert_eq!(
            fixed(&include, &d),
            include.replace("includeOutboundIPRanges", "includeIPRanges")
        );
    }

    #[test]
    fn no_fix_when_the_destination_is_taken() {
        let text = iop("  values:\n    global:\n      proxy:\n        excludeIPRanges: \"10.0.0.0/8\"\n        excludeOutboundIPRanges: \"10.8.0.0/16\"\n");
        let d = one(&text);
        assert!(d.message.contains("did you mean"));
        assert!(d.fix.is_none());
        let text = iop("  values:\n    global:\n      excludeIPRanges: 10.0.0.0/8\n      proxy:\n        excludeIPRanges: 10.8.0.0/16\n");
        assert!(one(&text).fix.is_none());
    }

    #[test]
    fn values_proxy_key_one_level_too_high() {
        // `proxy` exists: the entry moves into it, its comment with it.
        let text = iop("  values:\n    global:\n      excludeIPRanges: 10.0.0.0/8 # vault\n      proxy:\n        holdApplicationUntilProxyStarts: true\n");
        let d = one(&text);
        assert_eq!(pos(&text, &d), at(&text, "excludeIPRanges", 1));
        assert!(d.message.contains("not a field of GlobalConfig"));
        assert!(d
            .message
            .contains("did you mean `spec.values.global.proxy.excludeIPRanges`?"));
        assert_eq!(
            fixed(&text, &d),
            iop("  values:\n    global:\n      proxy:\n        holdApplicationUntilProxyStarts: true\n        excludeIPRanges: 10.0.0.0/8 # vault\n")
        );
        assert!(d
            .fix
            .as_ref()
            .unwrap()
            .message
            .contains("move `excludeIPRanges`"));
        // No `proxy` yet: it is created in place.
        let text = iop(
            "  values:\n    global:\n      excludeIPRanges: 10.0.0.0/8 # vault\n      hub: x\n",
        );
        assert_eq!(
            fixed(&text, &one(&text)),
            iop("  values:\n    global:\n      proxy:\n        excludeIPRanges: 10.0.0.0/8 # vault\n      hub: x\n")
        );
        // The annotation's name one level too high: both corrected.
        let text = iop("  values:\n    global:\n      excludeOutboundIPRanges: 10.0.0.0/8\n");
        let d = one(&text);
        assert!(d
            .message
            .contains("did you mean `spec.values.global.proxy.excludeIPRanges`?"));
        assert_eq!(
            fixed(&text, &d),
            iop("  values:\n    global:\n      proxy:\n        excludeIPRanges: 10.0.0.0/8\n")
        );
    }

    #[test]
    fn values_keys_directly_under_spec() {
        // `spec.global` beside an existing `spec.values`: its lines move, re-indented, comments kept.
        let text = iop("  profile: default\n  global:\n    proxy:\n      # the vault range\n      excludeIPRanges: 10.0.0.0/8\n  values:\n    pilot:\n      enabled: true\n");
        let d = one(&text);
        assert_eq!(pos(&text, &d), at(&text, "global:", 1));
        assert!(d
            .message
            .contains("`spec.global` is not a field of IstioOperatorSpec"));
        assert!(d.message.contains("did you mean `spec.values.global`?"));
        assert_eq!(
            fixed(&text, &d),
            iop("  profile: default\n  values:\n    pilot:\n      enabled: true\n    global:\n      proxy:\n        # the vault range\n        excludeIPRanges: 10.0.0.0/8\n")
        );
        // Without `spec.values`: nested in place.
        let text =
            iop("  global:\n    proxy:\n      excludeIPRanges: 10.0.0.0/8\n  profile: default\n");
        assert_eq!(
            fixed(&text, &one(&text)),
            iop("  values:\n    global:\n      proxy:\n        excludeIPRanges: 10.0.0.0/8\n  profile: default\n")
        );
        // `spec.proxy` is `spec.values.global.proxy`.
        let text = iop("  proxy:\n    excludeIPRanges: 10.0.0.0/8\n  values:\n    pilot:\n      enabled: true\n");
        let d = one(&text);
        assert!(d
            .message
            .contains("did you mean `spec.values.global.proxy`?"));
        assert_eq!(
            fixed(&text, &d),
            iop("  values:\n    pilot:\n      enabled: true\n    global:\n      proxy:\n        excludeIPRanges: 10.0.0.0/8\n")
        );
        // A component name: `spec.components.pilot` or `spec.values.pilot`? No fix.
        let text = iop("  pilot:\n    enabled: true\n");
        let d = one(&text);
        assert!(!d.message.contains("did you mean"));
        assert!(d.fix.is_none());
        // `spec.values` before it, no final newline, four-space indentation.
        let text = "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n    values:\n        pilot:\n            enabled: true\n    global:\n        proxy:\n            excludeIPRanges: 10.0.0.0/8";
        assert_eq!(
            fixed(text, &one(text)),
            "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n    values:\n        pilot:\n            enabled: true\n        global:\n            proxy:\n                excludeIPRanges: 10.0.0.0/8"
        );
        // `spec.values.global` already set: merging is not a rename, no fix.
        let text = iop("  global:\n    hub: x\n  values:\n    global:\n      tag: y\n");
        let d = one(&text);
        assert!(d.message.contains("did you mean `spec.values.global`?"));
        assert!(d.fix.is_none());
    }

    #[test]
    fn default_config_typo_is_a_warning_and_never_mesh104() {
        let text = iop("  meshConfig:\n    defaultConfig:\n      holdApplicationUntilProxyStarts: true\n      terminationDrainDurations: 10s\n");
        let d = lint_as(&text, "iop.yaml", &["MESH205", "MESH104"]);
        assert_eq!(d.len(), 1, "{d:#?}");
        assert_eq!(d[0].code, CODE);
        assert_eq!(d[0].severity, Severity::Warning);
        assert_eq!(pos(&text, &d[0]), at(&text, "terminationDrainDurations", 1));
        assert!(d[0].message.contains("not a field of ProxyConfig"));
        assert!(d[0]
            .message
            .contains("did you mean `spec.meshConfig.defaultConfig.terminationDrainDuration`?"));
        assert!(d[0].message.contains("silently drops it"));
        assert_eq!(
            fixed(&text, &d[0]),
            text.replace("terminationDrainDurations", "terminationDrainDuration")
        );
        // Case only.
        let text =
            iop("  meshConfig:\n    defaultConfig:\n      HoldApplicationUntilProxyStarts: true\n");
        assert_eq!(
            fixed(&text, &one(&text)),
            text.replace("HoldApplication", "holdApplication")
        );
    }

    #[test]
    fn capture_settings_in_default_config_are_dropped() {
        let text = iop("  meshConfig:\n    defaultConfig:\n      excludeIPRanges: 10.0.0.0/8\n");
        let d = one(&text);
        assert_eq!(d.severity, Severity::Warning);
        assert!(d
            .message
            .contains("`spec.meshConfig.defaultConfig.excludeIPRanges`"));
        assert!(d
            .message
            .contains("`spec.values.global.proxy.excludeIPRanges`"));
        assert!(d.fix.is_none());
    }

    #[test]
    fn hold_at_the_top_of_mesh_config_moves_under_default_config() {
        let text = iop("  meshConfig:\n    holdApplicationUntilProxyStarts: true\n    accessLogFile: /dev/stdout\n");
        let d = one(&text);
        assert_eq!(d.severity, Severity::Warning);
        assert!(d.message.contains(
            "did you mean `spec.meshConfig.defaultConfig.holdApplicationUntilProxyStarts`?"
        ));
        assert_eq!(
            fixed(&text, &d),
            iop("  meshConfig:\n    defaultConfig:\n      holdApplicationUntilProxyStarts: true\n    accessLogFile: /dev/stdout\n")
        );
        let text = iop("  meshConfig:\n    accessLogFile: /dev/stdout\n    holdApplicationUntilProxyStarts: true\n    defaultConfig:\n      concurrency: 2\n");
        assert_eq!(
            fixed(&text, &one(&text)),
            iop("  meshConfig:\n    accessLogFile: /dev/stdout\n    defaultConfig:\n      concurrency: 2\n      holdApplicationUntilProxyStarts: true\n")
        );
        let text = iop("  meshConfig: {holdApplicationUntilProxyStarts: true}\n");
        assert_eq!(
            fixed(&text, &one(&text)),
            iop("  meshConfig: {defaultConfig: {holdApplicationUntilProxyStarts: true}}\n")
        );
        let text = iop("  meshConfig: {accessLogFile: x, defaultConfig: {concurrency: 2}, holdApplicationUntilProxyStarts: true}\n");
        assert_eq!(
            fixed(&text, &one(&text)),
            iop("  meshConfig: {accessLogFile: x, defaultConfig: {concurrency: 2, holdApplicationUntilProxyStarts: true}}\n")
        );
        // Set in both places: the destination is taken.
        let text = iop("  meshConfig:\n    holdApplicationUntilProxyStarts: true\n    defaultConfig:\n      hold_application_until_proxy_starts: false\n");
        assert!(one(&text).fix.is_none());
    }

    #[test]
    fn values_mesh_config_is_lenient_too() {
        let text = iop("  values:\n    meshConfig:\n      defaultConfig:\n        holdApplicationUntilProxyStart: true\n");
        let d = one(&text);
        assert_eq!(d.severity, Severity::Warning);
        assert!(d
            .message
            .contains("`spec.values.meshConfig.defaultConfig.holdApplicationUntilProxyStart`"));
        assert_eq!(
            fixed(&text, &d),
            text.replace("ProxyStart:", "ProxyStarts:")
        );
    }

    #[test]
    fn type_errors_are_istioctl_errors_but_capture_lists_are_not_this_rules() {
        let text = iop("  values:\n    pilot:\n      autoscaleMax: eight\n    global:\n      proxy:\n        excludeOutboundPorts: 8200\n        excludeIPRanges: [10.0.0.0/8]\n  meshConfig:\n    defaultConfig:\n      holdApplicationUntilProxyStarts: \"true\"\n");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 2, "{d:#?}");
        assert_eq!(pos(&text, &d[0]), at(&text, "autoscaleMax", 1));
        assert!(d[0]
            .message
            .contains("`spec.values.pilot.autoscaleMax` is a string but must be an integer"));
        assert_eq!(d[0].severity, Severity::Error);
        assert_eq!(
            pos(&text, &d[1]),
            at(&text, "holdApplicationUntilProxyStarts", 1)
        );
        assert!(d[1].message.contains("cannot apply the mesh config"));
        assert_eq!(d[1].severity, Severity::Error);
        assert!(d.iter().all(|d| d.fix.is_none()));
        // A list item has no key: the finding points at the item.
        let text = iop("  components:\n    pilot:\n      k8s:\n        tolerations:\n          - just-a-string\n");
        let d = one(&text);
        assert_eq!(pos(&text, &d), at(&text, "just-a-string", 1));
        assert!(d.message.contains(
            "`spec.components.pilot.k8s.tolerations[0]` is a string but must be a mapping"
        ));
    }

    #[test]
    fn top_level_and_metadata() {
        let text = "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  name: m\n  label:\n    a: b\n  annotations:\n    x: 1\nspecs:\n  profile: demo\nstatus:\n  status: HEALTHY\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 2, "{d:#?}");
        assert_eq!(pos(text, &d[0]), at(text, "label:", 1));
        assert!(d[0].message.contains("did you mean `metadata.labels`?"));
        assert_eq!(pos(text, &d[1]), at(text, "specs:", 1));
        assert!(d[1].message.contains("did you mean `spec`?"));
        assert_eq!(fixed(text, &d[1]), text.replace("specs:", "spec:"));
    }

    #[test]
    fn kubernetes_types_inside_the_operator() {
        // operator/cmd/mesh/testdata/manifest-generate/input/invalid-k8s.yaml
        let text = iop("  profile: ambient\n  components:\n    ztunnel:\n      enabled: true\n      k8s:\n        resources:\n          requests:\n            cpu: 100m\n            memory: 100Mi\n        tolerations:\n          - thats: not-a-real-field\n          - key: a\n            tolerationSecond: 30\n");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 2, "{d:#?}");
        assert_eq!(pos(&text, &d[0]), at(&text, "thats", 1));
        assert!(d[0].message.contains(
            "`spec.components.ztunnel.k8s.tolerations[0].thats` is not a field of Toleration"
        ));
        assert!(d[0].fix.is_none());
        assert!(d[1].message.contains(
            "did you mean `spec.components.ztunnel.k8s.tolerations[1].tolerationSeconds`?"
        ));
        assert_eq!(
            fixed(&text, &d[1]),
            text.replace("tolerationSecond:", "tolerationSeconds:")
        );
        // invalid-k8s-values.yaml: the free-form values istioctl decodes as Kubernetes types.
        let text = iop("  values:\n    global:\n      defaultTolerations:\n        - thats: not-a-real-field\n    gateways:\n      istio_ingressgateway:\n        tolerations:\n          - effect: NoSchedule\n    pilot:\n      affinity:\n        nodeAffinty: {}\n");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 2, "{d:#?}");
        assert!(d[0].message.contains(
            "`spec.values.global.defaultTolerations[0].thats` is not a field of Toleration"
        ));
        assert!(d[1]
            .message
            .contains("did you mean `spec.values.pilot.affinity.nodeAffinity`?"));
    }

    #[test]
    fn nulls_and_known_keys_are_fine() {
        // operator/cmd/mesh/testdata/manifest-generate/input/bogus_cps.yaml (istioctl accepts it).
        let text = "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  namespace: istio-system\nspec:\n  values:\n    global:\n      mountMtlsCerts:\n    pilot:\n      autoscaleEnabled:\n";
        assert!(lint(text, CODE).is_empty());
        let text = iop("  profile: minimal\n  tag: 1.24.2\n  meshConfig:\n    outboundTrafficPolicy:\n      mode: REGISTRY_ONLY\n    defaultConfig:\n      holdApplicationUntilProxyStarts: true\n      hold_application_until_proxy_starts: true\n  components:\n    egressGateways:\n      - name: istio-egressgateway\n        enabled: true\n  values:\n    gateways:\n      istio-ingressgateway:\n        autoscaleEnabled: false\n    global:\n      logging:\n        level: \"default:info\"\n      proxy:\n        excludeOutboundPorts: \"8200,8201\"\n  unvalidatedValues:\n    anything: goes\n");
        assert!(lint(&text, CODE).is_empty(), "{:#?}", lint(&text, CODE));
        assert!(lint(&iop(""), CODE).is_empty());
    }

    #[test]
    fn only_install_istio_io_operators() {
        let legacy = "apiVersion: operator.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  values:\n    grafana:\n      enabled: true\n";
        assert!(lint(legacy, CODE).is_empty());
        let bare = "kind: IstioOperator\nspec:\n  values:\n    grafana:\n      enabled: true\n";
        assert_eq!(lint(bare, CODE).len(), 1);
    }

    #[test]
    fn list_items_json_and_crlf() {
        let list = "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: install.istio.io/v1alpha1\n    kind: IstioOperator\n    spec:\n      values:\n        global:\n          proxy:\n            excludeOutboundIPRanges: 10.0.0.0/8\n";
        let d = one(list);
        assert_eq!(pos(list, &d), at(list, "excludeOutboundIPRanges", 1));
        let json = "{\"apiVersion\": \"install.istio.io/v1alpha1\", \"kind\": \"IstioOperator\", \"spec\": {\"meshConfig\": {\"holdApplicationUntilProxyStarts\": true}, \"values\": {\"global\": {\"proxy\": {\"excludeOutboundIPRanges\": \"10.0.0.0/8\"}}}}}\n";
        let d = lint(json, CODE);
        assert_eq!(d.len(), 2);
        assert_eq!(
            pos(json, &d[0]),
            at(json, "\"holdApplicationUntilProxyStarts\"", 1)
        );
        assert_eq!(
            fixed(json, &d[0]),
            json.replace(
                "{\"holdApplicationUntilProxyStarts\": true}",
                "{\"defaultConfig\": {\"holdApplicationUntilProxyStarts\": true}}"
            )
        );
        assert_eq!(
            fixed(json, &d[1]),
            json.replace("\"excludeOutboundIPRanges\"", "\"excludeIPRanges\"")
        );
        let crlf = iop("  values:\n    global:\n      excludeIPRanges: 10.0.0.0/8\n      proxy:\n        image: proxyv2\n").replace('\n', "\r\n");
        let d = one(&crlf);
        assert_eq!(
            fixed(&crlf, &d),
            iop("  values:\n    global:\n      proxy:\n        image: proxyv2\n        excludeIPRanges: 10.0.0.0/8\n").replace('\n', "\r\n")
        );
    }

    #[test]
    fn mesh_configmap_literal_block() {
        let text = cm("istio", "|-\n    accessLogFile: /dev/stdout\n    holdApplicationUntilProxyStarts: true\n    defaultConfig:\n      discoveryAddress: istiod:15012\n");
        let d = one(&text);
        assert_eq!(d.severity, Severity::Warning);
        assert_eq!(
            pos(&text, &d),
            at(&text, "holdApplicationUntilProxyStarts", 1)
        );
        assert_eq!(
            d.range.len() as usize,
            "holdApplicationUntilProxyStarts".len()
        );
        assert!(d.message.contains("in the `mesh` of ConfigMap `istio`"));
        assert!(d
            .message
            .contains("did you mean `defaultConfig.holdApplicationUntilProxyStarts`?"));
        assert_eq!(
            fixed(&text, &d),
            cm("istio", "|-\n    accessLogFile: /dev/stdout\n    defaultConfig:\n      discoveryAddress: istiod:15012\n      holdApplicationUntilProxyStarts: true\n")
        );
        // No defaultConfig: nested in place; the block's other lines and the next key untouched.
        let text = cm("istio", "|\n    holdApplicationUntilProxyStarts: true\n    accessLogFile: /dev/stdout\n  meshNetworks: 'networks: {}'\n");
        assert_eq!(
            fixed(&text, &one(&text)),
            cm("istio", "|\n    defaultConfig:\n      holdApplicationUntilProxyStarts: true\n    accessLogFile: /dev/stdout\n  meshNetworks: 'networks: {}'\n")
        );
        // The last line of a clipped block moves out, the next key stays.
        let text = cm("istio-1-22", "|\n    defaultConfig:\n      concurrency: 2\n    holdApplicationUntilProxyStarts: true\n  meshNetworks: 'networks: {}'\n");
        assert_eq!(
            fixed(&text, &one(&text)),
            cm("istio-1-22", "|\n    defaultConfig:\n      concurrency: 2\n      holdApplicationUntilProxyStarts: true\n  meshNetworks: 'networks: {}'\n")
        );
        // The last line of a stripped block, CRLF, a blank line inside.
        let text = cm("istio", "|-\n    defaultConfig:\n      concurrency: 2\n\n    holdApplicationUntilProxyStarts: true").replace('\n', "\r\n");
        let d = one(&text);
        assert_eq!(
            pos(&text, &d),
            at(&text, "holdApplicationUntilProxyStarts", 1)
        );
        assert_eq!(
            fixed(&text, &d),
            cm("istio", "|-\n    defaultConfig:\n      concurrency: 2\n      holdApplicationUntilProxyStarts: true\n").replace('\n', "\r\n")
        );
    }

    /// Audit C5: a one-line quoted `mesh` string (single, double, flow, JSON): at the key
    /// inside it, as MESH204 points in the same kind of string.
    #[test]
    fn mesh_configmap_one_line_quoted_points_at_the_key_inside() {
        for mesh in [
            "\"holdApplicationUntilProxyStarts: true\"",
            "'holdApplicationUntilProxyStarts: true'",
            "\"{holdApplicationUntilProxyStarts: true}\"",
            "'{\"holdApplicationUntilProxyStarts\": true}'",
        ] {
            let text = cm("istio", &format!("{mesh}\n"));
            let d = one(&text);
            // A JSON key with its quotes, as keys are everywhere.
            let key = if mesh.contains("{\"hold") {
                "\"holdApplicationUntilProxyStarts\""
            } else {
                "holdApplicationUntilProxyStarts"
            };
            assert_eq!(pos(&text, &d), at(&text, key, 1), "{mesh}");
            assert_eq!(d.range.len(), key.len() as u32, "{mesh}");
        }
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: istio\ndata:\n  mesh: \"holdApplicationUntilProxyStarts: true\"\n";
        assert_eq!(pos(text, &one(text)), (6, 10));
    }

    #[test]
    fn mesh_configmap_other_forms_point_at_the_mesh_key() {
        // A double-quoted string with escapes maps (as for MESH204): at the key inside it.
        let text = cm(
            "istio",
            "\"defaultConfig:\\n  holdApplicationUntilProxyStart: true\\n\"\n",
        );
        let d = one(&text);
        assert_eq!(
            pos(&text, &d),
            at(&text, "holdApplicationUntilProxyStart", 1)
        );
        assert!(d
            .message
            .contains("`defaultConfig.holdApplicationUntilProxyStart`"));
        assert!(d.fix.is_none());
        let folded = cm("istio", ">\n    {holdApplicationUntilProxyStarts: true}\n");
        let d = one(&folded);
        assert_eq!(pos(&folded, &d), at(&folded, "mesh:", 1));
        // Other ConfigMaps, and a mesh that is not a mapping or does not parse, are not read.
        assert!(lint(
            &cm(
                "app-config",
                "|\n    holdApplicationUntilProxyStarts: true\n"
            ),
            CODE
        )
        .is_empty());
        assert!(lint(&cm("istio", "|\n    [unclosed\n"), CODE).is_empty());
        assert!(lint(&cm("istio", "''\n"), CODE).is_empty());
        // Type errors in the mesh data are not this rule's.
        assert!(lint(
            &cm("istio", "|\n    defaultConfig:\n      concurrency: two\n"),
            CODE
        )
        .is_empty());
    }

    #[test]
    fn helm_values_mesh_config() {
        let text = "global:\n  hub: registry.acme.test/istio\n  tag: 1.24.2\nmeshConfig:\n  accessLogFile: /dev/stdout\n  holdApplicationUntilProxyStarts: true\n";
        let d = lint_as(text, "values-prod.yaml", &[CODE]);
        assert_eq!(d.len(), 1, "{d:#?}");
        assert_eq!(d[0].severity, Severity::Warning);
        assert_eq!(
            pos(text, &d[0]),
            at(text, "holdApplicationUntilProxyStarts", 1)
        );
        assert!(d[0]
            .message
            .contains("`meshConfig.holdApplicationUntilProxyStarts`"));
        assert!(d[0]
            .message
            .contains("did you mean `meshConfig.defaultConfig.holdApplicationUntilProxyStarts`?"));
        assert_eq!(
            fixed(text, &d[0]),
            "global:\n  hub: registry.acme.test/istio\n  tag: 1.24.2\nmeshConfig:\n  accessLogFile: /dev/stdout\n  defaultConfig:\n    holdApplicationUntilProxyStarts: true\n"
        );
        let capture = "meshConfig:\n  defaultConfig:\n    excludeOutboundIPRanges: 10.0.0.0/8\n";
        let d = lint_as(capture, "values.yaml", &[CODE]);
        assert!(d[0].message.contains("`global.proxy.excludeIPRanges`"));
        // Not a values file, or an unrelated values file: not read.
        assert!(lint(text, CODE).is_empty());
        assert!(lint_as(
            "meshConfig:\n  enableTracing: maybe\n",
            "values.yaml",
            &[CODE]
        )
        .is_empty());
        assert!(lint_as(
            "replicaCount: 2\nconfig:\n  meshConfig: {x: 1}\n",
            "values.yaml",
            &[CODE]
        )
        .is_empty());
    }

    /// Issue 17: in the managed profile no fix moves a setting to where MESH204 then reports it
    /// (a mesh-wide hold or exclusion managed Cloud Service Mesh does not honour).
    #[test]
    fn managed_profile_never_moves_a_setting_into_mesh204() {
        let managed = LintOptions {
            profile: crate::context::Profile::Managed,
            ..LintOptions::default()
        };
        let cases = [
            iop("  values:\n    global:\n      proxy:\n        excludeOutboundIPRanges: \"10.8.0.0/16\"\n"),
            iop("  meshConfig:\n    holdApplicationUntilProxyStarts: true\n"),
            iop("  values:\n    global:\n      excludeOutboundPorts: \"8200\"\n"),
            cm("istio", "|\n    holdApplicationUntilProxyStarts: true\n"),
        ];
        for text in &cases {
            // The default profile's fix lands where MESH204 reports it in the managed profile.
            let d = one(text);
            let moved = fixed(text, &d);
            assert_eq!(
                crate::rules::test_util::lint_with(&moved, "MESH204", &managed).len(),
                1,
                "{moved}"
            );
            let d = crate::rules::test_util::lint_with(text, CODE, &managed);
            assert_eq!(d.len(), 1, "{text}");
            assert!(d[0].fix.is_none(), "{text}");
            assert!(
                d[0].message.contains("no fix in the managed profile")
                    && d[0].message.contains("MESH204"),
                "{}",
                d[0].message
            );
        }
        // Where MESH204 stays quiet, the fix stays: an include range, a hold that is off.
        for text in [
            iop("  values:\n    global:\n      proxy:\n        includeOutboundIPRanges: \"10.0.0.0/8\"\n"),
            iop("  meshConfig:\n    holdApplicationUntilProxyStarts: false\n"),
        ] {
            let d = crate::rules::test_util::lint_with(&text, CODE, &managed);
            assert_eq!(d.len(), 1, "{text}");
            assert!(d[0].fix.is_some(), "{text}");
        }
    }
}
