//! What the project says about where pods run, beyond one file: which kustomization builds a
//! file (and the namespace it sets), Services and the Istio configuration that refers to
//! workloads, and which directories a mesh-wide setting covers.
//!
//! Paths here are keys (`crate::source::path_key`: absolute and normalised), so that the same file
//! named two ways is one file.

use super::MeshFacts;
use crate::k8s::Resource;
use crate::yaml::{self, NodeRef};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Labels (or a selector's `matchLabels`), in the order written.
pub type Labels = Vec<(String, String)>;

/// A `kustomization.yaml`: what it builds and the namespace it sets.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Kustomization {
    /// Its `namespace:`, which Kustomize sets on every resource it builds.
    pub namespace: Option<String>,
    /// Its `resources`, `bases` and `components`: files, or directories holding another
    /// kustomization (keys).
    pub builds: Vec<PathBuf>,
    /// The files its `patches`, `patchesStrategicMerge` and `patchesJson6902` name (keys).
    pub patches: Vec<PathBuf>,
}

/// Whether a file name is Kustomize's.
pub fn is_kustomization(path: &Path) -> bool {
    matches!(
        path.file_name().and_then(|n| n.to_str()),
        Some("kustomization.yaml" | "kustomization.yml" | "Kustomization")
    )
}

/// Reads a kustomization's text; `key` is its file's key.
pub fn read_kustomization(text: &str, key: &Path) -> Kustomization {
    let mut out = Kustomization::default();
    for doc in yaml::DocumentParser::new(text).flatten() {
        if let Some(root) = doc.root() {
            add_kustomization(root, key, &mut out);
        }
    }
    out
}

/// Adds what one document of the kustomization `key` says to `out`.
pub fn add_kustomization(root: NodeRef<'_, '_>, key: &Path, out: &mut Kustomization) {
    let root = root.resolved();
    let dir = key.parent().unwrap_or(Path::new(""));
    let join = |p: &str| crate::source::path::normalize(&dir.join(p));
    if let Some(ns) = root.get_str("namespace").filter(|ns| !ns.is_empty()) {
        out.namespace = Some(ns.to_owned());
    }
    for key in ["resources", "bases", "components"] {
        for item in root.get(key).into_iter().flat_map(|s| s.resolved().items()) {
            if let Some(p) = item.resolved().as_str().filter(|p| is_local(p)) {
                out.builds.push(join(p));
            }
        }
    }
    for key in ["patchesStrategicMerge", "patches", "patchesJson6902"] {
        for item in root.get(key).into_iter().flat_map(|s| s.resolved().items()) {
            let item = item.resolved();
            if let Some(p) = item.as_str().or_else(|| item.get_str("path")) {
                out.patches.push(join(p));
            }
        }
    }
}

/// A local path, not a remote base (`github.com/…`, `https://…`, `git@…`).
fn is_local(p: &str) -> bool {
    !p.is_empty() && !p.contains("://") && !p.starts_with("git@") && !p.starts_with("github.com/")
}

/// A Service: the pods it selects are those an Istio host naming it routes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    pub namespace: Option<String>,
    pub name: String,
    pub selector: Labels,
}

/// What one Istio resource refers to: workloads by label, Services by host.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IstioRefs {
    pub namespace: Option<String>,
    /// `selector.matchLabels`, `workloadSelector.labels`, a Gateway's `selector`.
    pub selectors: Vec<Labels>,
    /// VirtualService and DestinationRule hosts.
    pub hosts: Vec<String>,
}

/// The API group of an `apiVersion` (`networking.istio.io/v1` → `networking.istio.io`).
fn group(api_version: &str) -> &str {
    api_version.split_once('/').map_or("", |(g, _)| g)
}

/// Whether a resource is Istio configuration: of an `*.istio.io` API group, or a Namespace
/// labelled for injection.
pub fn is_istio_config(res: &Resource<'_, '_>) -> bool {
    let g = group(res.api_version);
    if g == "istio.io" || g.ends_with(".istio.io") {
        return true;
    }
    res.kind == "Namespace"
        && (res.meta.label("istio-injection").is_some() || res.meta.label("istio.io/rev").is_some())
}

