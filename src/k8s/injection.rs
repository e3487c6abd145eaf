//! Whether Istio injects a sidecar into a pod: the MutatingWebhookConfiguration's
//! selectors, then `injectRequired` (istio `pkg/kube/inject/inject.go`). First match wins.

use super::placeholder::is_placeholder;
use super::resource::{scalar_string, PodTemplate, Resource};
use crate::yaml::resolve::bool_value;
use std::collections::HashMap;

/// Labels of the namespaces meshlint knows about (linted `Namespace` objects and configuration).
pub type NamespaceLabels = HashMap<String, Vec<(String, String)>>;

/// The label that puts a pod or namespace in ambient mode (`ambient`) or out of it (`none`).
pub const DATAPLANE_MODE: &str = "istio.io/dataplane-mode";

/// Istio's `IgnoredNamespaces`: never injected.
const IGNORED_NAMESPACES: &[&str] = &[
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "local-path-storage",
];

/// How to decide a pod whose namespace meshlint does not know (the `injection` option).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InjectionMode {
    /// Injected when the files show the pod runs in a mesh, else only *assumed* injected.
    #[default]
    Evidence,
    /// Injected (the pod's findings keep their severity).
    Assume,
    /// Not injected.
    Explicit,
}

impl InjectionMode {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "evidence" => Some(Self::Evidence),
            "assume" => Some(Self::Assume),
            "explicit" => Some(Self::Explicit),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Evidence => "evidence",
            Self::Assume => "assume",
            Self::Explicit => "explicit",
        }
    }
}

/// The outcome for one pod template, with the reason in words for messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Injection {
    Injected(&'static str),
    /// Nothing in the files says whether Istio injects the pod; meshlint assumes it does.
    /// Holds why the namespace is unknown, for messages.
    Assumed(String),
    NotInjected(String),
    Ambient,
}

impl Injection {
    /// Injected, on evidence or assumed.
    pub fn is_injected(&self) -> bool {
        matches!(self, Injection::Injected(_) | Injection::Assumed(_))
    }
}

fn label<'n>(labels: &'n [(String, String)], key: &str) -> Option<&'n str> {
    labels
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn host_network(pod: &PodTemplate<'_, '_>) -> bool {
    pod.spec
        .and_then(|s| s.get("hostNetwork"))
        .is_some_and(|v| bool_value(v) == Some(true))
}

/// Whether a label or annotation key lies under an Istio domain (`istio.io/rev`,
/// `sidecar.istio.io/inject`, `proxy.istio.io/config`, …).
pub fn is_istio_key(key: &str) -> bool {
    key.split_once('/')
        .is_some_and(|(domain, _)| domain == "istio.io" || domain.ends_with(".istio.io"))
}

/// Whether a key and value only opt the pod out of Istio (which is no sign it runs in a mesh).
fn is_opt_out(key: &str, value: &str) -> bool {
    (key == "sidecar.istio.io/inject" && value == "false")
        || (key == DATAPLANE_MODE && value == "none")
}

/// A pod template's own say in its injection: everything `injectRequired` and the webhook
/// selectors read besides the namespace's labels, and what ties it to a mesh. Owned, so that
/// the decision can wait until every file's facts are known (a finding that needs an injected
/// pod carries it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodInjection {
    host_network: bool,
    namespace: Option<String>,
    /// Why the pod's own `sidecar.istio.io/inject` keeps it out of the mesh, or leaves it
    /// unknown (a placeholder value, filled in before the injector reads it).
    opt_out: Option<&'static str>,
    opt_in: bool,
    /// The pod template is labelled `istio.io/dataplane-mode: ambient`.
    ambient: bool,
    /// The pod template is annotated `sidecar.istio.io/inject: "true"` (OpenShift Service
    /// Mesh 2's opt-in).
    annotated_in: bool,
    /// A label or annotation of the pod template names Istio (other than an opt-out).
    names_istio: bool,
    /// The pod template's labels, for the selectors of Istio configuration and Services.
    pub labels: Vec<(String, String)>,
}

