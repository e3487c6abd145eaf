//! The read-only context rules see: options, and the facts gathered from every linted file in
//! the first pass (namespace labels, mesh-wide defaults from IstioOperators, the `istio`
//! ConfigMap and Helm values).

use crate::k8s::{extract_resources, NamespaceLabels, Resource};
use crate::source::LineIndex;
use crate::yaml::resolve::{resolve, ScalarType};
use crate::yaml::{self, NodeRef};
use std::fmt;

/// Which flavour of Istio the manifests are for (DESIGN §5).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Profile {
    /// Upstream Istio or in-cluster Cloud Service Mesh: mesh-wide settings count.
    #[default]
    InCluster,
    /// Managed Cloud Service Mesh: pod-level settings only.
    Managed,
}

impl Profile {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "in-cluster" => Some(Profile::InCluster),
            "managed" => Some(Profile::Managed),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Profile::InCluster => "in-cluster",
            Profile::Managed => "managed",
        }
    }
}

/// Vault's addresses and ports, for MESH401 and the exclusion fixes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VaultOptions {
    pub ports: Vec<u16>,
    pub addresses: Vec<ipnet::IpNet>,
}

impl Default for VaultOptions {
    fn default() -> Self {
        Self {
            ports: vec![8200],
            addresses: Vec::new(),
        }
    }
}

/// Options that change what rules report.
#[derive(Clone, Debug, Default)]
pub struct LintOptions {
    pub profile: Profile,
    /// Pods start Envoy as a native sidecar (no hold or Vault race).
    pub native_sidecars: bool,
    /// `injection: explicit`: pods in unknown namespaces are not injected.
    pub injection_explicit: bool,
    pub vault: VaultOptions,
    /// Namespace labels from configuration, for namespaces not in the linted files.
    pub namespaces: NamespaceLabels,
}

/// A mesh-wide setting and where it was found ("istio-operator.yaml:12").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeshSetting<T> {
    pub value: T,
    pub origin: String,
}

impl<T> fmt::Display for MeshSetting<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.origin)
    }
}

/// Mesh-wide facts from IstioOperators, the `istio` ConfigMap and istiod Helm values.
#[derive(Clone, Debug, Default)]
pub struct MeshFacts {
    /// `meshConfig.defaultConfig.holdApplicationUntilProxyStarts`.
    pub hold: Option<MeshSetting<bool>>,
    /// The deprecated `values.global.proxy.holdApplicationUntilProxyStarts` (OR-ed).
    pub deprecated_hold: Option<MeshSetting<bool>>,
    /// `values.global.proxy.excludeIPRanges` when non-empty.
    pub exclude_ip_ranges: Option<MeshSetting<String>>,
    /// `values.global.proxy.excludeOutboundPorts` when non-empty.
    pub exclude_outbound_ports: Option<MeshSetting<String>>,
}

impl MeshFacts {
    /// The mesh-wide hold that applies under `profile`, if it is on.
    pub fn hold_on(&self, profile: Profile) -> Option<&MeshSetting<bool>> {
        if profile == Profile::Managed {
            return None;
        }
        self.hold
            .as_ref()
            .filter(|h| h.value)
            .or(self.deprecated_hold.as_ref().filter(|h| h.value))
    }

    fn merge(&mut self, other: MeshFacts) {
        fn keep<T>(slot: &mut Option<T>, new: Option<T>) {
            if slot.is_none() {
                *slot = new;
            }
        }
        keep(&mut self.hold, other.hold);
        keep(&mut self.deprecated_hold, other.deprecated_hold);
        keep(&mut self.exclude_ip_ranges, other.exclude_ip_ranges);
        keep(
            &mut self.exclude_outbound_ports,
            other.exclude_outbound_ports,
        );
    }
}

/// Everything a rule may read besides its own resource.
#[derive(Clone, Debug, Default)]
pub struct Context {
    pub options: LintOptions,
    /// Labels of namespaces described by linted files or the configuration.
    pub namespaces: NamespaceLabels,
    pub mesh: MeshFacts,
}

impl Context {
    pub fn new(options: LintOptions) -> Self {
        let namespaces = options.namespaces.clone();
        Self {
            options,
            namespaces,
            mesh: MeshFacts::default(),
        }
    }

    /// Adds the facts of another file (pass one).
    pub fn absorb(&mut self, facts: Facts) {
        for (name, labels) in facts.namespaces {
            self.namespaces.entry(name).or_insert(labels);
        }
        self.mesh.merge(facts.mesh);
    }
}

/// Facts from one file, gathered in pass one.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    pub namespaces: Vec<(String, Vec<(String, String)>)>,
    pub mesh: MeshFacts,
}

