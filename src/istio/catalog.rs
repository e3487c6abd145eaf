//! What Istio (and Kubernetes, inside an `IstioOperator`) knows, as data: the annotation and label
//! catalogue, and the field schemas of `proxy.istio.io/config` / `meshConfig.defaultConfig`
//! (`ProxyConfig`), `MeshConfig`, the `IstioOperator` (`spec`, `components.*`, `k8s`, `values`), plus
//! the "did you mean" rule every unknown-key finding uses.
//!
//! The tables live in [`crate::istio::generated`], written by `scripts/refresh-upstream.py` from
//! the upstream files in `data/upstream/` (versions in `data/upstream/PROVENANCE.md`). Nothing
//! here parses anything at run time: lookups are binary searches or short linear scans over
//! static arrays.
//!
//! Schemas are an arena: [`MessageType`]s refer to each other by index ([`FieldKind::Message`]),
//! so recursive types need no boxing and the whole schema is one static array.

use crate::istio::generated::{key_versions, keys, schema};

pub use crate::istio::generated::keys::Resource;

// ---------------------------------------------------------------------------------------------
// Annotation and label catalogue
// ---------------------------------------------------------------------------------------------

/// `featureStatus` of a catalogue entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeatureStatus {
    Alpha,
    Beta,
    Stable,
    /// The entry has no `featureStatus`.
    Unspecified,
}

/// One entry of Istio's annotation or label catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyInfo {
    /// The full key, e.g. `sidecar.istio.io/inject`.
    pub name: &'static str,
    pub feature_status: FeatureStatus,
    /// Upstream marks it deprecated.
    pub deprecated: bool,
    /// Upstream hides it from the docs (internal or set by Istio itself).
    pub hidden: bool,
    /// The kinds of object the entry is documented for.
    pub resources: &'static [Resource],
}

/// An annotation of `annotation/annotations.yaml`.
pub type AnnotationInfo = KeyInfo;
/// A label of `label/labels.yaml`.
pub type LabelInfo = KeyInfo;

impl KeyInfo {
    /// Whether the entry is documented for `kind` (or for `Any`).
    pub fn applies_to(&self, kind: Resource) -> bool {
        self.resources
            .iter()
            .any(|&r| r == kind || r == Resource::Any)
    }
}

fn find(table: &'static [KeyInfo], name: &str) -> Option<&'static KeyInfo> {
    table
        .binary_search_by(|k| k.name.cmp(name))
        .ok()
        .map(|i| &table[i])
}

/// The catalogue entry of an Istio annotation (hidden and deprecated ones included).
pub fn annotation(name: &str) -> Option<&'static AnnotationInfo> {
    find(&keys::ANNOTATIONS, name)
}

/// The catalogue entry of an Istio label.
pub fn label(name: &str) -> Option<&'static LabelInfo> {
    find(&keys::LABELS, name)
}

/// Every annotation of the catalogue, sorted by name.
pub fn annotations() -> &'static [AnnotationInfo] {
    &keys::ANNOTATIONS
}

/// Every label of the catalogue, sorted by name.
pub fn labels() -> &'static [LabelInfo] {
    &keys::LABELS
}

/// In which Istio minor versions one catalogue key exists as an annotation or a label, is a
/// deprecated annotation, or an Alpha one: bit `minor - FIRST_MINOR` of each mask (see
/// [`versioned_minor`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyVersions {
    pub name: &'static str,
    pub annotation: u16,
    pub label: u16,
    pub deprecated: u16,
    pub alpha: u16,
}

/// What a finding of MESH502, MESH505 or MESH508 claims about a key, to be judged against
/// the target Istio version's catalogue once it is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyClaim {
    /// The key is in no catalogue the target has (it may be in none at all).
    Unknown,
    /// The key is deprecated as an annotation in the target's catalogue.
    Deprecated,
    /// The key is an Alpha annotation in the target's catalogue.
    Alpha,
}

/// A claim about one key: `key` indexes [`key_versions_at`] (`None`: in no version).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyCheck {
    pub key: Option<u16>,
    pub claim: KeyClaim,
}

/// The per-version facts of `name`, as an index for [`key_versions_at`].
pub fn key_versions(name: &str) -> Option<u16> {
    key_versions::KEY_VERSIONS
        .binary_search_by(|k| k.name.cmp(name))
        .ok()
        .and_then(|i| u16::try_from(i).ok())
}