fn string_map(node: Option<NodeRef<'_, '_>>) -> Labels {
    node.map(NodeRef::resolved)
        .into_iter()
        .flat_map(NodeRef::entries)
        .filter_map(|(k, v)| {
            Some((
                k.as_str()?.to_owned(),
                crate::k8s::scalar_string(v)?.to_owned(),
            ))
        })
        .collect()
}

/// A Service's name and selector.
pub fn service(res: &Resource<'_, '_>) -> Option<Service> {
    if res.kind != "Service" || !group(res.api_version).is_empty() {
        return None;
    }
    let selector = string_map(res.root.path(&["spec", "selector"]));
    let name = res.name?.to_owned();
    (!selector.is_empty()).then(|| Service {
        namespace: res.namespace.map(str::to_owned),
        name,
        selector,
    })
}

/// What an Istio resource refers to (`None` for other resources or when it refers to nothing).
pub fn istio_refs(res: &Resource<'_, '_>) -> Option<IstioRefs> {
    let g = group(res.api_version);
    if !(g == "istio.io" || g.ends_with(".istio.io")) {
        return None;
    }
    let spec = res.root.get("spec").map(NodeRef::resolved)?;
    let mut refs = IstioRefs {
        namespace: res.namespace.map(str::to_owned),
        ..IstioRefs::default()
    };
    for path in [
        &["selector", "matchLabels"][..],
        &["workloadSelector", "labels"],
        &["workloadSelector", "matchLabels"],
    ] {
        let labels = string_map(spec.path(path));
        if !labels.is_empty() {
            refs.selectors.push(labels);
        }
    }
    if res.kind == "Gateway" {
        let labels = string_map(spec.get("selector"));
        if !labels.is_empty() {
            refs.selectors.push(labels);
        }
    }
    match res.kind {
        "VirtualService" => {
            let mut push = |n: Option<NodeRef<'_, '_>>| {
                if let Some(h) = n.and_then(|n| n.resolved().as_str()) {
                    refs.hosts.push(h.to_owned());
                }
            };
            for h in spec
                .get("hosts")
                .into_iter()
                .flat_map(|h| h.resolved().items())
            {
                push(Some(h));
            }
            for proto in ["http", "tcp", "tls"] {
                for route in spec
                    .get(proto)
                    .into_iter()
                    .flat_map(|r| r.resolved().items())
                {
                    let route = route.resolved();
                    for dest in route
                        .get("route")
                        .into_iter()
                        .flat_map(|d| d.resolved().items())
                    {
                        push(dest.resolved().path(&["destination", "host"]));
                    }
                    push(route.path(&["mirror", "host"]));
                }
            }
        }
        "DestinationRule" => {
            if let Some(h) = spec.get_str("host") {
                refs.hosts.push(h.to_owned());
            }
        }
        _ => {}
    }
    (!refs.selectors.is_empty() || !refs.hosts.is_empty()).then_some(refs)
}

/// The Service a host names, as `(name, namespace)`: `reviews`, `reviews.shop`,
/// `reviews.shop.svc.cluster.local`; `None` for wildcards and other domains.
fn service_of_host<'h>(
    host: &'h str,
    default_ns: Option<&'h str>,
) -> Option<(&'h str, Option<&'h str>)> {
    if host.contains('*') || host.is_empty() {
        return None;
    }
    let labels: Vec<&str> = host.split('.').collect();
    match labels.as_slice() {
        [name] => Some((name, default_ns)),
        [name, ns] | [name, ns, "svc", ..] => Some((name, Some(ns))),
        _ => None,
    }
}

/// Whether Istio configuration in namespace `config_ns` whose file is in `config_dir` can refer
/// to an object in namespace `ns` whose file is in `dir`. Named namespaces decide (a selector
/// in `istio-system`, Istio's root namespace, applies to every namespace). When either is
/// unknown, both are deployed wherever `kubectl -n` says: only files of one deployable tree
/// (one directory holding the other) are taken to share a namespace, so that two demos that
/// reuse a Service name do not vouch for each other.
fn can_refer(config_ns: Option<&str>, config_dir: &Path, ns: Option<&str>, dir: &Path) -> bool {
    match (config_ns, ns) {
        (Some(a), Some(b)) => a == b || a == "istio-system",
        _ => under(dir, config_dir) || under(config_dir, dir),
    }
}