impl PodInjection {
    /// Reads `res`'s pod template (`None` without one).
    pub fn of(res: &Resource<'_, '_>) -> Option<Self> {
        let pod = res.pod.as_ref()?;
        let label = pod.meta.label_str("sidecar.istio.io/inject");
        let annotation = pod
            .meta
            .label("sidecar.istio.io/inject")
            .is_none()
            .then(|| pod.meta.annotation_str("sidecar.istio.io/inject"))
            .flatten();
        let opt_out = if label == Some("false") {
            Some("its pod template is labelled sidecar.istio.io/inject: \"false\"")
        } else if annotation == Some("false") {
            Some("its pod template is annotated sidecar.istio.io/inject: \"false\"")
        } else if label.or(annotation).is_some_and(is_placeholder) {
            Some("its sidecar.istio.io/inject value is a placeholder, filled in before it is applied: whether it gets a sidecar is not known")
        } else {
            None
        };
        let labels: Vec<(String, String)> = pod
            .meta
            .label_entries()
            .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), scalar_string(v)?.to_owned())))
            .collect();
        let names_istio = labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain(
                pod.meta
                    .annotation_entries()
                    .filter_map(|(k, v)| Some((k.as_str()?, scalar_string(v).unwrap_or("")))),
            )
            .any(|(k, v)| is_istio_key(k) && !is_opt_out(k, v));
        Some(Self {
            host_network: host_network(pod),
            namespace: res.namespace.map(str::to_owned),
            opt_out,
            opt_in: label == Some("true") || pod.meta.label("istio.io/rev").is_some(),
            ambient: pod.meta.label_str(DATAPLANE_MODE) == Some("ambient"),
            annotated_in: pod.meta.annotation_str("sidecar.istio.io/inject") == Some("true"),
            names_istio,
            labels,
        })
    }

    /// The namespace its object names (`metadata.namespace`).
    pub fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    /// Whether the pod template itself names Istio.
    pub fn names_istio(&self) -> bool {
        self.names_istio
    }

    /// Decides injection with the namespaces' labels. `in_namespaces`, when not empty, are the
    /// namespaces the pod is deployed to instead of its own (a Kustomize `namespace:`); the pod
    /// is injected if it is in any of them. An unknown namespace is decided by `mode`, with
    /// `evidence` telling whether the files show the pod runs in a mesh.
    pub fn decide(
        &self,
        namespaces: &NamespaceLabels,
        in_namespaces: &[String],
        mode: InjectionMode,
        evidence: &dyn Fn(Option<&str>) -> bool,
    ) -> Injection {
        if in_namespaces.is_empty() {
            return self.decide_in(self.namespace.as_deref(), namespaces, mode, evidence);
        }
        let mut outcome: Option<Injection> = None;
        for ns in in_namespaces {
            let this = self.decide_in(Some(ns), namespaces, mode, evidence);
            let rank = |i: &Injection| match i {
                Injection::Injected(_) => 3,
                Injection::Assumed(_) => 2,
                Injection::Ambient => 1,
                Injection::NotInjected(_) => 0,
            };
            if outcome.as_ref().is_none_or(|o| rank(&this) > rank(o)) {
                outcome = Some(this);
            }
        }
        outcome.unwrap_or(Injection::NotInjected(String::new()))
    }

    /// Decides injection under OpenShift Service Mesh 2.x: its webhook has no namespace or
    /// object selector and injects exactly the pods annotated `sidecar.istio.io/inject:
    /// "true"` (in member namespaces); labels do not count.
    pub fn decide_ossm2(&self) -> Injection {
        if self.host_network {
            return Injection::NotInjected("it uses hostNetwork".into());
        }
        if self.annotated_in {
            Injection::Injected("its pod template is annotated sidecar.istio.io/inject: \"true\" (OpenShift Service Mesh 2)")
        } else {
            Injection::NotInjected("OpenShift Service Mesh 2 injects only pods annotated sidecar.istio.io/inject: \"true\"".into())
        }
    }

    fn decide_in(
        &self,
        ns_name: Option<&str>,
        namespaces: &NamespaceLabels,
        mode: InjectionMode,
        evidence: &dyn Fn(Option<&str>) -> bool,
    ) -> Injection {
        if self.host_network {
            return Injection::NotInjected("it uses hostNetwork".into());
        }
        if let Some(ns) = ns_name.filter(|ns| IGNORED_NAMESPACES.contains(ns)) {
            return Injection::NotInjected(format!("Istio never injects into namespace {ns}"));
        }
        let ns_labels = ns_name.and_then(|ns| namespaces.get(ns));
        let ns_label = |key: &str| ns_labels.and_then(|l| label(l, key));
        if ns_label("istio-injection") == Some("disabled") {
            return Injection::NotInjected(format!(
                "namespace {} is labelled istio-injection=disabled",
                ns_name.unwrap_or("")
            ));
        }
        if let Some(reason) = self.opt_out {
            return Injection::NotInjected(reason.into());
        }
        if ns_label("istio-injection") == Some("enabled") || ns_label("istio.io/rev").is_some() {
            return Injection::Injected("its namespace enables injection");
        }
        if ns_label("istio-injection").is_none() && self.opt_in {
            return Injection::Injected("its pod template opts in");
        }
        // Not injected: a pod in ambient mode has no sidecar (an injected one would win).
        if self.ambient {
            return Injection::Ambient;
        }
        if let Some(labels) = ns_labels {
            if label(labels, DATAPLANE_MODE) == Some("ambient") {
                return Injection::Ambient;
            }
            return Injection::NotInjected(format!(
                "namespace {} has no injection label",
                ns_name.unwrap_or("")
            ));
        }
        match mode {
            InjectionMode::Explicit => {
                Injection::NotInjected("its namespace is unknown and injection is explicit".into())
            }
            InjectionMode::Assume => {
                Injection::Injected("its namespace is unknown, so it is assumed to be in the mesh")
            }
            InjectionMode::Evidence if evidence(ns_name) => {
                Injection::Injected("the project shows it runs in an Istio mesh")
            }
            InjectionMode::Evidence => Injection::Assumed(match ns_name {
                Some(ns) => format!("its namespace `{ns}` is not declared in the project"),
                None => "it names no namespace (`kubectl -n` decides at apply time)".into(),
            }),
        }
    }
}