/// The per-version facts at `index` (from [`key_versions`]).
pub fn key_versions_at(index: u16) -> Option<&'static KeyVersions> {
    key_versions::KEY_VERSIONS.get(usize::from(index))
}

/// The minor of an Istio version the catalogue has its own data for, other than the newest:
/// `1.20` up to the last release before the newest catalogue. `None` for anything else (older
/// targets are not judged, newer ones get the newest catalogue).
pub fn versioned_minor(major: u32, minor: u32) -> Option<u32> {
    (major == 1 && (key_versions::FIRST_MINOR..key_versions::LAST_MINOR).contains(&minor))
        .then_some(minor)
}

/// The newest catalogue's minor (`1.31`).
pub const LATEST_MINOR: u32 = key_versions::LAST_MINOR;

fn bit(minor: u32) -> u16 {
    minor
        .checked_sub(key_versions::FIRST_MINOR)
        .filter(|&i| i < 16)
        .map_or(0, |i| 1 << i)
}

impl KeyVersions {
    /// Whether the catalogue of Istio `1.minor` lists the key (annotation or label).
    pub fn known_in(&self, minor: u32) -> bool {
        (self.annotation | self.label) & bit(minor) != 0
    }

    /// The first minor after `minor` whose catalogue lists the key.
    pub fn listed_after(&self, minor: u32) -> Option<u32> {
        (minor + 1..=key_versions::LAST_MINOR).find(|&m| self.known_in(m))
    }

    /// Whether `claim` holds in Istio `1.minor`'s catalogue.
    pub fn holds(&self, claim: KeyClaim, minor: u32) -> bool {
        match claim {
            KeyClaim::Unknown => !self.known_in(minor),
            KeyClaim::Deprecated => self.deprecated & bit(minor) != 0,
            KeyClaim::Alpha => self.alpha & bit(minor) != 0,
        }
    }

    /// Whether `claim` holds in some version's catalogue (so a rule reports it, to be judged
    /// when the target is known).
    pub fn holds_somewhere(&self, claim: KeyClaim) -> bool {
        match claim {
            KeyClaim::Unknown => {
                (self.annotation | self.label).count_ones()
                    < key_versions::LAST_MINOR - key_versions::FIRST_MINOR + 1
            }
            KeyClaim::Deprecated => self.deprecated != 0,
            KeyClaim::Alpha => self.alpha != 0,
        }
    }
}

impl KeyCheck {
    /// The claim about `name`, if it holds in some version's catalogue.
    pub fn of(name: &str, claim: KeyClaim) -> Option<Self> {
        let key = key_versions(name);
        match key.and_then(key_versions_at) {
            Some(k) => k.holds_somewhere(claim).then_some(Self { key, claim }),
            None => (claim == KeyClaim::Unknown).then_some(Self { key, claim }),
        }
    }

    /// Whether the claim holds in Istio `1.minor`'s catalogue.
    pub fn holds(&self, minor: u32) -> bool {
        match self.key.and_then(key_versions_at) {
            Some(k) => k.holds(self.claim, minor),
            None => self.claim == KeyClaim::Unknown,
        }
    }

    /// For an unknown key: the first minor after `minor` whose catalogue lists it.
    pub fn listed_after(&self, minor: u32) -> Option<u32> {
        if self.claim != KeyClaim::Unknown {
            return None;
        }
        self.key
            .and_then(key_versions_at)
            .and_then(|k| k.listed_after(minor))
    }
}

/// Whether `key` is in Istio's namespace: its prefix (before `/`) is `istio.io` or ends in
/// `.istio.io` (`sidecar.istio.io/inject`, `istio.io/rev`). Keys without a prefix are not.
pub fn is_istio_key(key: &str) -> bool {
    match key.split_once('/') {
        Some((prefix, _)) => prefix == "istio.io" || prefix.ends_with(".istio.io"),
        None => false,
    }
}

/// Whether `name` is an annotation Istio reads on Pods only (catalogue `resources: [Pod]`):
/// anywhere else — a workload's own metadata, a Namespace, a Service — it has no effect.
pub fn is_pod_scoped(name: &str) -> bool {
    annotation(name).is_some_and(|a| a.resources == [Resource::Pod])
}

// ---------------------------------------------------------------------------------------------
// Did you mean
// ---------------------------------------------------------------------------------------------

