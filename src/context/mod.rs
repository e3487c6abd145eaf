//! The read-only context rules see: options, and the facts gathered from every file of the
//! project (namespace labels, mesh-wide defaults from IstioOperators, the `istio` ConfigMap and
//! Helm values, kustomizations, Services and the Istio configuration that refers to pods).

mod project;
pub mod versions;

pub use project::{
    is_kustomization, read_kustomization, FileFacts, Kustomization, Project, SidecarFact,
};

use crate::istio::catalog;
use crate::k8s::{
    extract_resources, Injection, InjectionMode, NamespaceLabels, PodInjection, Resource,
};
use crate::source::LineIndex;
use crate::yaml::resolve::bool_value;
use crate::yaml::{self, NodeRef};
use std::fmt;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use versions::Version;

/// Which flavour of Istio the manifests are for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Profile {
    /// Upstream Istio or in-cluster Cloud Service Mesh: mesh-wide settings count.
    #[default]
    InCluster,
    /// Managed Cloud Service Mesh: pod-level settings only.
    Managed,
    /// OpenShift Service Mesh 2.x: only pods annotated `sidecar.istio.io/inject: "true"` are
    /// injected (its webhook has no namespace or object selector).
    Ossm2,
}

impl Profile {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "in-cluster" => Some(Profile::InCluster),
            "managed" => Some(Profile::Managed),
            "ossm2" => Some(Profile::Ossm2),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Profile::InCluster => "in-cluster",
            Profile::Managed => "managed",
            Profile::Ossm2 => "ossm2",
        }
    }
}

/// Vault's addresses and ports, for MESH401 and the exclusion fixes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VaultOptions {
    pub ports: Vec<u16>,
    pub addresses: Vec<ipnet::IpNet>,
}

impl VaultOptions {
    /// Whether the user said where Vault is (addresses, or ports other than the default).
    pub fn is_configured(&self) -> bool {
        *self != Self::default()
    }
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
    /// Pods start Envoy as a native sidecar (no hold or Vault race); `None`: decided by the
    /// target versions and a mesh-wide `ENABLE_NATIVE_SIDECARS` ([`native_sidecars`]).
    pub native_sidecars: Option<bool>,
    /// `istio-version`, `kubernetes-version`: the target, as configured.
    pub istio_version: Option<versions::Sourced>,
    pub kubernetes_version: Option<versions::Sourced>,
    /// How pods in namespaces no file or configuration describes are decided.
    pub injection: InjectionMode,
    /// `mesh-config`: the files whose mesh-wide settings apply to the whole project (keys);
    /// empty: each applies to the directory it covers.
    pub mesh_config: Vec<PathBuf>,
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
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MeshFacts {
    /// `meshConfig.defaultConfig.holdApplicationUntilProxyStarts`.
    pub hold: Option<MeshSetting<bool>>,
    /// The deprecated `values.global.proxy.holdApplicationUntilProxyStarts` (OR-ed).
    pub deprecated_hold: Option<MeshSetting<bool>>,
    /// `values.global.proxy.excludeIPRanges` when non-empty.
    pub exclude_ip_ranges: Option<MeshSetting<String>>,
    /// `values.global.proxy.excludeOutboundPorts` when non-empty.
    pub exclude_outbound_ports: Option<MeshSetting<String>>,
    /// The Istio version the project shows: an IstioOperator's `spec.tag` or image, istiod
    /// Helm values' `global.tag`, an istiod chart's `version`, else a revision named after a
    /// version (`istio.io/rev: 1-26-2`).
    pub istio_version: Option<versions::Sourced>,
    /// istiod's `ENABLE_NATIVE_SIDECARS` when `true` or `false` (not `auto`).
    pub native_sidecars: Option<MeshSetting<bool>>,
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

    /// Adds another file's facts. The result does not depend on the order files are merged
    /// in (the run reads them in parallel): a hold that is on beats one that is off, since a
    /// linted mesh-wide `true` is the default the mesh runs with whatever a vendored chart's
    /// `false` says; otherwise the setting found first in path and line order is kept.
    pub(crate) fn merge(&mut self, other: MeshFacts) {
        offer_hold(&mut self.hold, other.hold);
        offer_hold(&mut self.deprecated_hold, other.deprecated_hold);
        offer_first(&mut self.exclude_ip_ranges, other.exclude_ip_ranges);
        offer_first(
            &mut self.exclude_outbound_ports,
            other.exclude_outbound_ports,
        );
        offer_first(&mut self.istio_version, other.istio_version);
        offer_first(&mut self.native_sidecars, other.native_sidecars);
    }
}

/// Whether pods start Envoy as a native sidecar, unless a pod's own
/// `sidecar.istio.io/nativeSidecar` says otherwise: the `native-sidecars` option when set, else
/// a mesh-wide `ENABLE_NATIVE_SIDECARS` in scope, else Istio's default (`auto`): on with Istio
/// >= 1.27 on Kubernetes >= 1.33, both known.
pub fn native_sidecars(options: &LintOptions, mesh: &MeshFacts) -> bool {
    if let Some(on) = options.native_sidecars {
        return on;
    }
    if let Some(env) = &mesh.native_sidecars {
        return env.value;
    }
    let istio = options
        .istio_version
        .as_ref()
        .or(mesh.istio_version.as_ref());
    versions::native_by_default(
        istio.map(|v| v.value),
        options.kubernetes_version.as_ref().map(|v| v.value),
    )
}

/// An origin (`path:line`) as a sort key: by path, then by line as a number.
fn origin_key(origin: &str) -> (&str, u32) {
    // `path:line`, maybe followed by ` (what)`.
    let origin = origin.split_once(" (").map_or(origin, |(o, _)| o);
    match origin.rsplit_once(':') {
        Some((path, line)) => (path, line.parse().unwrap_or(u32::MAX)),
        None => (origin, u32::MAX),
    }
}

/// Keeps `new` in `slot` when it is on and the kept one is off, or when both say the same and
/// `new` comes first: a total order, so any merge order gives the same result.
fn offer_hold(slot: &mut Option<MeshSetting<bool>>, new: Option<MeshSetting<bool>>) {
    let Some(new) = new else { return };
    let better = slot.as_ref().is_none_or(|old| {
        (!new.value, origin_key(&new.origin)) < (!old.value, origin_key(&old.origin))
    });
    if better {
        *slot = Some(new);
    }
}

/// Keeps the setting that comes first in path and line order (then by value, to be total).
fn offer_first<T: Ord>(slot: &mut Option<MeshSetting<T>>, new: Option<MeshSetting<T>>) {
    let Some(new) = new else { return };
    let better = slot.as_ref().is_none_or(|old| {
        (origin_key(&new.origin), &new.value) < (origin_key(&old.origin), &old.value)
    });
    if better {
        *slot = Some(new);
    }
}

/// Everything a rule may read besides its own resource.
///
/// A run lints each file once, as soon as it is read, before the other files' facts are known
/// (`deferred`): a finding that depends on them carries its [`Requires`] and is settled once
/// every file has been seen, and a rule that reads the mesh-wide facts has that read recorded
/// (`ResourceCheck::mesh`), so that the file is linted again if another file changed them.
/// With every fact known (one text on its own, fixing, that second lint), requirements are
/// decided at once.
#[derive(Clone, Debug, Default)]
pub struct Context {
    pub options: LintOptions,
    /// Labels of namespaces described by linted files or the configuration.
    pub namespaces: NamespaceLabels,
    /// Where the project's files are, what builds them and what refers to their pods.
    pub(crate) project: Project,
    /// The project roots (keys), which bound the scope of a mesh-wide setting.
    pub roots: Vec<PathBuf>,
    /// Every file's facts, kept to derive `project` again when more arrive.
    pub(crate) files: Vec<(FileFacts, MeshFacts)>,
    /// Other files' facts are not known yet: findings keep their requirements.
    pub deferred: bool,
}

/// What becomes of a finding that needs other files' facts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// It stands as reported.
    Keep,
    /// It stands, but only because meshlint assumed the pod is in the mesh: reported at
    /// `info`, saying why (the string).
    Assumed(String),
    /// It stands, with these words added to its message (what other files showed).
    Note(String),
    /// It was judged against catalogues and schemas newer than the project's target (the
    /// target, as `version (origin)`): the file gets one informational note instead.
    OldTarget(String),
    /// It was judged against the catalogue of the target Istio `1.minor` (MESH502, MESH505,
    /// MESH508): the message names that version instead of the newest catalogue's
    /// ([`versions::DATA_VERSION`]), and gets `note` added.
    Judged { minor: u32, note: String },
    /// It does not apply.
    Drop,
}

