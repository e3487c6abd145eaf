//! Whether Istio injects a sidecar into a pod (DESIGN §4): the MutatingWebhookConfiguration's
//! selectors, then `injectRequired` (istio `pkg/kube/inject/inject.go`). First match wins.

use super::placeholder::is_placeholder;
use super::resource::{PodTemplate, Resource};
use crate::yaml::resolve::bool_value;
use std::collections::HashMap;

/// Labels of the namespaces meshlint knows about (linted `Namespace` objects and configuration).
pub type NamespaceLabels = HashMap<String, Vec<(String, String)>>;

/// Istio's `IgnoredNamespaces`: never injected.
const IGNORED_NAMESPACES: &[&str] = &[
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "local-path-storage",
];

/// The outcome for one pod template, with the reason in words for messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Injection {
    Injected(&'static str),
    NotInjected(String),
    Ambient,
}

impl Injection {
    pub fn is_injected(&self) -> bool {
        matches!(self, Injection::Injected(_))
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

/// A pod template's own say in its injection: everything `injectRequired` and the webhook
/// selectors read besides the namespace's labels. Owned, so that the decision can wait until
/// every linted `Namespace` is known (a finding that needs an injected pod carries it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodInjection {
    host_network: bool,
    namespace: Option<String>,
    /// Why the pod's own `sidecar.istio.io/inject` keeps it out of the mesh, or leaves it
    /// unknown (a placeholder value, filled in before the injector reads it).
    opt_out: Option<&'static str>,
    opt_in: bool,
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
        Some(Self {
            host_network: host_network(pod),
            namespace: res.namespace.map(str::to_owned),
            opt_out,
            opt_in: label == Some("true") || pod.meta.label("istio.io/rev").is_some(),
        })
    }

    /// Decides injection with the namespaces' labels. `explicit` is the `injection: explicit`
    /// option: pods in unknown namespaces are then not injected.
    pub fn decide(&self, namespaces: &NamespaceLabels, explicit: bool) -> Injection {
        if self.host_network {
            return Injection::NotInjected("it uses hostNetwork".into());
        }
        let ns_name = self.namespace.as_deref();
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
        if let Some(labels) = ns_labels {
            if label(labels, "istio.io/dataplane-mode") == Some("ambient") {
                return Injection::Ambient;
            }
            return Injection::NotInjected(format!(
                "namespace {} has no injection label",
                ns_name.unwrap_or("")
            ));
        }
        if explicit {
            return Injection::NotInjected(
                "its namespace is unknown and injection is explicit".into(),
            );
        }
        Injection::Injected("its namespace is unknown, so it is assumed to be in the mesh")
    }
}

/// Decides injection for `res`'s pod template. `explicit` is the `injection: explicit` option:
/// pods in unknown namespaces are then not injected.
pub fn injection_state(
    res: &Resource<'_, '_>,
    namespaces: &NamespaceLabels,
    explicit: bool,
) -> Injection {
    match PodInjection::of(res) {
        Some(pod) => pod.decide(namespaces, explicit),
        None => Injection::NotInjected("it has no pod template".into()),
    }
}