/// A suggestion for an unknown key. Only given when one candidate clearly wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suggestion<'a> {
    /// Exactly one candidate equals the input ignoring case.
    CaseOnly(&'a str),
    /// Exactly one candidate is within edit distance 2 (Damerau–Levenshtein: an adjacent
    /// transposition counts as one edit) — so it is strictly closer than the runner-up.
    Near(&'a str),
    /// No candidate, or no clear winner.
    None,
}

/// Largest edit distance a [`Suggestion::Near`] may have.
pub const MAX_SUGGESTION_DISTANCE: usize = 2;

fn eq_ignore_case(a: &str, b: &str) -> bool {
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// The edit distance between `input` and `candidate` if it is small enough to suggest: at most
/// [`MAX_SUGGESTION_DISTANCE`], and less than half the longer name (so `ab` never suggests `xy`).
fn near_distance(input: &str, candidate: &str) -> Option<usize> {
    let (a, b) = (input.chars().count(), candidate.chars().count());
    if a.abs_diff(b) > MAX_SUGGESTION_DISTANCE {
        return None;
    }
    let d = strsim::damerau_levenshtein(input, candidate);
    (d <= MAX_SUGGESTION_DISTANCE && 2 * d < a.max(b)).then_some(d)
}

/// Suggests the candidate `input` was probably meant to be: a unique case-insensitive match
/// first, else the unique candidate within edit distance 2. Duplicate candidates count once; an
/// exact match means there is nothing to suggest.
pub fn did_you_mean<'a>(input: &str, candidates: impl Iterator<Item = &'a str>) -> Suggestion<'a> {
    let mut case_only: Vec<&'a str> = Vec::new();
    let mut near: Vec<&'a str> = Vec::new();
    for c in candidates {
        if c == input {
            return Suggestion::None;
        }
        let bucket = if eq_ignore_case(c, input) {
            &mut case_only
        } else if near_distance(input, c).is_some() {
            &mut near
        } else {
            continue;
        };
        if !bucket.contains(&c) {
            bucket.push(c);
        }
    }
    match (&case_only[..], &near[..]) {
        ([c], _) => Suggestion::CaseOnly(c),
        ([], [n]) => Suggestion::Near(n),
        _ => Suggestion::None,
    }
}

/// [`did_you_mean`] over every annotation and label of the catalogue.
pub fn did_you_mean_key(input: &str) -> Suggestion<'static> {
    did_you_mean(input, annotations().iter().chain(labels()).map(|k| k.name))
}

// ---------------------------------------------------------------------------------------------
// Schemas
// ---------------------------------------------------------------------------------------------

/// How upstream decodes a message type from JSON (YAML is first turned into JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decoder {
    /// Legacy `github.com/golang/protobuf/jsonpb`: a key matches a field's JSON or proto name,
    /// case-sensitively; integers (wrappers included) accept quoted numbers; a bool must be a
    /// JSON bool (`"true"` is an error); enums take the value name or a number; durations are
    /// strings like `"45s"`. Unknown keys are ignored for `ProxyConfig`/`MeshConfig` (lenient
    /// retry) and rejected under `IstioOperator` `spec.values` (strict).
    Jsonpb,
    /// Go `encoding/json` (`IstioOperator` types and Kubernetes types inside `k8s`): a key matches
    /// the JSON name exactly or, failing that, case-insensitively; numbers must be JSON numbers;
    /// istioctl decodes with `DisallowUnknownFields`, so unknown keys are errors.
    GoJson,
}

/// The JSON shape a field accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldKind {
    /// `bool`, `google.protobuf.BoolValue`.
    Bool,
    /// Signed integers and their wrappers.
    Int,
    /// Unsigned integers and their wrappers.
    Uint,
    /// `double`, `float` and their wrappers.
    Double,
    /// `string`, `StringValue`, timestamps.
    String,
    /// `bytes`: a base64 string.
    Bytes,
    /// `google.protobuf.Duration`: a string such as `"45s"` (a number is an error).
    Duration,
    /// A JSON string or an integer (Kubernetes `IntOrString`, Istio values' `IntOrString`).
    IntOrString,
    /// A Kubernetes quantity: a string such as `"500m"` or a number.
    Quantity,
    /// An enum: index into [`enum_type`]. Jsonpb takes a value name or a number.
    Enum(u16),
    /// A nested message: index into [`message`].
    Message(u16),
    /// An object with string keys and values of this kind.
    Map(&'static FieldKind),
    /// A list of this kind.
    List(&'static FieldKind),
    /// Anything (`google.protobuf.Struct`/`Value`/`Any`, Go `any`, raw JSON): not checked.
    FreeForm,
}

impl FieldKind {
    /// The message type of a [`FieldKind::Message`].
    pub fn message(self) -> Option<&'static MessageType> {
        match self {
            FieldKind::Message(i) => Some(message(i)),
            _ => None,
        }
    }

    /// The enum type of a [`FieldKind::Enum`].
    pub fn enum_type(self) -> Option<&'static EnumType> {
        match self {
            FieldKind::Enum(i) => Some(enum_type(i)),
            _ => None,
        }
    }
}