/// Decides injection for `res`'s pod template with only its own file's facts.
pub fn injection_state(
    res: &Resource<'_, '_>,
    namespaces: &NamespaceLabels,
    mode: InjectionMode,
) -> Injection {
    match PodInjection::of(res) {
        Some(pod) => pod.decide(namespaces, &[], mode, &|_| pod.names_istio()),
        None => Injection::NotInjected("it has no pod template".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::extract_resources;

    fn pod(meta: &str) -> PodInjection {
        let text = format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n{meta}");
        let doc = crate::yaml::parse(&text).remove(0).unwrap();
        PodInjection::of(&extract_resources(&doc)[0]).unwrap()
    }

    fn known(name: &str, labels: &[(&str, &str)]) -> NamespaceLabels {
        let mut n = NamespaceLabels::new();
        n.insert(
            name.to_owned(),
            labels
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        );
        n
    }

    #[test]
    fn an_unknown_namespace_is_decided_by_the_mode_and_the_evidence() {
        let p = pod("  namespace: shop\n");
        let none = NamespaceLabels::new();
        let decide = |mode, evidence: bool| p.decide(&none, &[], mode, &|_| evidence);
        assert!(matches!(
            decide(InjectionMode::Evidence, true),
            Injection::Injected(_)
        ));
        match decide(InjectionMode::Evidence, false) {
            Injection::Assumed(why) => assert!(why.contains("`shop` is not declared"), "{why}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            decide(InjectionMode::Assume, false),
            Injection::Injected(_)
        ));
        assert!(matches!(
            decide(InjectionMode::Explicit, true),
            Injection::NotInjected(_)
        ));
        // A known namespace decides whatever the mode or the evidence.
        let shop = known("shop", &[]);
        assert!(matches!(
            p.decide(&shop, &[], InjectionMode::Assume, &|_| true),
            Injection::NotInjected(_)
        ));
    }

    #[test]
    fn a_kustomize_namespace_replaces_the_pods_own_and_any_injecting_one_wins() {
        let p = pod("  namespace: tools\n");
        let mut ns = known("tools", &[("istio-injection", "enabled")]);
        ns.extend(known("batch", &[("istio-injection", "disabled")]));
        ns.extend(known("web", &[("istio-injection", "enabled")]));
        let decide = |list: &[&str]| {
            let list: Vec<String> = list.iter().map(|s| (*s).to_owned()).collect();
            p.decide(&ns, &list, InjectionMode::Evidence, &|_| false)
        };
        assert!(matches!(decide(&[]), Injection::Injected(_)));
        assert!(matches!(decide(&["batch"]), Injection::NotInjected(_)));
        assert!(matches!(decide(&["batch", "web"]), Injection::Injected(_)));
        assert!(matches!(
            decide(&["batch", "unknown"]),
            Injection::Assumed(_)
        ));
    }

    #[test]
    fn an_ambient_pod_or_namespace_has_no_sidecar_unless_one_is_injected_too() {
        let ambient = pod("  namespace: shop\n  labels:\n    istio.io/dataplane-mode: ambient\n");
        let none = NamespaceLabels::new();
        // Its own label: ambient whatever the mode or the evidence (the label names Istio).
        for mode in [
            InjectionMode::Evidence,
            InjectionMode::Assume,
            InjectionMode::Explicit,
        ] {
            assert_eq!(
                ambient.decide(&none, &[], mode, &|_| true),
                Injection::Ambient
            );
        }
        let plain = known("shop", &[]);
        assert_eq!(
            ambient.decide(&plain, &[], InjectionMode::Evidence, &|_| false),
            Injection::Ambient
        );
        // An injecting namespace, or the pod's own opt-in, wins: the sidecar is injected.
        let enabled = known("shop", &[("istio-injection", "enabled")]);
        assert!(matches!(
            ambient.decide(&enabled, &[], InjectionMode::Evidence, &|_| false),
            Injection::Injected(_)
        ));
        let both = pod("  namespace: shop\n  labels:\n    istio.io/dataplane-mode: ambient\n    sidecar.istio.io/inject: \"true\"\n");
        assert!(matches!(
            both.decide(&plain, &[], InjectionMode::Evidence, &|_| false),
            Injection::Injected(_)
        ));
        // An ambient namespace; a pod labelled `none` there or `Ambient` is not ambient.
        let ns = known("shop", &[("istio.io/dataplane-mode", "ambient")]);
        let p = pod("  namespace: shop\n");
        assert_eq!(
            p.decide(&ns, &[], InjectionMode::Evidence, &|_| true),
            Injection::Ambient
        );
        let cased = pod("  namespace: shop\n  labels:\n    istio.io/dataplane-mode: Ambient\n");
        assert!(matches!(
            cased.decide(&none, &[], InjectionMode::Evidence, &|_| true),
            Injection::Injected(_)
        ));
    }

    #[test]
    fn openshift_service_mesh_2_injects_only_pods_annotated_true() {
        assert!(matches!(
            pod("  annotations:\n    sidecar.istio.io/inject: \"true\"\n").decide_ossm2(),
            Injection::Injected(_)
        ));
        for meta in [
            "  labels:\n    sidecar.istio.io/inject: \"true\"\n",
            "  labels:\n    istio.io/rev: basic\n",
            "  annotations:\n    sidecar.istio.io/inject: \"false\"\n",
            "  annotations:\n    sidecar.istio.io/inject: \"True\"\n",
            "  annotations:\n    proxy.istio.io/config: '{}'\n",
        ] {
            assert!(
                matches!(pod(meta).decide_ossm2(), Injection::NotInjected(_)),
                "{meta}"
            );
        }
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    sidecar.istio.io/inject: \"true\"\nspec:\n  hostNetwork: true\n";
        let doc = crate::yaml::parse(text).remove(0).unwrap();
        let p = PodInjection::of(&extract_resources(&doc)[0]).unwrap();
        assert!(matches!(p.decide_ossm2(), Injection::NotInjected(_)));
    }

    #[test]
    fn istio_keys_on_the_pod_name_istio_but_an_opt_out_does_not() {
        for meta in [
            "  annotations:\n    proxy.istio.io/config: '{}'\n",
            "  annotations:\n    sidecar.istio.io/inject: \"true\"\n",
            "  labels:\n    service.istio.io/canonical-name: web\n",
            "  labels:\n    istio.io/rev: canary\n",
        ] {
            assert!(pod(meta).names_istio(), "{meta}");
        }
        for meta in [
            "  labels:\n    sidecar.istio.io/inject: \"false\"\n",
            "  labels:\n    istio.io/dataplane-mode: none\n",
            "  labels:\n    app: istio.io\n    notistio.io/x: y\n",
            "  annotations:\n    sidecar.jaegertracing.io/inject: \"true\"\n",
        ] {
            assert!(!pod(meta).names_istio(), "{meta}");
        }
        assert!(is_istio_key(
            "traffic.sidecar.istio.io/excludeOutboundPorts"
        ));
        assert!(!is_istio_key("istio.io"));
        assert!(!is_istio_key("myistio.io/x"));
    }
}