/// Whether a file could contribute facts at all: a cheap byte search that lets pass one skip
/// most files without parsing them.
pub fn may_have_facts(text: &str) -> bool {
    let finder = |needle: &str| memchr::memmem::find(text.as_bytes(), needle.as_bytes()).is_some();
    finder("Namespace")
        || finder("IstioOperator")
        || finder("holdApplicationUntilProxyStarts")
        || finder("excludeIPRanges")
        || finder("excludeOutboundPorts")
}

fn is_true(node: NodeRef<'_, '_>) -> Option<bool> {
    let node = node.resolved();
    if resolve(node) != ScalarType::Bool {
        return None;
    }
    Some(matches!(
        node.as_str(),
        Some("y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON")
    ))
}

/// Collects the facts of one file's text (`path` names it in messages).
pub fn collect_facts(text: &str, path: &str) -> Facts {
    let mut facts = Facts::default();
    let mut index: Option<LineIndex> = None;
    let mut origin = |offset: u32| {
        let idx = index.get_or_insert_with(|| LineIndex::new(text));
        format!("{path}:{}", idx.line_col(text, offset).line)
    };
    for doc in yaml::DocumentParser::new(text).flatten() {
        for res in extract_resources(&doc) {
            collect_resource(&res, &mut facts, &mut origin);
        }
    }
    facts
}

fn collect_resource(
    res: &Resource<'_, '_>,
    facts: &mut Facts,
    origin: &mut dyn FnMut(u32) -> String,
) {
    let root = res.root;
    match res.kind {
        "Namespace" => {
            if let Some(name) = res.name {
                let labels = res
                    .meta
                    .label_entries()
                    .filter_map(|(k, v)| {
                        Some((
                            k.as_str()?.to_owned(),
                            crate::k8s::scalar_string(v)?.to_owned(),
                        ))
                    })
                    .collect();
                facts.namespaces.push((name.to_owned(), labels));
            }
        }
        "IstioOperator" => {
            let spec = root.get("spec");
            if let Some(dc) = spec.and_then(|s| s.path(&["meshConfig", "defaultConfig"])) {
                hold_from_proxy_config(dc, &mut facts.mesh, origin);
            }
            if let Some(proxy) = spec.and_then(|s| s.path(&["values", "global", "proxy"])) {
                global_proxy(proxy, &mut facts.mesh, origin);
            }
        }
        "ConfigMap" => {
            let is_mesh_cm = res
                .name
                .is_some_and(|n| n == "istio" || n.starts_with("istio-"));
            if let Some(mesh) = root.path(&["data", "mesh"]).filter(|_| is_mesh_cm) {
                if let Some(mesh_text) = mesh.resolved().as_str() {
                    // The embedded text has its own offsets: report the ConfigMap's `mesh` key.
                    let at = origin(mesh.range().start());
                    let mut inner = MeshFacts::default();
                    for doc in yaml::DocumentParser::new(mesh_text).flatten() {
                        if let Some(dc) = doc.root().and_then(|r| r.path(&["defaultConfig"])) {
                            hold_from_proxy_config(dc, &mut inner, &mut |_| at.clone());
                        }
                    }
                    facts.mesh.merge(inner);
                }
            }
        }
        "" => {
            // istiod Helm values: top-level meshConfig / global.
            if let Some(dc) = root.path(&["meshConfig", "defaultConfig"]) {
                hold_from_proxy_config(dc, &mut facts.mesh, origin);
            }
            if let Some(proxy) = root.path(&["global", "proxy"]) {
                global_proxy(proxy, &mut facts.mesh, origin);
            }
        }
        _ => {}
    }
}

fn hold_from_proxy_config(
    dc: NodeRef<'_, '_>,
    mesh: &mut MeshFacts,
    origin: &mut dyn FnMut(u32) -> String,
) {
    let hold = dc
        .entry("holdApplicationUntilProxyStarts")
        .or_else(|| dc.entry("hold_application_until_proxy_starts"));
    if let Some((k, v)) = hold {
        if let Some(value) = is_true(v) {
            mesh.hold.get_or_insert(MeshSetting {
                value,
                origin: origin(k.range().start()),
            });
        }
    }
}

fn global_proxy(
    proxy: NodeRef<'_, '_>,
    mesh: &mut MeshFacts,
    origin: &mut dyn FnMut(u32) -> String,
) {
    if let Some((k, v)) = proxy.entry("holdApplicationUntilProxyStarts") {
        if let Some(value) = is_true(v) {
            mesh.deprecated_hold.get_or_insert(MeshSetting {
                value,
                origin: origin(k.range().start()),
            });
        }
    }
    for (key, slot) in [
        ("excludeIPRanges", &mut mesh.exclude_ip_ranges),
        ("excludeOutboundPorts", &mut mesh.exclude_outbound_ports),
    ] {
        if let Some((k, v)) = proxy.entry(key) {
            if let Some(value) = v.resolved().as_str().filter(|s| !s.trim().is_empty()) {
                slot.get_or_insert(MeshSetting {
                    value: value.to_owned(),
                    origin: origin(k.range().start()),
                });
            }
        }
    }
}