/// One field of a message type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The JSON (camelCase) name.
    pub json: &'static str,
    /// The proto (often `snake_case`) name; for Go and Kubernetes types the same as `json`.
    pub proto: &'static str,
    pub kind: FieldKind,
    /// Marked `deprecated = true` upstream.
    pub deprecated: bool,
}

/// A message type of the schema arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageType {
    /// Full name: `istio.mesh.v1alpha1.ProxyConfig`, `io.k8s.api.core.v1.Toleration`,
    /// `apis.IstioOperatorSpec` (istio/istio `operator/pkg/apis`).
    pub name: &'static str,
    pub decoder: Decoder,
    pub fields: &'static [Field],
}

impl MessageType {
    /// The field whose JSON or proto name is exactly `key` (case-sensitive).
    pub fn field(&self, key: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.json == key || f.proto == key)
    }

    /// The field `key` selects when upstream decodes it: [`MessageType::field`] for jsonpb;
    /// for Go `encoding/json` an exact match, else the first ASCII-case-insensitive one.
    pub fn field_as_decoded(&self, key: &str) -> Option<&'static Field> {
        self.field(key).or_else(|| match self.decoder {
            Decoder::Jsonpb => None,
            Decoder::GoJson => self
                .fields
                .iter()
                .find(|f| f.json.eq_ignore_ascii_case(key)),
        })
    }

    /// A suggestion for an unknown `key`, by the [`did_you_mean`] rule applied per field (a
    /// field's JSON and proto names count as one candidate; the JSON name is offered unless
    /// the proto name is the closer one).
    pub fn suggest(&self, key: &str) -> Suggestion<'static> {
        if self.field(key).is_some() {
            return Suggestion::None;
        }
        let case: Vec<&Field> = self
            .fields
            .iter()
            .filter(|f| eq_ignore_case(f.json, key) || eq_ignore_case(f.proto, key))
            .collect();
        if let [f] = case[..] {
            let name = if eq_ignore_case(f.json, key) {
                f.json
            } else {
                f.proto
            };
            return Suggestion::CaseOnly(name);
        }
        if !case.is_empty() {
            return Suggestion::None;
        }
        let mut best: Option<&'static str> = None;
        let mut count = 0usize;
        for f in self.fields {
            let dj = near_distance(key, f.json);
            let dp = if f.proto == f.json {
                None
            } else {
                near_distance(key, f.proto)
            };
            let name = match (dj, dp) {
                (Some(j), Some(p)) if p < j => f.proto,
                (Some(_), _) => f.json,
                (None, Some(_)) => f.proto,
                (None, None) => continue,
            };
            count += 1;
            best = Some(name);
        }
        match best {
            Some(name) if count == 1 => Suggestion::Near(name),
            _ => Suggestion::None,
        }
    }
}

/// An enum type: its value names as jsonpb accepts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnumType {
    pub name: &'static str,
    pub values: &'static [&'static str],
}

impl EnumType {
    /// Whether `name` is one of the value names (case-sensitive, as jsonpb matches).
    pub fn has(&self, name: &str) -> bool {
        self.values.contains(&name)
    }
}

/// The message type at arena index `idx` (from [`FieldKind::Message`]).
pub fn message(idx: u16) -> &'static MessageType {
    &schema::MESSAGES[usize::from(idx)]
}

/// The enum type at index `idx` (from [`FieldKind::Enum`]).
pub fn enum_type(idx: u16) -> &'static EnumType {
    &schema::ENUMS[usize::from(idx)]
}

/// Every message type of the arena.
pub fn messages() -> &'static [MessageType] {
    &schema::MESSAGES
}