/// Whether `path` is `dir` or lies under it: `Path::starts_with` by bytes, as the keys are
/// normalised (a run asks this for every finding, against every scope).
fn under(path: &Path, dir: &Path) -> bool {
    let (p, d) = (
        path.as_os_str().as_encoded_bytes(),
        dir.as_os_str().as_encoded_bytes(),
    );
    d.is_empty()
        || p.starts_with(d)
            && (p.len() == d.len()
                || std::path::is_separator(char::from(p[d.len()]))
                || d.last()
                    .is_some_and(|&b| std::path::is_separator(char::from(b))))
}

/// Whether every label of `selector` is among `labels`.
fn selects(selector: &[(String, String)], labels: &[(String, String)]) -> bool {
    !selector.is_empty()
        && selector
            .iter()
            .all(|(k, v)| labels.iter().any(|(lk, lv)| lk == k && lv == v))
}

/// A Sidecar resource: which workloads it configures (MESH210).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SidecarFact {
    pub namespace: Option<String>,
    pub name: String,
    /// `workloadSelector.labels`; `None`: the namespace's default Sidecar.
    pub selector: Option<Labels>,
    /// Its file's key.
    pub file: PathBuf,
    /// `path:line` of its `kind`, for messages.
    pub origin: String,
}

/// A Sidecar's facts, or `None` for other resources.
pub fn sidecar(res: &Resource<'_, '_>, file: &Path, origin: String) -> Option<SidecarFact> {
    if res.kind != "Sidecar" || group(res.api_version) != "networking.istio.io" {
        return None;
    }
    let selector = res
        .root
        .get("spec")
        .map(NodeRef::resolved)
        .and_then(|s| s.get("workloadSelector"))
        .map(|w| string_map(w.resolved().get("labels")))
        .filter(|l| !l.is_empty());
    Some(SidecarFact {
        namespace: res.namespace.map(str::to_owned),
        name: res.name.unwrap_or("").to_owned(),
        selector,
        file: file.to_owned(),
        origin,
    })
}

/// Whether every label of `a` is among `b`'s (so `b`'s workloads are all `a`'s too).
fn subset(a: &[(String, String)], b: &[(String, String)]) -> bool {
    a.iter().all(|l| b.contains(l))
}

/// The facts of one file that [`Project`] reads.
#[derive(Clone, Debug, Default)]
pub struct FileFacts {
    /// The file's key.
    pub key: PathBuf,
    /// It holds an IstioOperator, the `istio` ConfigMap's mesh or istiod Helm values.
    pub mesh_source: bool,
    /// It holds Istio configuration ([`is_istio_config`]).
    pub istio_config: bool,
    /// It holds a pod that runs Vault's agent injector.
    pub vault_pod: bool,
    pub services: Vec<Service>,
    pub istio_refs: Vec<IstioRefs>,
    pub kustomization: Option<Kustomization>,
    /// Its Sidecar resources (MESH210).
    pub sidecars: Vec<SidecarFact>,
    /// The first revision label named after a version (`istio.io/rev: 1-26-2`).
    pub revision_version: Option<super::versions::Sourced>,
}

/// Everything meshlint knows of the project's layout, derived from every file's facts.
#[derive(Clone, Debug, Default)]
pub struct Project {
    /// The project roots (keys): a mesh-wide setting never covers more than its root.
    roots: Vec<PathBuf>,
    /// Mesh-wide settings and the directory each covers.
    mesh: Vec<(PathBuf, MeshFacts)>,
    /// Files whose settings apply to the whole project (`mesh-config`); when set, no other
    /// file's do.
    mesh_config: Vec<PathBuf>,
    /// The namespaces Kustomize deploys a file's resources to.
    kustomize_namespaces: HashMap<PathBuf, Vec<String>>,
    /// Files built by a kustomization that also builds Istio configuration.
    kustomize_istio: HashSet<PathBuf>,
    /// Files holding a pod that runs Vault's agent injector.
    vault_files: Vec<PathBuf>,
    /// Every Sidecar resource of the project.
    sidecars: Vec<SidecarFact>,
    /// Versions shown by revision labels and istiod images, with the directory each covers
    /// (as a mesh-wide setting of its file would), for files no mesh-wide setting gives a
    /// version.
    revision_versions: Vec<(PathBuf, super::versions::Sourced)>,
    /// Selectors of Istio configuration, and of the Services Istio hosts name: the namespace
    /// and directory of the configuration, and the labels.
    selectors: Vec<(Option<String>, PathBuf, Labels)>,
    /// The selectors by their first label, so that a pod is checked only against those that
    /// may select it.
    by_label: HashMap<(String, String), Vec<usize>>,
}