impl Verdict {
    /// A message restated for [`Verdict::Judged`]: `Istio <DATA_VERSION>` becomes `Istio 1.minor`
    /// and the note is added.
    pub fn restate(message: &mut String, minor: u32, note: &str) {
        let newest = format!("Istio {}", versions::DATA_VERSION);
        if message.contains(&newest) {
            *message = message.replace(&newest, &format!("Istio 1.{minor}"));
        }
        message.push_str(note);
    }
}

impl Context {
    pub fn new(options: LintOptions) -> Self {
        let namespaces = options.namespaces.clone();
        Self {
            options,
            namespaces,
            project: Project::default(),
            roots: Vec::new(),
            files: Vec::new(),
            deferred: false,
        }
    }

    /// Adds the facts of another file (see [`Context::absorb_all`]).
    pub fn absorb(&mut self, facts: Facts) {
        self.absorb_all([facts]);
    }

    /// Adds the facts of other files. The order files are absorbed in does not matter: a
    /// namespace described twice (a Kustomize base and an overlay's patch) gets the union of
    /// its labels (see [`merge_labels`]), and mesh-wide settings merge as [`MeshFacts`] says.
    pub fn absorb_all(&mut self, facts: impl IntoIterator<Item = Facts>) {
        for f in facts {
            for (name, labels) in f.namespaces {
                merge_labels(self.namespaces.entry(name).or_default(), &labels);
            }
            self.files.push((f.file, f.mesh));
        }
        // Sorted, so that scopes and selectors come out the same in any order.
        self.files.sort_by(|a, b| a.0.key.cmp(&b.0.key));
        let files: Vec<(&FileFacts, &MeshFacts)> = self.files.iter().map(|(f, m)| (f, m)).collect();
        self.project = Project::new(self.roots.clone(), self.options.mesh_config.clone(), &files);
    }

    /// Sets the project roots (keys) before facts are absorbed.
    pub fn with_roots(mut self, roots: Vec<PathBuf>) -> Self {
        self.roots = roots;
        self
    }

    /// The mesh-wide facts that cover the file `key` (rules read them through
    /// `ResourceCheck::mesh`).
    pub fn mesh_for(&self, key: &Path) -> MeshFacts {
        self.project.mesh_for(key)
    }

    /// The project's layout.
    pub fn project(&self) -> &Project {
        &self.project
    }

    /// How a pod of the file `key` is injected, every fact known.
    pub fn injection(&self, pod: &PodInjection, key: &Path) -> Injection {
        self.injection_in(pod, &self.settling(key, false))
    }

    fn injection_in(&self, pod: &PodInjection, at: &Settling<'_>) -> Injection {
        if self.options.profile == Profile::Ossm2 {
            return pod.decide_ossm2();
        }
        let evidence = |ns: Option<&str>| {
            pod.names_istio()
                || at.file_evidence
                || self.project.label_evidence(at.key, &pod.labels, ns)
        };
        pod.decide(
            &self.namespaces,
            at.in_namespaces,
            self.options.injection,
            &evidence,
        )
    }

    /// What becomes of a finding with `requires` in the file `key`; `partial` says the file
    /// is a partial object (a Kustomize patch).
    pub fn verdict(&self, requires: &Requires, key: &Path, partial: bool) -> Verdict {
        self.verdict_in(requires, &self.settling(key, partial))
    }

    /// The facts of the file `key` that every one of its findings is settled against, looked
    /// up once for all of them (a file's mesh-wide settings are merged from every scope that
    /// covers it, and its path is hashed for each lookup).
    pub fn settling<'c>(&'c self, key: &'c Path, partial: bool) -> Settling<'c> {
        let mesh = self.mesh_for(key);
        Settling {
            key,
            partial,
            mesh_hold: mesh.hold_on(self.options.profile).is_some(),
            in_namespaces: self.project.kustomize_namespaces(key),
            file_evidence: self.project.file_evidence(key),
            mesh,
        }
    }