/// The message type called `name` (full name, e.g. `io.k8s.api.core.v1.Toleration`).
pub fn message_by_name(name: &str) -> Option<&'static MessageType> {
    schema::MESSAGES.iter().find(|m| m.name == name)
}

/// `ProxyConfig` (istio/api `mesh/v1alpha1/proxy.proto`): the value of the
/// `proxy.istio.io/config` annotation and of `meshConfig.defaultConfig`.
pub fn proxy_config() -> &'static MessageType {
    message(schema::PROXY_CONFIG)
}

/// `MeshConfig` (istio/api `mesh/v1alpha1/config.proto`): the `mesh` data of the `istio`
/// `ConfigMap`, Helm `meshConfig`, `IstioOperator` `spec.meshConfig`.
pub fn mesh_config() -> &'static MessageType {
    message(schema::MESH_CONFIG)
}

/// A whole `IstioOperator` document: `apiVersion`, `kind`, `metadata`, `spec`.
pub fn istio_operator() -> &'static MessageType {
    message(schema::ISTIO_OPERATOR)
}

/// `IstioOperator` `spec.values` (`Values`, istio/istio `operator/pkg/apis/values_types.proto`).
pub fn values() -> &'static MessageType {
    message(schema::VALUES)
}

/// The kind at `path` below `root`, or `None` when a key is unknown or the shape does not
/// fit. Keys are separated by `.` and matched case-sensitively by JSON or proto name; `[]`
/// after a key steps into a list element (`tolerations[].tolerationSeconds`); the key after a
/// map is the map key. Below a [`FieldKind::FreeForm`] everything resolves to `FreeForm`.
/// An empty path gives `root` itself.
pub fn resolve_path(root: &'static MessageType, path: &str) -> Option<FieldKind> {
    let mut kind = FieldKind::Message(
        schema::MESSAGES
            .iter()
            .position(|m| std::ptr::eq(m, root))
            .and_then(|i| u16::try_from(i).ok())?,
    );
    if path.is_empty() {
        return Some(kind);
    }
    for segment in path.split('.') {
        let mut key = segment;
        let mut lists = 0usize;
        while let Some(rest) = key.strip_suffix("[]") {
            key = rest;
            lists += 1;
        }
        kind = match kind {
            FieldKind::FreeForm => return Some(FieldKind::FreeForm),
            FieldKind::Message(i) => message(i).field(key)?.kind,
            FieldKind::Map(v) => *v,
            _ => return None,
        };
        for _ in 0..lists {
            kind = match kind {
                FieldKind::List(e) => *e,
                FieldKind::FreeForm => FieldKind::FreeForm,
                _ => return None,
            };
        }
    }
    Some(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_and_indices_valid() {
        fn check(k: FieldKind) {
            match k {
                FieldKind::Message(i) => assert!(usize::from(i) < messages().len()),
                FieldKind::Enum(i) => assert!(usize::from(i) < schema::ENUMS.len()),
                FieldKind::Map(v) | FieldKind::List(v) => check(*v),
                _ => {}
            }
        }
        for table in [annotations(), labels()] {
            assert!(table.windows(2).all(|w| w[0].name < w[1].name));
        }
        for m in messages() {
            for f in m.fields {
                check(f.kind);
            }
        }
    }

    #[test]
    fn known_keys() {
        let a = annotation("traffic.sidecar.istio.io/excludeOutboundIPRanges").unwrap();
        assert_eq!(a.resources, [Resource::Pod]);
        assert!(!a.deprecated);
        assert!(label("sidecar.istio.io/inject").is_some());
        assert!(annotation("proxy.istio.io/config").is_some());
        assert!(annotation("traffic.sidecar.istio.io/excludeOutboundIpRanges").is_none());
        assert!(label("traffic.sidecar.istio.io/excludeOutboundIPRanges").is_none());
        assert_eq!(
            annotation("sidecar.istio.io/inject")
                .unwrap()
                .feature_status,
            FeatureStatus::Beta
        );
        let export = annotation("networking.istio.io/exportTo").unwrap();
        assert!(export.applies_to(Resource::Service) && !export.applies_to(Resource::Pod));
        assert!(annotation("galley.istio.io/analyze-suppress")
            .unwrap()
            .applies_to(Resource::Namespace));
    }

    #[test]
    fn deprecated_flags() {
        assert!(
            annotation("sidecar.istio.io/statsInclusionPrefixes")
                .unwrap()
                .deprecated
        );
        assert!(annotation("sidecar.istio.io/inject").unwrap().deprecated);
        assert!(!label("sidecar.istio.io/inject").unwrap().deprecated);
        assert!(
            annotation("traffic.sidecar.istio.io/kubevirtInterfaces")
                .unwrap()
                .deprecated
        );
    }

    #[test]
    fn istio_keys_and_scopes() {
        assert!(is_istio_key("sidecar.istio.io/inject"));
        assert!(is_istio_key("istio.io/rev"));
        assert!(is_istio_key("traffic.sidecar.istio.io/whatever"));
        assert!(!is_istio_key("istio.io"));
        assert!(!is_istio_key("notistio.io/x"));
        assert!(!is_istio_key("vault.hashicorp.com/agent-inject"));
        assert!(!is_istio_key("app"));
        assert!(is_pod_scoped("sidecar.istio.io/proxyCPU"));
        assert!(is_pod_scoped("proxy.istio.io/config"));
        assert!(!is_pod_scoped("networking.istio.io/exportTo"));
        assert!(!is_pod_scoped("sidecar.istio.io/unknown"));
        // Labels Istio reads on Pods, and one it does not.
        let on_pods = |name| label(name).is_some_and(|l| l.resources.contains(&Resource::Pod));
        assert!(on_pods("sidecar.istio.io/inject"));
        assert!(on_pods("istio.io/rev"));
        assert!(!on_pods("networking.istio.io/gatewayPort"));
    }

    #[test]
    fn did_you_mean_annotations() {
        assert_eq!(
            did_you_mean_key("traffic.sidecar.istio.io/excludeOutboundIpRanges"),
            Suggestion::CaseOnly("traffic.sidecar.istio.io/excludeOutboundIPRanges")
        );
        assert_eq!(
            did_you_mean_key("traffic.sidecar.istio.io/excludeOutboundIPRange"),
            Suggestion::Near("traffic.sidecar.istio.io/excludeOutboundIPRanges")
        );
        assert_eq!(
            did_you_mean_key("sidecar.istio.io/proxyCPUs"),
            Suggestion::Near("sidecar.istio.io/proxyCPU")
        );
        // exclude is one edit away, include two: both are within reach, no clear winner.
        assert_eq!(
            did_you_mean(
                "traffic.sidecar.istio.io/xcludeOutboundPorts",
                [
                    "traffic.sidecar.istio.io/excludeOutboundPorts",
                    "traffic.sidecar.istio.io/includeOutboundPorts",
                ]
                .into_iter()
            ),
            Suggestion::None
        );
        assert_eq!(
            did_you_mean("abd", ["abc", "abe"].into_iter()),
            Suggestion::None
        );
        assert_eq!(did_you_mean("ab", ["xy"].into_iter()), Suggestion::None);
        assert_eq!(
            did_you_mean("abc", ["abc", "abd"].into_iter()),
            Suggestion::None
        );
        assert_eq!(
            did_you_mean("nothing-like-it", std::iter::empty()),
            Suggestion::None
        );
        assert_eq!(
            did_you_mean("hold", ["Hold", "hold2", "Hold"].into_iter()),
            Suggestion::CaseOnly("Hold")
        );
    }

    #[test]
    fn proxy_config_fields() {
        let pc = proxy_config();
        assert_eq!(pc.name, "istio.mesh.v1alpha1.ProxyConfig");
        let hold = pc.field("holdApplicationUntilProxyStarts").unwrap();
        assert_eq!(hold.kind, FieldKind::Bool);
        assert_eq!(pc.field("hold_application_until_proxy_starts"), Some(hold));
        assert!(pc.field("HoldApplicationUntilProxyStarts").is_none());
        assert!(pc
            .field_as_decoded("HoldApplicationUntilProxyStarts")
            .is_none());
        assert_eq!(
            pc.suggest("holdApplicationUntilProxyStart"),
            Suggestion::Near("holdApplicationUntilProxyStarts")
        );
        assert_eq!(
            did_you_mean(
                "holdApplicationUntilProxyStart",
                pc.fields.iter().map(|f| f.json)
            ),
            Suggestion::Near("holdApplicationUntilProxyStarts")
        );
        assert_eq!(
            pc.suggest("HoldApplicationUntilProxyStarts"),
            Suggestion::CaseOnly("holdApplicationUntilProxyStarts")
        );
        assert_eq!(
            pc.suggest("hold_application_until_proxy_start"),
            Suggestion::Near("hold_application_until_proxy_starts")
        );
        assert_eq!(pc.suggest("excludeIPRanges"), Suggestion::None);
        assert_eq!(pc.field("drainDuration").unwrap().kind, FieldKind::Duration);
        assert_eq!(pc.field("concurrency").unwrap().kind, FieldKind::Int);
        let mode = pc
            .field("interceptionMode")
            .unwrap()
            .kind
            .enum_type()
            .unwrap();
        assert!(mode.has("REDIRECT") && mode.has("TPROXY") && !mode.has("redirect"));
        assert_eq!(
            resolve_path(pc, "proxyMetadata.ISTIO_META_DNS_CAPTURE"),
            Some(FieldKind::String)
        );
        assert_eq!(
            resolve_path(pc, "tracing.sampling"),
            Some(FieldKind::Double)
        );
    }

    #[test]
    fn mesh_config_fields() {
        let mc = mesh_config();
        assert_eq!(
            mc.field("defaultConfig").unwrap().kind.message(),
            Some(proxy_config())
        );
        assert!(mc.field("holdApplicationUntilProxyStarts").is_none());
        assert_eq!(
            resolve_path(mc, "defaultConfig.holdApplicationUntilProxyStarts"),
            Some(FieldKind::Bool)
        );
        let mode = resolve_path(mc, "outboundTrafficPolicy.mode")
            .and_then(FieldKind::enum_type)
            .unwrap();
        assert!(mode.has("ALLOW_ANY") && mode.has("REGISTRY_ONLY"));
        assert!(resolve_path(mc, "defaultConfig.excludeIPRanges").is_none());
    }

    #[test]
    fn istio_operator_paths() {
        let iop = istio_operator();
        assert_eq!(
            resolve_path(iop, "spec.values.global.proxy.excludeIPRanges"),
            Some(FieldKind::String)
        );
        assert!(resolve_path(iop, "spec.values.global.proxy.excludeOutboundIPRanges").is_none());
        assert!(resolve_path(iop, "spec.values.global.excludeIPRanges").is_none());
        assert!(resolve_path(iop, "spec.global.proxy.excludeIPRanges").is_none());
        assert_eq!(
            resolve_path(
                iop,
                "spec.components.pilot.k8s.tolerations[].tolerationSeconds"
            ),
            Some(FieldKind::Int)
        );
        assert!(resolve_path(
            iop,
            "spec.components.pilot.k8s.tolerations[].tolerationSecond"
        )
        .is_none());
        assert!(resolve_path(
            iop,
            "spec.components.pilot.k8s.tolerations.tolerationSeconds"
        )
        .is_none());
        assert_eq!(
            resolve_path(
                iop,
                "spec.components.ingressGateways[].k8s.hpaSpec.maxReplicas"
            ),
            Some(FieldKind::Int)
        );
        assert_eq!(
            resolve_path(iop, "spec.components.pilot.k8s.resources.limits.cpu"),
            Some(FieldKind::Quantity)
        );
        assert_eq!(
            resolve_path(
                iop,
                "spec.meshConfig.defaultConfig.holdApplicationUntilProxyStarts"
            ),
            Some(FieldKind::Bool)
        );
        assert_eq!(
            resolve_path(iop, "spec.unvalidatedValues.anything.below"),
            Some(FieldKind::FreeForm)
        );
        let proxy = resolve_path(values(), "global.proxy")
            .and_then(FieldKind::message)
            .unwrap();
        assert_eq!(proxy.name, "istio.operator.v1alpha1.ProxyConfig");
        assert_eq!(proxy.decoder, Decoder::Jsonpb);
        assert!(
            proxy
                .field("holdApplicationUntilProxyStarts")
                .unwrap()
                .deprecated
        );
        assert_eq!(
            proxy.suggest("excludeOutboundIPRanges"),
            Suggestion::None,
            "the annotation name is not one edit from a values key"
        );
        // `IstioOperatorSpec` (istio/istio `operator/pkg/apis/types.go`).
        let spec = message(schema::ISTIO_OPERATOR_SPEC);
        assert_eq!(spec.decoder, Decoder::GoJson);
        assert!(spec.field("Profile").is_none());
        assert_eq!(spec.field_as_decoded("Profile"), spec.field("profile"));
        assert_eq!(spec.suggest("component"), Suggestion::Near("components"));
        let by_json = resolve_path(values(), "gateways.istio-ingressgateway.autoscaleEnabled");
        assert_eq!(by_json, Some(FieldKind::Bool));
        assert_eq!(
            by_json,
            resolve_path(values(), "gateways.istio_ingressgateway.autoscaleEnabled")
        );
    }

    fn versions_of(name: &str) -> &'static KeyVersions {
        key_versions(name).and_then(key_versions_at).unwrap()
    }

    #[test]
    fn key_versions_are_sorted_and_the_newest_bit_is_the_newest_catalogue() {
        let all = &key_versions::KEY_VERSIONS;
        assert!(all.windows(2).all(|w| w[0].name < w[1].name));
        for a in annotations() {
            let v = versions_of(a.name);
            assert!(v.annotation & bit(LATEST_MINOR) != 0, "{}", a.name);
            assert_eq!(v.holds(KeyClaim::Deprecated, LATEST_MINOR), a.deprecated);
            assert_eq!(
                v.holds(KeyClaim::Alpha, LATEST_MINOR),
                a.feature_status == FeatureStatus::Alpha
            );
        }
        for l in labels() {
            assert!(versions_of(l.name).label & bit(LATEST_MINOR) != 0);
        }
        // Every key of the per-version table is in some catalogue.
        assert!(all.iter().all(|k| k.annotation | k.label != 0));
    }

    #[test]
    fn a_key_is_judged_by_each_minors_own_catalogue() {
        // Listed in 1.20..1.24, gone from 1.25 on (istio/api 1.24.6 vs 1.25.5).
        let core = versions_of("sidecar.istio.io/enableCoreDump");
        assert!(core.known_in(20) && core.known_in(24));
        assert!(!core.known_in(25) && !core.known_in(LATEST_MINOR));
        assert!(core.holds(KeyClaim::Alpha, 22));
        assert!(annotation("sidecar.istio.io/enableCoreDump").is_none());
        // Listed from 1.28 (istio/api 1.28.10).
        let flush = versions_of("sidecar.istio.io/statsFlushInterval");
        assert!(!flush.known_in(27) && flush.known_in(28));
        assert_eq!(flush.listed_after(22), Some(28));
        // Deprecated from 1.25 on; Alpha throughout.
        let kubevirt = versions_of("traffic.sidecar.istio.io/kubevirtInterfaces");
        assert!(!kubevirt.holds(KeyClaim::Deprecated, 24));
        assert!(kubevirt.holds(KeyClaim::Deprecated, 25));
        // A label before 1.24 was in no catalogue: labels.yaml grew in 1.24.
        let mode = versions_of("istio.io/dataplane-mode");
        assert!(!mode.known_in(23) && mode.known_in(24));
        // Claims: a key in every version is never unknown; one in none always is.
        assert_eq!(
            KeyCheck::of("sidecar.istio.io/inject", KeyClaim::Unknown),
            None
        );
        let nowhere = KeyCheck::of("sidecar.istio.io/nothing", KeyClaim::Unknown).unwrap();
        assert!(nowhere.holds(20) && nowhere.holds(LATEST_MINOR));
        assert_eq!(nowhere.listed_after(20), None);
        assert_eq!(
            KeyCheck::of("sidecar.istio.io/nothing", KeyClaim::Deprecated),
            None
        );
        let flush = KeyCheck::of("sidecar.istio.io/statsFlushInterval", KeyClaim::Unknown).unwrap();
        assert!(flush.holds(27) && !flush.holds(28) && !flush.holds(LATEST_MINOR));
        let alpha = KeyCheck::of("sidecar.istio.io/statsFlushInterval", KeyClaim::Alpha).unwrap();
        assert!(!alpha.holds(27) && alpha.holds(28));
        assert_eq!(
            alpha.listed_after(27),
            None,
            "only unknown keys say where they are listed"
        );
    }

    #[test]
    fn only_released_minors_before_the_newest_have_their_own_catalogue() {
        assert_eq!(versioned_minor(1, 19), None);
        assert_eq!(versioned_minor(1, 20), Some(20));
        assert_eq!(versioned_minor(1, 30), Some(30));
        assert_eq!(versioned_minor(1, LATEST_MINOR), None);
        assert_eq!(versioned_minor(2, 22), None);
        assert_eq!(bit(19), 0);
        assert_eq!(bit(20 + 16), 0);
    }
}