impl Project {
    /// The project from its roots, the `mesh-config` files (empty: inferred scopes) and every
    /// file's facts with its mesh-wide settings.
    pub fn new(
        roots: Vec<PathBuf>,
        mesh_config: Vec<PathBuf>,
        files: &[(&FileFacts, &MeshFacts)],
    ) -> Self {
        let mut project = Project {
            roots,
            mesh_config,
            ..Project::default()
        };
        for (f, mesh) in files {
            if f.mesh_source {
                if let Some(scope) = project.scope_of(&f.key) {
                    project.mesh.push((scope, (*mesh).clone()));
                }
            }
        }
        project.vault_files = files
            .iter()
            .filter(|(f, _)| f.vault_pod)
            .map(|(f, _)| f.key.clone())
            .collect();
        let mut revision_versions: Vec<(PathBuf, super::versions::Sourced)> = files
            .iter()
            .filter_map(|(f, _)| {
                let v = f.revision_version.clone()?;
                Some((project.scope_for_versions(&f.key), v))
            })
            .collect();
        revision_versions.sort_by(|(_, a), (_, b)| {
            (super::origin_key(&a.origin), a.value).cmp(&(super::origin_key(&b.origin), b.value))
        });
        project.revision_versions = revision_versions;
        project.sidecars = files
            .iter()
            .flat_map(|(f, _)| f.sidecars.iter().cloned())
            .collect();
        project.kustomize(files);
        project.references(files);
        project
    }

    /// The directory a mesh-wide setting in `file` covers: the parent of its directory, never
    /// above the project root; with `mesh-config`, the whole project for the files named and
    /// nothing for the others.
    fn scope_of(&self, file: &Path) -> Option<PathBuf> {
        if !self.mesh_config.is_empty() {
            return self
                .mesh_config
                .iter()
                .any(|p| p == file)
                .then(PathBuf::new);
        }
        let root = self
            .roots
            .iter()
            .filter(|r| file.starts_with(r))
            .max_by_key(|r| r.as_os_str().len());
        let parent = file.parent().and_then(Path::parent);
        Some(match (parent, root) {
            (Some(p), Some(r)) if p.starts_with(r) => p.to_owned(),
            (_, Some(r)) => r.clone(),
            (Some(p), None) => p.to_owned(),
            (None, None) => PathBuf::new(),
        })
    }

    /// The directory a version shown in `file` (a revision label, an istiod image) covers: the
    /// parent of its directory, never above the project root, as for a mesh-wide setting
    /// (whatever `mesh-config` says).
    fn scope_for_versions(&self, file: &Path) -> PathBuf {
        let root = self
            .roots
            .iter()
            .filter(|r| file.starts_with(r))
            .max_by_key(|r| r.as_os_str().len());
        let parent = file.parent().and_then(Path::parent);
        match (parent, root) {
            (Some(p), Some(r)) if p.starts_with(r) => p.to_owned(),
            (_, Some(r)) => r.clone(),
            (Some(p), None) => p.to_owned(),
            (None, None) => PathBuf::new(),
        }
    }

    /// Whether a pod that runs Vault's agent lies in the scope of the mesh-wide settings of
    /// `file` (a file holding them).
    pub fn vault_in_scope(&self, file: &Path) -> bool {
        self.scope_of(file)
            .is_some_and(|scope| self.vault_files.iter().any(|v| under(v, &scope)))
    }

    /// The mesh-wide settings that cover `file`.
    pub fn mesh_for(&self, file: &Path) -> MeshFacts {
        let mut out = MeshFacts::default();
        for (scope, facts) in &self.mesh {
            if under(file, scope) {
                out.merge(facts.clone());
            }
        }
        if out.istio_version.is_none() {
            out.istio_version = self
                .revision_versions
                .iter()
                .find(|(scope, _)| under(file, scope))
                .map(|(_, v)| v.clone());
        }
        out
    }

    /// The namespaces a resource of `file` that names `own` is deployed to.
    fn namespaces_of(&self, file: &Path, own: Option<&str>) -> Vec<Option<String>> {
        match self.kustomize_namespaces.get(file) {
            Some(list) if !list.is_empty() => list.iter().cloned().map(Some).collect(),
            _ => vec![own.map(str::to_owned)],
        }
    }