    /// [`Self::verdict`] against facts looked up once per file by [`Self::settling`].
    pub fn verdict_in(&self, requires: &Requires, at: &Settling<'_>) -> Verdict {
        if requires.whole_object && at.partial {
            return Verdict::Drop;
        }
        if requires.no_mesh_hold && at.mesh_hold {
            return Verdict::Drop;
        }
        if requires.not_native && native_sidecars(&self.options, &at.mesh) {
            return Verdict::Drop;
        }
        if requires.vault_in_scope
            && !self.options.vault.is_configured()
            && !self.project.vault_in_scope(at.key)
        {
            return Verdict::Drop;
        }
        if requires.judged_by_catalogue || requires.catalogue.is_some() {
            let target = self
                .options
                .istio_version
                .as_ref()
                .or(at.mesh.istio_version.as_ref());
            if let Some(t) = target {
                if requires.judged_by_catalogue && t.value < versions::OLDEST_JUDGED {
                    if requires
                        .catalogue
                        .is_some_and(|c| !c.holds(catalog::LATEST_MINOR))
                    {
                        return Verdict::Drop; // Reported only for targets that lack the key.
                    }
                    return Verdict::OldTarget(format!("{} ({})", t.value, t.origin));
                }
            }
            if let Some(check) = &requires.catalogue {
                let minor =
                    target.and_then(|t| catalog::versioned_minor(t.value.major, t.value.minor));
                match (minor, target) {
                    (Some(m), Some(t)) => {
                        if !check.holds(m) {
                            return Verdict::Drop;
                        }
                        let mut note =
                            format!(" (judged against Istio 1.{m}'s catalogue: the target, Istio {}, from {}", t.value, t.origin);
                        if let Some(later) = check.listed_after(m) {
                            let _ =
                                write!(note, "; the catalogue lists it from Istio 1.{later} on");
                        }
                        note.push(')');
                        return Verdict::Judged { minor: m, note };
                    }
                    _ => {
                        if !check.holds(catalog::LATEST_MINOR) {
                            return Verdict::Drop;
                        }
                    }
                }
            }
            if let Some(t) = target {
                if requires.judged_by_catalogue && t.value.minor_only() < versions::DATA {
                    return Verdict::Note(format!(
                        " (judged against Istio {}'s catalogue and schemas; the target is Istio {}, from {})",
                        versions::DATA_VERSION,
                        t.value,
                        t.origin
                    ));
                }
            }
        }
        if let Some(sc) = &requires.sidecar_conflict {
            let others = self.project.sidecar_conflicts(sc);
            if others.is_empty() {
                return Verdict::Drop;
            }
            let list: Vec<String> = others
                .iter()
                .map(|o| format!("`{}` ({})", o.name, o.origin))
                .collect();
            return Verdict::Note(format!(": {}", list.join(", ")));
        }
        if let Some(pod) = &requires.uninjected {
            if matches!(
                self.injection_in(pod, at),
                Injection::Injected(_) | Injection::Assumed(_)
            ) {
                return Verdict::Drop;
            }
        }
        match requires
            .injected
            .as_ref()
            .map(|pod| self.injection_in(pod, at))
        {
            None | Some(Injection::Injected(_)) => Verdict::Keep,
            Some(Injection::Assumed(why)) => Verdict::Assumed(why),
            Some(Injection::NotInjected(_) | Injection::Ambient) => Verdict::Drop,
        }
    }
}

/// What [`Context::settling`] looked up for one file.
pub struct Settling<'c> {
    key: &'c Path,
    partial: bool,
    /// A mesh-wide hold covers the file.
    mesh_hold: bool,
    /// The namespaces Kustomize deploys the file's resources to.
    in_namespaces: &'c [String],
    /// The project shows that every pod of the file is in the mesh.
    file_evidence: bool,
    /// The mesh-wide facts that cover the file.
    mesh: MeshFacts,
}

/// A Sidecar resource's facts (MESH210), with its `kind` line as its origin; the origin is
/// only for messages.
pub fn project_sidecar(res: &Resource<'_, '_>, file: &Path) -> Option<SidecarFact> {
    project::sidecar(res, file, String::new())
}

/// The words added to a finding reported only because its pod is assumed to be in the mesh.
pub fn assumed_note(why: &str) -> String {
    format!(
        " (assumed: {why} and nothing in the project shows that Istio injects this pod, so meshlint assumed it does; declare the namespace, or set `injection: assume` or `explicit`: see `meshlint explain injection`)"
    )
}

/// Adds one description's labels to a namespace's: a key only one description has is kept;
/// when two disagree on a key's value, `istio-injection: enabled` wins (the pods of a namespace
/// that some rendering injects get the start-up checks), else the greater value in byte order,
/// so that the outcome is the same in any order. Within one description the last of a repeated
/// key counts, as the API server reads it.
fn merge_labels(into: &mut Vec<(String, String)>, labels: &[(String, String)]) {
    let rank = |k: &str, v: &str| (k == "istio-injection" && v == "enabled", v.to_owned());
    for (i, (key, value)) in labels.iter().enumerate() {
        if labels[i + 1..].iter().any(|(k, _)| k == key) {
            continue; // A later duplicate in the same description wins.
        }
        match into.iter_mut().find(|(k, _)| k == key) {
            Some((_, old)) => {
                if rank(key, value) > rank(key, old) {
                    old.clone_from(value);
                }
            }
            None => into.push((key.clone(), value.clone())),
        }
    }
}

/// What a finding needs of facts that other files may hold. Rules attach it instead of
/// deciding, so that a file's findings can be settled once every file has been seen.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Requires {
    /// The pod gets a sidecar (its namespace may be described by another file).
    pub injected: Option<PodInjection>,
    /// No mesh-wide hold applies (an IstioOperator or mesh config elsewhere may set one).
    pub no_mesh_hold: bool,
    /// The file is a whole object, not a Kustomize patch (which a `kustomization.yaml`
    /// elsewhere names): rules about something missing do not apply to partial objects.
    pub whole_object: bool,
    /// Vault is in play where this file's mesh-wide settings apply: a pod in their scope runs
    /// Vault's agent, or the `vault` option is configured.
    pub vault_in_scope: bool,
    /// The finding comes from meshlint's catalogue or schemas (MESH104, MESH205, MESH502,
    /// MESH505), which are one Istio version's: a project targeting an Istio older than
    /// [`versions::OLDEST_JUDGED`] is not judged by them.
    pub judged_by_catalogue: bool,
    /// The finding is a claim about a catalogue key (MESH502 unknown, MESH505 deprecated,
    /// MESH508 Alpha) that depends on the Istio version: judged against the target's own
    /// catalogue when it is one meshlint has (1.20 on), else against the newest.
    pub catalogue: Option<catalog::KeyCheck>,
    /// Another Sidecar configures the same workloads as this one (MESH210).
    pub sidecar_conflict: Option<SidecarFact>,
    /// The pod does not get a sidecar (on evidence: a pod assumed in the mesh may get one).
    pub uninjected: Option<PodInjection>,
    /// The pod does not start Envoy as a native sidecar ([`native_sidecars`]: the target
    /// versions and a mesh-wide `ENABLE_NATIVE_SIDECARS` may be in other files).
    pub not_native: bool,
}