    /// The other Sidecars (by name) that configure the same workloads as `sc` (MESH210): in the same
    /// namespace (or, with no namespace named, in files of one directory), both without a
    /// `workloadSelector`, or with selectors one of which holds all labels of the other (so
    /// every workload the narrower selects, both select). Sorted by origin.
    pub fn sidecar_conflicts(&self, sc: &SidecarFact) -> Vec<&SidecarFact> {
        let mine = self.namespaces_of(&sc.file, sc.namespace.as_deref());
        let mut out: Vec<&SidecarFact> = self
            .sidecars
            .iter()
            // The same name in the same namespace is one object (two versions of it, of
            // which the last applied wins), not two Sidecars.
            .filter(|o| !(o.name == sc.name && o.namespace == sc.namespace))
            .filter(|o| {
                let theirs = self.namespaces_of(&o.file, o.namespace.as_deref());
                mine.iter().any(|a| {
                    theirs.iter().any(|b| match (a, b) {
                        (Some(a), Some(b)) => a == b,
                        (None, None) => sc.file.parent() == o.file.parent(),
                        _ => false,
                    })
                })
            })
            .filter(|o| match (&sc.selector, &o.selector) {
                (None, None) => true,
                (Some(a), Some(b)) => subset(a, b) || subset(b, a),
                _ => false,
            })
            .collect();
        out.sort_by(|a, b| super::origin_key(&a.origin).cmp(&super::origin_key(&b.origin)));
        out
    }

    /// Whether a mesh-wide setting covers `file`.
    pub fn mesh_covers(&self, file: &Path) -> bool {
        self.mesh.iter().any(|(scope, _)| under(file, scope))
    }

    /// The namespaces Kustomize deploys `file`'s resources to (empty when none sets one).
    pub fn kustomize_namespaces(&self, file: &Path) -> &[String] {
        self.kustomize_namespaces
            .get(file)
            .map_or(&[], Vec::as_slice)
    }

    /// Whether the files show that a pod of `file` with `labels` in namespace `ns` runs in an
    /// Istio mesh: Istio configuration selects it or routes to a Service that selects it, a
    /// kustomization building it also builds Istio configuration, or a mesh-wide setting
    /// covers it.
    pub fn evidence(&self, file: &Path, labels: &[(String, String)], ns: Option<&str>) -> bool {
        self.file_evidence(file) || self.label_evidence(file, labels, ns)
    }

    /// The part of [`Self::evidence`] that holds for every pod of `file`.
    pub fn file_evidence(&self, file: &Path) -> bool {
        self.kustomize_istio.contains(file) || self.mesh_covers(file)
    }

    /// The part of [`Self::evidence`] that depends on the pod: Istio configuration selects it.
    pub fn label_evidence(
        &self,
        file: &Path,
        labels: &[(String, String)],
        ns: Option<&str>,
    ) -> bool {
        labels.iter().any(|label| {
            self.by_label.get(label).into_iter().flatten().any(|&i| {
                let (sel_ns, dir, sel) = &self.selectors[i];
                selects(sel, labels)
                    && can_refer(sel_ns.as_deref(), dir, ns, file.parent().unwrap_or(file))
            })
        })
    }

    /// Walks every kustomization: the namespace it sets on each file it builds (an overlay's
    /// wins over its bases', as `kustomize build` does), and whether it builds Istio
    /// configuration.
    fn kustomize(&mut self, files: &[(&FileFacts, &MeshFacts)]) {
        let by_dir: HashMap<&Path, &Kustomization> = files
            .iter()
            .filter_map(|(f, _)| Some((f.key.parent()?, f.kustomization.as_ref()?)))
            .collect();
        if by_dir.is_empty() {
            return;
        }
        let istio: HashSet<&Path> = files
            .iter()
            .filter(|(f, _)| f.istio_config)
            .map(|(f, _)| f.key.as_path())
            .collect();
        for start in by_dir.keys() {
            let mut built: Vec<(PathBuf, Option<String>)> = Vec::new();
            let mut visiting: Vec<&Path> = Vec::new();
            walk(&by_dir, start, None, &mut visiting, &mut built);
            let builds_istio = built.iter().any(|(f, _)| istio.contains(f.as_path()));
            for (file, ns) in built {
                if let Some(ns) = ns {
                    let list = self.kustomize_namespaces.entry(file.clone()).or_default();
                    if !list.contains(&ns) {
                        list.push(ns);
                    }
                }
                if builds_istio {
                    self.kustomize_istio.insert(file);
                }
            }
        }
        for list in self.kustomize_namespaces.values_mut() {
            list.sort();
        }
    }