/// Facts from one file, gathered in pass one.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    pub namespaces: Vec<(String, Vec<(String, String)>)>,
    pub mesh: MeshFacts,
    /// The rest: what the project's layout is derived from.
    pub file: FileFacts,
}

impl Facts {
    /// Whether the file told anything.
    pub fn is_empty(&self) -> bool {
        let f = &self.file;
        self.namespaces.is_empty()
            && self.mesh == MeshFacts::default()
            && !f.mesh_source
            && !f.istio_config
            && !f.vault_pod
            && f.revision_version.is_none()
            && f.sidecars.is_empty()
            && f.services.is_empty()
            && f.istio_refs.is_empty()
            && f.kustomization.is_none()
    }
}

/// Whether a file could contribute facts at all: a cheap byte search that lets pass one skip
/// most files without parsing them. It must never say no to a file with facts; it may say yes
/// to a few without. Facts come from a `kind: Namespace`, `kind: Service` or `kind:
/// IstioOperator` resource, Istio configuration (an `*.istio.io/v…` API version), a `defaultConfig`
/// or `meshConfig` (IstioOperator, the `istio` ConfigMap's `mesh`, istiod Helm values) and
/// istiod Helm values' `global.proxy`. Matching the kinds as `kind` values rather than as bare
/// words matters: CRDs say `scope: Namespaced` and mention namespaces everywhere, and they are
/// the largest files of a tree.
pub fn may_have_facts(text: &str) -> bool {
    let bytes = text.as_bytes();
    let has = |needle: &str| memchr::memmem::find(bytes, needle.as_bytes()).is_some();
    has_kind_value(bytes, "Namespace")
        || has_kind_value(bytes, "IstioOperator")
        || has_kind_value(bytes, "Service")
        || has("istio.io/v")
        || has("meshConfig")
        || has("vault.hashicorp.com/agent-inject")
        || has("defaultConfig")
        || has("default_config")
        || has("istio.io/rev")
        || has("ENABLE_NATIVE_SIDECARS")
        || has("istiod")
        || has("global") && has("tag")
        || has("global") && MESH_PROXY_KEYS.iter().any(|k| has(k))
        || has_kind_value(bytes, "ConfigMap") && has("mesh")
}

/// Whether `word` occurs as the value of a `kind` key: `kind: Namespace`, `"kind": "Namespace"`,
/// `{kind: 'Namespace'}`, `kind: !!str Namespace`, the value on the next line; not
/// `NamespaceSelector` nor `scope: Namespaced`.
fn has_kind_value(bytes: &[u8], word: &str) -> bool {
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.';
    let is_space = |b: u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    memchr::memmem::find_iter(bytes, word.as_bytes()).any(|at| {
        if bytes.get(at + word.len()).is_some_and(|&b| is_word(b)) {
            return false;
        }
        let mut i = at;
        if i > 0 && matches!(bytes[i - 1], b'"' | b'\'') {
            i -= 1;
        }
        // Back over blanks and at most two properties (`!!str`, `&anchor`) to the colon.
        for _ in 0..3 {
            while i > 0 && is_space(bytes[i - 1]) {
                i -= 1;
            }
            if i > 0 && bytes[i - 1] == b':' {
                break;
            }
            let end = i;
            while i > 0 && !is_space(bytes[i - 1]) {
                i -= 1;
            }
            if i == end || !matches!(bytes[i], b'!' | b'&') {
                return false;
            }
        }
        if i == 0 || bytes[i - 1] != b':' {
            return false;
        }
        i -= 1;
        while i > 0 && matches!(bytes[i - 1], b' ' | b'\t') {
            i -= 1;
        }
        if i > 0 && matches!(bytes[i - 1], b'"' | b'\'') {
            i -= 1;
        }
        i >= 4 && &bytes[i - 4..i] == b"kind" && (i == 4 || !is_word(bytes[i - 5]))
    })
}

/// Collects the facts of one file's text (`path` names it in messages).
///
/// Only the documents that may carry facts are parsed: an install manifest of a thousand
/// documents with one `Namespace` costs one small parse, not a second parse of the whole file.
pub fn collect_facts(text: &str, path: &str) -> Facts {
    collect_file_facts(text, path, Path::new(path))
}

/// [`collect_facts`] for the file whose key is `key` (`path`: its name in messages). A
/// kustomization's facts are read too.
pub fn collect_file_facts(text: &str, path: &str, key: &Path) -> Facts {
    let mut facts = Facts::default();
    key.clone_into(&mut facts.file.key);
    if is_kustomization(key) {
        facts.file.kustomization = Some(read_kustomization(text, key));
    }
    let mut index: Option<LineIndex> = None;
    let chunks = document_chunks(text);
    for chunk in &chunks {
        let part = &text[chunk.clone()];
        if chunks.len() > 1 && !may_have_facts(part) {
            continue;
        }
        let base = chunk.start as u32;
        let mut origin = |offset: u32| {
            let idx = index.get_or_insert_with(|| LineIndex::new(text));
            format!("{path}:{}", idx.line_col(text, base + offset).line)
        };
        for doc in yaml::DocumentParser::new(part).flatten() {
            for res in extract_resources(&doc) {
                collect_resource(&res, &mut facts, &mut origin);
            }
        }
    }
    facts
}

/// Gathers a file's facts from the documents the engine has already parsed, so that a run
/// parses each file once: the facts of a linted file come from the same trees as its findings.
pub(crate) struct FactSink<'t> {
    text: &'t str,
    path: &'t str,
    index: Option<LineIndex>,
    pub facts: Facts,
}

impl<'t> FactSink<'t> {
    /// A sink for the whole text `text` (node offsets are into it) of the file whose key is
    /// `key`; `path` names it in messages. A kustomization's facts are read from its trees.
    pub fn for_file(text: &'t str, path: &'t str, key: &Path) -> Self {
        let mut facts = Facts::default();
        key.clone_into(&mut facts.file.key);
        if is_kustomization(key) {
            // Read from the trees the engine parses (`add`).
            facts.file.kustomization = Some(Kustomization::default());
        }
        Self {
            text,
            path,
            index: None,
            facts,
        }
    }

    /// Adds the facts of one document's resources.
    pub fn add(&mut self, resources: &[Resource<'_, '_>]) {
        let (text, path, index) = (self.text, self.path, &mut self.index);
        let mut origin = |offset: u32| {
            let idx = index.get_or_insert_with(|| LineIndex::new(text));
            format!("{path}:{}", idx.line_col(text, offset).line)
        };
        for res in resources {
            collect_resource(res, &mut self.facts, &mut origin);
        }
        if let (Some(k), Some(res)) = (&mut self.facts.file.kustomization, resources.first()) {
            project::add_kustomization(res.root, &self.facts.file.key, k);
        }
    }
}