    /// Collects the selectors of Istio configuration and of the Services its hosts name.
    fn references(&mut self, files: &[(&FileFacts, &MeshFacts)]) {
        // A resource's namespace is the one Kustomize sets on its file, else its own (one
        // entry per namespace when several overlays build it).
        let kustomized = &self.kustomize_namespaces;
        let namespaces = |key: &Path, own: Option<&str>| -> Vec<Option<String>> {
            match kustomized.get(key) {
                Some(list) if !list.is_empty() => list.iter().cloned().map(Some).collect(),
                _ => vec![own.map(str::to_owned)],
            }
        };
        let mut services: HashMap<&str, Vec<Located<'_>>> = HashMap::new();
        for (f, _) in files {
            let dir = f.key.parent().unwrap_or(&f.key);
            for s in &f.services {
                for ns in namespaces(&f.key, s.namespace.as_deref()) {
                    services
                        .entry(s.name.as_str())
                        .or_default()
                        .push((dir, ns, &s.selector));
                }
            }
        }
        let mut seen: HashSet<(Option<String>, PathBuf, Labels)> = HashSet::new();
        let mut selectors = Vec::new();
        let mut by_label: HashMap<(String, String), Vec<usize>> = HashMap::new();
        let mut add = |ns: Option<&str>, dir: &Path, labels: &Labels| {
            let entry = (ns.map(str::to_owned), dir.to_owned(), labels.clone());
            if let Some(first) = labels.first().filter(|_| seen.insert(entry.clone())) {
                by_label
                    .entry(first.clone())
                    .or_default()
                    .push(selectors.len());
                selectors.push(entry);
            }
        };
        for (f, _) in files {
            let dir = f.key.parent().unwrap_or(&f.key);
            for r in &f.istio_refs {
                for config_ns in namespaces(&f.key, r.namespace.as_deref()) {
                    let config_ns = config_ns.as_deref();
                    for sel in &r.selectors {
                        add(config_ns, dir, sel);
                    }
                    for host in &r.hosts {
                        let Some((name, ns)) = service_of_host(host, config_ns) else {
                            continue;
                        };
                        for (s_dir, s_ns, selector) in services.get(name).into_iter().flatten() {
                            if can_refer(ns, dir, s_ns.as_deref(), s_dir) {
                                add(s_ns.as_deref().or(ns), dir, selector);
                            }
                        }
                    }
                }
            }
        }
        self.selectors = selectors;
        self.by_label = by_label;
    }
}

/// A Service where it is: its file's directory, its namespace and its selector.
type Located<'f> = (&'f Path, Option<String>, &'f Labels);