/// The byte ranges of a stream's documents, each starting at its `---` line (a document marker
/// at the start of a line ends any scalar, so cutting there never splits a node). With
/// directives (`%YAML`, `%TAG`), which belong to the document after them, the whole text is one
/// range.
fn document_chunks(text: &str) -> Vec<std::ops::Range<usize>> {
    let bytes = text.as_bytes();
    let directive = bytes.first() == Some(&b'%') || memchr::memmem::find(bytes, b"\n%").is_some();
    let mut out = Vec::new();
    if directive {
        out.push(0..text.len());
        return out;
    }
    let mut start = 0;
    for at in memchr::memmem::find_iter(bytes, b"---") {
        let line_start = at == 0 || bytes[at - 1] == b'\n';
        let marker = bytes
            .get(at + 3)
            .is_none_or(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'));
        if line_start && marker && at > start {
            out.push(start..at);
            start = at;
        }
    }
    out.push(start..text.len());
    out
}

/// A `MeshConfig`'s `defaultConfig`: jsonpb, which reads mesh configuration, accepts the proto
/// name `default_config` too.
fn default_config<'d, 'a>(mesh_config: NodeRef<'d, 'a>) -> Option<NodeRef<'d, 'a>> {
    let mesh_config = mesh_config.resolved();
    mesh_config
        .get("defaultConfig")
        .or_else(|| mesh_config.get("default_config"))
}

/// The `global.proxy` keys of istiod Helm values that make a file a mesh-wide setting (any
/// chart may have a `global.proxy` for its HTTP proxy).
const MESH_PROXY_KEYS: &[&str] = &[
    "holdApplicationUntilProxyStarts",
    "excludeIPRanges",
    "includeIPRanges",
    "excludeOutboundPorts",
    "excludeInboundPorts",
    "includeInboundPorts",
    "includeOutboundPorts",
];

fn collect_resource(
    res: &Resource<'_, '_>,
    facts: &mut Facts,
    origin: &mut dyn FnMut(u32) -> String,
) {
    let root = res.root;
    if project::is_istio_config(res) {
        facts.file.istio_config = true;
    }
    if let Some(s) = project::service(res) {
        facts.file.services.push(s);
    }
    if let Some(r) = project::istio_refs(res) {
        facts.file.istio_refs.push(r);
    }
    if res.kind == "Sidecar" {
        let at = origin(res.kind_key.map_or(0, |k| k.range().start()));
        if let Some(sc) = project::sidecar(res, &facts.file.key, at) {
            facts.file.sidecars.push(sc);
        }
    }
    if res
        .pod
        .as_ref()
        .is_some_and(|p| p.meta.annotation_str("vault.hashicorp.com/agent-inject") == Some("true"))
    {
        facts.file.vault_pod = true;
    }
    if let Some(pod) = &res.pod {
        revision_version(&pod.meta, "pod label istio.io/rev", facts, origin);
        istiod_image_version(pod.spec, facts, origin);
    }
    match res.kind {
        "Namespace" => {
            revision_version(&res.meta, "Namespace label istio.io/rev", facts, origin);
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
            facts.file.mesh_source = true;
            let spec = root.get("spec");
            if let Some(spec) = spec {
                istio_operator_target(spec.resolved(), facts, origin);
            }
            if let Some(dc) = spec
                .and_then(|s| s.get("meshConfig"))
                .and_then(default_config)
            {
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
                facts.file.mesh_source = true;
                if let Some(mesh_text) = mesh.resolved().as_str() {
                    // The embedded text has its own offsets: report the ConfigMap's `mesh` key.
                    let at = origin(mesh.range().start());
                    let mut inner = MeshFacts::default();
                    for doc in yaml::DocumentParser::new(mesh_text).flatten() {
                        if let Some(dc) = doc.root().and_then(default_config) {
                            hold_from_proxy_config(dc, &mut inner, &mut |_| at.clone());
                        }
                    }
                    facts.mesh.merge(inner);
                }
            }
        }
        "" => {
            // istiod Helm values: top-level meshConfig / global.
            let proxy_settings = root
                .path(&["global", "proxy"])
                .is_some_and(|p| MESH_PROXY_KEYS.iter().any(|k| p.get(k).is_some()));
            if root.get("meshConfig").is_some() || proxy_settings {
                facts.file.mesh_source = true;
            }
            if helm_values_target(root.resolved(), facts, origin)
                || chart_version(root.resolved(), facts, origin)
            {
                facts.file.mesh_source = true;
            }
            if let Some(dc) = root.get("meshConfig").and_then(default_config) {
                hold_from_proxy_config(dc, &mut facts.mesh, origin);
            }
            if let Some(proxy) = root.path(&["global", "proxy"]) {
                global_proxy(proxy, &mut facts.mesh, origin);
            }
        }
        _ => {}
    }
}

/// The version an image reference's tag names (`docker.io/istio/pilot:1.28.0-distroless`).
fn image_version(image: &str) -> Option<Version> {
    let name = image.rsplit('/').next()?;
    let (_, tag) = name.split_once(':')?;
    Version::from_tag(tag.split('@').next()?)
}

/// A scalar's text (`tag: 1.28` is a YAML number, read as written).
fn scalar_text<'d>(node: NodeRef<'d, '_>) -> Option<&'d str> {
    let node = node.resolved();
    node.is_scalar().then(|| node.as_str()).flatten()
}

/// Offers an Istio version found at `node` (`what` says where, for `meshlint config`).
fn offer_version(
    version: Option<Version>,
    node: NodeRef<'_, '_>,
    what: &str,
    mesh: &mut MeshFacts,
    origin: &mut dyn FnMut(u32) -> String,
) {
    if let Some(value) = version {
        let origin = format!("{} ({what})", origin(node.range().start()));
        offer_first(&mut mesh.istio_version, Some(MeshSetting { value, origin }));
    }
}

/// `ENABLE_NATIVE_SIDECARS` as `true`/`false` (`auto` and anything else: Istio's default).
fn native_env(value: NodeRef<'_, '_>) -> Option<bool> {
    match scalar_text(value)? {
        "true" | "True" | "TRUE" | "1" => Some(true),
        "false" | "False" | "FALSE" | "0" => Some(false),
        _ => None,
    }
}

/// Offers a mesh-wide `ENABLE_NATIVE_SIDECARS` from a map of environment variables
/// (`values.pilot.env`) or a list of `{name, value}` (`components.pilot.k8s.env`).
fn offer_native_env(
    env: NodeRef<'_, '_>,
    mesh: &mut MeshFacts,
    origin: &mut dyn FnMut(u32) -> String,
) {
    let env = env.resolved();
    let found = if env.is_mapping() {
        env.entry("ENABLE_NATIVE_SIDECARS")
    } else {
        env.items()
            .map(NodeRef::resolved)
            .find(|e| e.get_str("name") == Some("ENABLE_NATIVE_SIDECARS"))
            .and_then(|e| e.entry("value"))
    };
    if let Some((k, v)) = found {
        if let Some(value) = native_env(v) {
            let origin = origin(k.range().start());
            offer_first(
                &mut mesh.native_sidecars,
                Some(MeshSetting { value, origin }),
            );
        }
    }
}

/// An IstioOperator's target version (`spec.tag`, `spec.values.global.tag`, the pilot image)
/// and istiod's `ENABLE_NATIVE_SIDECARS`.
fn istio_operator_target(
    spec: NodeRef<'_, '_>,
    facts: &mut Facts,
    origin: &mut dyn FnMut(u32) -> String,
) {
    let mesh = &mut facts.mesh;
    if let Some(tag) = spec.get("tag") {
        offer_version(
            scalar_text(tag).and_then(Version::from_tag),
            tag,
            "IstioOperator spec.tag",
            mesh,
            origin,
        );
    }
    if let Some(tag) = spec.path(&["values", "global", "tag"]) {
        offer_version(
            scalar_text(tag).and_then(Version::from_tag),
            tag,
            "IstioOperator spec.values.global.tag",
            mesh,
            origin,
        );
    }
    for path in [
        &["values", "pilot", "image"][..],
        &["components", "pilot", "k8s", "image"],
    ] {
        if let Some(image) = spec.path(path) {
            offer_version(
                scalar_text(image).and_then(image_version),
                image,
                "IstioOperator pilot image",
                mesh,
                origin,
            );
        }
    }
    if let Some(rev) = spec.get("revision") {
        offer_version(
            scalar_text(rev).and_then(Version::from_revision),
            rev,
            "IstioOperator spec.revision",
            mesh,
            origin,
        );
    }
    for path in [
        &["values", "pilot", "env"][..],
        &["components", "pilot", "k8s", "env"],
    ] {
        if let Some(env) = spec.path(path) {
            offer_native_env(env, mesh, origin);
        }
    }
}

/// istiod Helm values: `global.tag`, `pilot.image`, `revision`, `pilot.env` (or `env` of the
/// istiod chart's own values). Returns whether the file said any of it. `global.tag` counts
/// only in Istio's values (a `global.hub` naming Istio, or `pilot`/`meshConfig` beside it).
fn helm_values_target(
    root: NodeRef<'_, '_>,
    facts: &mut Facts,
    origin: &mut dyn FnMut(u32) -> String,
) -> bool {
    let istio_values = root.get("pilot").is_some()
        || root.get("meshConfig").is_some()
        || root
            .path(&["global", "hub"])
            .and_then(scalar_text)
            .is_some_and(|h| h.contains("istio"));
    if !istio_values {
        return false;
    }
    let mesh = &mut facts.mesh;
    let before = (mesh.istio_version.clone(), mesh.native_sidecars.clone());
    if let Some(tag) = root.path(&["global", "tag"]) {
        offer_version(
            scalar_text(tag).and_then(Version::from_tag),
            tag,
            "Helm values global.tag",
            mesh,
            origin,
        );
    }
    if let Some(image) = root.path(&["pilot", "image"]) {
        offer_version(
            scalar_text(image).and_then(image_version),
            image,
            "Helm values pilot.image",
            mesh,
            origin,
        );
    }
    if let Some(rev) = root.get("revision") {
        offer_version(
            scalar_text(rev).and_then(Version::from_revision),
            rev,
            "Helm values revision",
            mesh,
            origin,
        );
    }
    if let Some(env) = root.path(&["pilot", "env"]) {
        offer_native_env(env, mesh, origin);
    }
    before != (mesh.istio_version.clone(), mesh.native_sidecars.clone())
}

/// A `Chart.yaml` of Istio's charts (`name: istiod`, `base`), or one depending on them from
/// Istio's chart repository: the chart's `version`.
fn chart_version(
    root: NodeRef<'_, '_>,
    facts: &mut Facts,
    origin: &mut dyn FnMut(u32) -> String,
) -> bool {
    if !matches!(root.get_str("apiVersion"), Some("v1" | "v2")) || root.get("kind").is_some() {
        return false;
    }
    let before = facts.mesh.istio_version.clone();
    if root.get_str("name") == Some("istiod") {
        if let Some(v) = root.get("version") {
            offer_version(
                scalar_text(v).and_then(Version::from_tag),
                v,
                "chart istiod version",
                &mut facts.mesh,
                origin,
            );
        }
    }
    for dep in root
        .get("dependencies")
        .into_iter()
        .flat_map(|d| d.resolved().items())
    {
        let dep = dep.resolved();
        let istio_repo = dep
            .get_str("repository")
            .is_some_and(|r| r.contains("istio"));
        if istio_repo && matches!(dep.get_str("name"), Some("istiod" | "base")) {
            if let Some(v) = dep.get("version") {
                offer_version(
                    scalar_text(v).and_then(Version::from_tag),
                    v,
                    "chart dependency version",
                    &mut facts.mesh,
                    origin,
                );
            }
        }
    }
    before != facts.mesh.istio_version
}

/// The version of an istiod image in a pod (`docker.io/istio/pilot:1.5.0`, as an install
/// bundle has it): a container image whose name is `pilot` under a path naming Istio.
fn istiod_image_version(
    spec: Option<NodeRef<'_, '_>>,
    facts: &mut Facts,
    origin: &mut dyn FnMut(u32) -> String,
) {
    let containers = spec
        .and_then(|s| s.resolved().get("containers"))
        .into_iter()
        .flat_map(|c| c.resolved().items());
    for c in containers {
        let Some(image) = c.resolved().get("image") else {
            continue;
        };
        let Some(text) = scalar_text(image) else {
            continue;
        };
        let name = text.split(['@', ':']).next().unwrap_or("");
        let name = text.rsplit_once('/').map_or(name, |(repo, last)| {
            if repo.contains("istio") {
                last.split(':').next().unwrap_or("")
            } else {
                ""
            }
        });
        if name != "pilot" {
            continue;
        }
        if let Some(value) = image_version(text) {
            let origin = format!("{} (istiod image)", origin(image.range().start()));
            offer_first(
                &mut facts.file.revision_version,
                Some(MeshSetting { value, origin }),
            );
        }
    }
}

/// A revision label named after a version (`istio.io/rev: 1-26-2`).
fn revision_version(
    meta: &crate::k8s::MetaBlock<'_, '_>,
    what: &str,
    facts: &mut Facts,
    origin: &mut dyn FnMut(u32) -> String,
) {
    let Some((_, v)) = meta.label("istio.io/rev") else {
        return;
    };
    if let Some(value) = scalar_text(v).and_then(Version::from_revision) {
        let origin = format!("{} ({what})", origin(v.range().start()));
        offer_first(
            &mut facts.file.revision_version,
            Some(MeshSetting { value, origin }),
        );
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
        if let Some(value) = bool_value(v) {
            let origin = origin(k.range().start());
            offer_hold(&mut mesh.hold, Some(MeshSetting { value, origin }));
        }
    }
}

fn global_proxy(
    proxy: NodeRef<'_, '_>,
    mesh: &mut MeshFacts,
    origin: &mut dyn FnMut(u32) -> String,
) {
    if let Some((k, v)) = proxy.entry("holdApplicationUntilProxyStarts") {
        if let Some(value) = bool_value(v) {
            let origin = origin(k.range().start());
            offer_hold(
                &mut mesh.deprecated_hold,
                Some(MeshSetting { value, origin }),
            );
        }
    }
    for (key, slot) in [
        ("excludeIPRanges", &mut mesh.exclude_ip_ranges),
        ("excludeOutboundPorts", &mut mesh.exclude_outbound_ports),
    ] {
        if let Some((k, v)) = proxy.entry(key) {
            if let Some(value) = v.resolved().as_str().filter(|s| !s.trim().is_empty()) {
                let origin = origin(k.range().start());
                offer_first(
                    slot,
                    Some(MeshSetting {
                        value: value.to_owned(),
                        origin,
                    }),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mesh_wide_hold_counts_under_either_name_of_default_config() {
        for (text, line) in [
            ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio}\ndata:\n  mesh: |-\n    default_config:\n      holdApplicationUntilProxyStarts: true\n", 5),
            ("apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  meshConfig:\n    default_config:\n      holdApplicationUntilProxyStarts: true\n", 6),
            ("meshConfig:\n  default_config:\n    holdApplicationUntilProxyStarts: true\n", 3),
            ("meshConfig:\n  defaultConfig:\n    holdApplicationUntilProxyStarts: true\n", 3),
        ] {
            let facts = collect_facts(text, "m.yaml");
            let hold = facts.mesh.hold_on(Profile::InCluster);
            assert_eq!(hold.map(|h| h.origin.as_str()), Some(format!("m.yaml:{line}").as_str()), "{text}");
        }
    }

    /// Every order of `parts` absorbed into a fresh context gives the same namespaces and
    /// mesh-wide facts as the first order.
    fn same_in_every_order(parts: &[Facts]) -> Context {
        // Every file's settings apply to the whole project: this is about merging them.
        let options = LintOptions {
            mesh_config: parts.iter().map(|f| f.file.key.clone()).collect(),
            ..LintOptions::default()
        };
        let absorb = |order: &[usize]| {
            let mut cx = Context::new(options.clone());
            for &i in order {
                cx.absorb(parts[i].clone());
            }
            cx
        };
        let first = absorb(&(0..parts.len()).collect::<Vec<_>>());
        let mut order: Vec<usize> = (0..parts.len()).collect();
        // Heap's algorithm, iteratively: every permutation.
        let mut c = vec![0; order.len()];
        let mut i = 0;
        while i < order.len() {
            if c[i] < i {
                order.swap(if i % 2 == 0 { 0 } else { c[i] }, i);
                let cx = absorb(&order);
                assert_eq!(
                    cx.mesh_for(Path::new("app.yaml")),
                    first.mesh_for(Path::new("app.yaml")),
                    "{order:?}"
                );
                let sorted = |cx: &Context| {
                    let mut v: Vec<_> = cx
                        .namespaces
                        .iter()
                        .map(|(k, l)| {
                            let mut l = l.clone();
                            l.sort();
                            (k.clone(), l)
                        })
                        .collect();
                    v.sort();
                    v
                };
                assert_eq!(sorted(&cx), sorted(&first), "{order:?}");
                c[i] += 1;
                i = 0;
            } else {
                c[i] = 0;
                i += 1;
            }
        }
        first
    }

    #[test]
    fn inferred_scopes_do_not_depend_on_the_order_files_come_in() {
        let iop = |hold: bool| {
            format!("apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  meshConfig:\n    defaultConfig:\n      holdApplicationUntilProxyStarts: {hold}\n")
        };
        let parts = [
            collect_file_facts(&iop(false), "istio/a.yaml", Path::new("/r/istio/a.yaml")),
            collect_file_facts(
                &iop(true),
                "demo/x/iop.yaml",
                Path::new("/r/demo/x/iop.yaml"),
            ),
            collect_file_facts(&iop(true), "z/w/iop.yaml", Path::new("/r/z/w/iop.yaml")),
            collect_file_facts(
                "namespace: n\nresources: [app.yaml]\n",
                "k/kustomization.yaml",
                Path::new("/r/k/kustomization.yaml"),
            ),
        ];
        let files = [
            "/r/demo/app.yaml",
            "/r/k/app.yaml",
            "/r/other/app.yaml",
            "/r/z/y/app.yaml",
        ];
        let outcome = |order: &[usize]| {
            let mut cx = Context::new(LintOptions::default()).with_roots(vec!["/r".into()]);
            cx.absorb_all(order.iter().map(|&i| parts[i].clone()));
            files
                .iter()
                .map(|f| {
                    let key = Path::new(f);
                    (
                        cx.mesh_for(key),
                        cx.project().kustomize_namespaces(key).to_vec(),
                    )
                })
                .collect::<Vec<_>>()
        };
        let first = outcome(&[0, 1, 2, 3]);
        for order in [[3, 2, 1, 0], [1, 3, 0, 2], [2, 0, 3, 1], [0, 2, 1, 3]] {
            assert_eq!(outcome(&order), first, "{order:?}");
        }
        // The root's `istio/` says false everywhere, and a demo's or `z/`'s true wins inside it.
        assert_eq!(first[0].0.hold.as_ref().map(|h| h.value), Some(true));
        assert_eq!(first[2].0.hold.as_ref().map(|h| h.value), Some(false));
        assert_eq!(
            first[3].0.hold.as_ref().map(|h| h.origin.as_str()),
            Some("z/w/iop.yaml:6")
        );
        assert_eq!(first[1].1, ["n"]);
    }

    #[test]
    fn a_mesh_wide_true_wins_over_a_false_in_any_order() {
        let parts = [
            collect_facts("meshConfig:\n  defaultConfig:\n    holdApplicationUntilProxyStarts: false\n", "charts/istiod/values.yaml"),
            collect_facts("meshConfig:\n  defaultConfig:\n    holdApplicationUntilProxyStarts: true\n", "overlays/prod/values.yaml"),
            collect_facts("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio}\ndata:\n  mesh: |\n    defaultConfig:\n      holdApplicationUntilProxyStarts: true\n", "b.yaml"),
            collect_facts("apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  values:\n    global:\n      proxy:\n        holdApplicationUntilProxyStarts: false\n        excludeOutboundPorts: \"8200\"\n", "a.yaml"),
            collect_facts("global:\n  proxy:\n    holdApplicationUntilProxyStarts: true\n    excludeOutboundPorts: \"443\"\n", "z.yaml"),
        ];
        let cx = same_in_every_order(&parts);
        let mesh = cx.mesh_for(Path::new("app.yaml"));
        let hold = mesh.hold_on(Profile::InCluster).expect("on");
        // The first `true` in path and line order names the origin.
        assert_eq!(hold.origin, "b.yaml:5");
        assert_eq!(
            mesh.deprecated_hold
                .as_ref()
                .map(|h| (h.value, h.origin.as_str())),
            Some((true, "z.yaml:3"))
        );
        assert_eq!(
            mesh.exclude_outbound_ports
                .as_ref()
                .map(|h| h.origin.as_str()),
            Some("a.yaml:8")
        );
        // Lines compare as numbers, not text.
        assert!(origin_key("a.yaml:9") < origin_key("a.yaml:10"));
        // Within one file too: a `false` before a `true` does not hide it.
        let facts = collect_facts("meshConfig:\n  defaultConfig:\n    holdApplicationUntilProxyStarts: false\n---\napiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  meshConfig:\n    defaultConfig:\n      holdApplicationUntilProxyStarts: true\n", "m.yaml");
        assert_eq!(
            facts
                .mesh
                .hold_on(Profile::InCluster)
                .map(|h| h.origin.as_str()),
            Some("m.yaml:10")
        );
    }

    #[test]
    fn a_namespace_described_twice_gets_the_union_of_its_labels_in_any_order() {
        let ns = |labels: &str, path: &str| {
            collect_facts(&format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {labels}\n"), path)
        };
        let parts = [
            ns("{}", "base/namespace.yaml"),
            ns("{istio-injection: enabled, team: a}", "overlay/patch.yaml"),
            ns(
                "{istio-injection: disabled, team: b, team: c}",
                "other/ns.yaml",
            ),
        ];
        let cx = same_in_every_order(&parts);
        let mut labels = cx.namespaces["shop"].clone();
        labels.sort();
        assert_eq!(
            labels,
            [
                ("istio-injection".into(), "enabled".into()),
                ("team".into(), "c".into())
            ]
        );
    }

    #[test]
    fn facts_of_one_document_among_many_keep_their_lines() {
        use std::fmt::Write as _;
        let mut text = String::new();
        for i in 0..50 {
            let _ = write!(
                text,
                "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\n"
            );
        }
        text.push_str("---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    istio-injection: disabled\n");
        text.push_str("--- # an IstioOperator\napiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  meshConfig:\n    defaultConfig:\n      holdApplicationUntilProxyStarts: true\n");
        let facts = collect_facts(&text, "all.yaml");
        assert_eq!(facts.namespaces.len(), 1);
        assert_eq!(facts.namespaces[0].0, "shop");
        let hold = facts.mesh.hold.expect("the mesh-wide hold");
        assert!(hold.value);
        assert_eq!(hold.origin, "all.yaml:264");
        assert_eq!(document_chunks(&text).len(), 52);
        // Directives keep the stream whole; `----` and indented markers are not markers.
        assert_eq!(
            document_chunks("%YAML 1.1\n---\na: 1\n---\nb: 2\n").len(),
            1
        );
        assert_eq!(document_chunks("a: |\n  ---\n----\nb: 1\n").len(), 1);
    }

    /// The byte search that lets a run skip files when gathering never skips a file with
    /// facts: every manifest shipped with the tests, and small cases of each kind of fact.
    #[test]
    fn may_have_facts_never_misses_a_file_with_facts() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut texts: Vec<(String, String)> = Vec::new();
        let mut dirs = vec![root.join("testdata"), root.join("examples")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if let Ok(text) = std::fs::read_to_string(&path) {
                    texts.push((path.display().to_string(), text));
                }
            }
        }
        assert!(texts.len() > 100, "{}", texts.len());
        for extra in [
            "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec:\n  selector: {app: a}\n",
            "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: a}\nspec:\n  host: a\n",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio}\ndata:\n  mesh: |\n    accessLogFile: /dev/stdout\n",
            "meshConfig: {}\n",
            "global:\n  proxy:\n    includeIPRanges: '*'\n",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  annotations:\n    vault.hashicorp.com/agent-inject: 'true'\n",
        ] {
            texts.push(("extra".into(), extra.into()));
        }
        let mut with_facts = 0;
        for (name, text) in &texts {
            if !collect_facts(text, "x.yaml").is_empty() {
                with_facts += 1;
                assert!(may_have_facts(text), "{name}");
            }
        }
        assert!(with_facts > 20, "{with_facts}");
    }

    #[test]
    fn may_have_facts_finds_every_kind_spelling() {
        for yes in [
            "kind: Namespace\n",
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n",
            "{\"kind\": \"Namespace\", \"apiVersion\": \"v1\"}",
            "items:\n- kind: 'Namespace'\n",
            "{kind: Namespace}",
            "kind: !!str Namespace\n",
            "kind: &k Namespace\n",
            "kind:\n  Namespace\n",
            "kind : Namespace\r\n",
            "kind: IstioOperator\n",
            "spec:\n  meshConfig:\n    defaultConfig: {}\n",
            "global:\n  proxy:\n    excludeIPRanges: 10.0.0.0/8\n",
        ] {
            assert!(may_have_facts(yes), "{yes:?}");
        }
        for no in [
            "",
            "scope: Namespaced\nkind: CustomResourceDefinition\n",
            "namespaceSelector: {}\nkind: NamespaceSelector\n",
            "description: the Namespace of the object\n",
            "mykind: Namespace\n",
            "kind: Pod\nmetadata:\n  annotations:\n    traffic.sidecar.istio.io/excludeOutboundPorts: \"8200\"\n",
            "kind: Pod\nmetadata:\n  annotations:\n    proxy.istio.io/config: '{holdApplicationUntilProxyStarts: true}'\n",
            "kind: CustomResourceDefinition\nspec:\n  names:\n    kind: IstioOperatorList\n",
        ] {
            assert!(!may_have_facts(no), "{no:?}");
        }
    }
}