/// Adds the files kustomization `dir` builds, with the namespace set on them (`outer`: an
/// overlay's), descending into the kustomizations it builds.
fn walk<'k>(
    by_dir: &HashMap<&'k Path, &'k Kustomization>,
    dir: &'k Path,
    outer: Option<&str>,
    visiting: &mut Vec<&'k Path>,
    out: &mut Vec<(PathBuf, Option<String>)>,
) {
    let Some(k) = by_dir.get(dir) else { return };
    if visiting.contains(&dir) || visiting.len() > 64 {
        return;
    }
    visiting.push(dir);
    let ns = outer.or(k.namespace.as_deref());
    for entry in &k.builds {
        match by_dir.get_key_value(entry.as_path()) {
            Some((sub, _)) => walk(by_dir, sub, ns, visiting, out),
            None => out.push((entry.clone(), ns.map(str::to_owned))),
        }
    }
    visiting.pop();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::{collect_file_facts, Facts};

    fn facts(key: &str, text: &str) -> Facts {
        collect_file_facts(text, key, Path::new(key))
    }

    fn project(roots: &[&str], mesh_config: &[&str], files: &[Facts]) -> Project {
        let pairs: Vec<(&FileFacts, &MeshFacts)> =
            files.iter().map(|f| (&f.file, &f.mesh)).collect();
        Project::new(
            roots.iter().map(PathBuf::from).collect(),
            mesh_config.iter().map(PathBuf::from).collect(),
            &pairs,
        )
    }

    const IOP: &str = "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  meshConfig:\n    defaultConfig:\n      holdApplicationUntilProxyStarts: true\n";

    #[test]
    fn a_mesh_wide_setting_covers_the_parent_of_its_directory_within_the_root() {
        let on = |p: &Project, file: &str| p.mesh_for(Path::new(file)).hold.is_some();
        let p = project(&["/r"], &[], &[facts("/r/istio/iop.yaml", IOP)]);
        assert!(on(&p, "/r/apps/web/deploy.yaml"));
        let p = project(&["/r"], &[], &[facts("/r/demo-a/resources/iop.yaml", IOP)]);
        assert!(on(&p, "/r/demo-a/app.yaml"));
        assert!(on(&p, "/r/demo-a/resources/app.yaml"));
        assert!(!on(&p, "/r/demo-b/app.yaml"));
        assert!(p.mesh_covers(Path::new("/r/demo-a/x.yaml")));
        assert!(!p.mesh_covers(Path::new("/r/demo-b/x.yaml")));
        let p = project(
            &["/r"],
            &[],
            &[facts("/r/clusters/prod/istio/iop.yaml", IOP)],
        );
        assert!(on(&p, "/r/clusters/prod/apps/a.yaml"));
        assert!(!on(&p, "/r/clusters/staging/apps/a.yaml"));
        // At the root, or one level down: never above the root.
        for at in ["/r/iop.yaml", "/r/istio/iop.yaml"] {
            let p = project(&["/r"], &[], &[facts(at, IOP)]);
            assert!(on(&p, "/r/a/b/c.yaml"), "{at}");
            assert!(!on(&p, "/elsewhere/c.yaml"), "{at}");
        }
        // `mesh-config` names the files that cover everything, and only those count.
        let files = [
            facts("/r/demo-a/resources/iop.yaml", IOP),
            facts("/r/platform/x/y/iop.yaml", IOP),
        ];
        let p = project(&["/r"], &["/r/platform/x/y/iop.yaml"], &files);
        assert!(on(&p, "/r/demo-b/app.yaml"));
        let p = project(&["/r"], &["/r/nothing.yaml"], &files);
        assert!(!on(&p, "/r/demo-a/app.yaml"));
    }

    const KUSTOMIZATION: &str =
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n";

    #[test]
    fn kustomize_sets_namespaces_and_an_overlay_wins_over_its_base() {
        let files = [
            facts(
                "/r/base/kustomization.yaml",
                &format!("{KUSTOMIZATION}namespace: base-ns\nresources:\n  - deployment.yaml\n  - https://github.com/x/y\npatches:\n  - path: patch.yaml\n"),
            ),
            facts(
                "/r/overlays/prod/kustomization.yaml",
                &format!("{KUSTOMIZATION}namespace: prod\nresources: [../../base, gateway.yaml]\n"),
            ),
            facts(
                "/r/overlays/plain/kustomization.yaml",
                &format!("{KUSTOMIZATION}resources: [../../base]\n"),
            ),
            facts("/r/overlays/prod/gateway.yaml", "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gw}\nspec:\n  selector: {istio: ingressgateway}\n"),
        ];
        let p = project(&["/r"], &[], &files);
        // The base alone deploys to its namespace, the prod overlay to its own.
        assert_eq!(
            p.kustomize_namespaces(Path::new("/r/base/deployment.yaml")),
            ["base-ns", "prod"]
        );
        assert!(p
            .kustomize_namespaces(Path::new("/r/other.yaml"))
            .is_empty());
        // The prod overlay builds Istio configuration: what it builds runs in a mesh.
        assert!(p.evidence(Path::new("/r/base/deployment.yaml"), &[], None));
        assert!(!p.evidence(Path::new("/r/unbuilt/deployment.yaml"), &[], None));
        assert_eq!(
            files[0]
                .file
                .kustomization
                .as_ref()
                .map(|k| k.patches.clone()),
            Some(vec![PathBuf::from("/r/base/patch.yaml")])
        );
    }

    #[test]
    fn kustomize_cycles_end() {
        let files = [
            facts(
                "/r/a/kustomization.yaml",
                "resources: [../b, x.yaml]\nnamespace: a\n",
            ),
            facts("/r/b/kustomization.yaml", "resources: [../a]\n"),
        ];
        let p = project(&["/r"], &[], &files);
        assert_eq!(p.kustomize_namespaces(Path::new("/r/a/x.yaml")), ["a"]);
    }

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn istio_configuration_that_selects_a_pod_or_routes_to_its_service_is_evidence() {
        let policy = "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p}\nspec:\n  selector:\n    matchLabels: {app: ratings}\n";
        let route = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r}\nspec:\n  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: details.shop.svc.cluster.local}\n";
        let services = "apiVersion: v1\nkind: Service\nmetadata: {name: details, namespace: shop}\nspec:\n  selector: {app: details}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: reviews}\nspec:\n  selector: {app: reviews, tier: web}\n";
        let files = [
            facts("/r/bookinfo/policy.yaml", policy),
            facts("/r/bookinfo/routes.yaml", route),
            facts("/r/bookinfo/services.yaml", services),
        ];
        let p = project(&["/r"], &[], &files);
        let at = |file: &str, l: &[(&str, &str)], ns: Option<&str>| {
            p.evidence(Path::new(file), &labels(l), ns)
        };
        assert!(at("/r/bookinfo/ratings.yaml", &[("app", "ratings")], None));
        assert!(at(
            "/r/bookinfo/reviews.yaml",
            &[("app", "reviews"), ("tier", "web"), ("v", "1")],
            None
        ));
        // Every label of the selector must match.
        assert!(!at("/r/bookinfo/reviews.yaml", &[("app", "reviews")], None));
        // A host with a namespace names the Service in it, wherever its pods' files are.
        assert!(at(
            "/r/apps/details.yaml",
            &[("app", "details")],
            Some("shop")
        ));
        assert!(!at(
            "/r/apps/details.yaml",
            &[("app", "details")],
            Some("other")
        ));
        // Namespaces unknown: another demo's configuration does not vouch for this one.
        assert!(!at(
            "/r/other-demo/ratings.yaml",
            &[("app", "ratings")],
            None
        ));
        assert!(at(
            "/r/bookinfo/v2/ratings.yaml",
            &[("app", "ratings")],
            None
        ));
    }

    #[test]
    fn a_selector_in_the_root_namespace_applies_everywhere() {
        let policy = "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: p, namespace: istio-system}\nspec:\n  selector:\n    matchLabels: {app: db}\n";
        let p = project(&["/r"], &[], &[facts("/r/mesh/policy.yaml", policy)]);
        assert!(p.evidence(
            Path::new("/r/apps/db.yaml"),
            &labels(&[("app", "db")]),
            Some("data")
        ));
    }

    #[test]
    fn under_compares_whole_components() {
        assert!(under(Path::new("/r/demo-a/x.yaml"), Path::new("/r/demo-a")));
        assert!(under(Path::new("/r/demo-a"), Path::new("/r/demo-a")));
        assert!(under(Path::new("/r/demo-a/x"), Path::new("/r/")));
        assert!(under(Path::new("a/b"), Path::new("")));
        assert!(!under(
            Path::new("/r/demo-ab/x.yaml"),
            Path::new("/r/demo-a")
        ));
        assert!(!under(Path::new("/r"), Path::new("/r/demo-a")));
    }

    #[test]
    fn hosts_name_services() {
        assert_eq!(
            service_of_host("reviews", Some("a")),
            Some(("reviews", Some("a")))
        );
        assert_eq!(
            service_of_host("reviews.b", None),
            Some(("reviews", Some("b")))
        );
        assert_eq!(
            service_of_host("reviews.b.svc.cluster.local", None),
            Some(("reviews", Some("b")))
        );
        assert_eq!(service_of_host("*.example.com", None), None);
        assert_eq!(service_of_host("api.example.com", None), None);
    }

    #[test]
    fn vault_pods_in_the_scope_of_a_mesh_wide_setting() {
        let vault = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\n  annotations:\n    vault.hashicorp.com/agent-inject: \"true\"\n";
        let files = [facts("/r/demo-a/app.yaml", vault)];
        let p = project(&["/r"], &[], &files);
        assert!(p.vault_in_scope(Path::new("/r/demo-a/istio/iop.yaml")));
        assert!(!p.vault_in_scope(Path::new("/r/demo-b/istio/iop.yaml")));
    }
}
