//! Whether Istio injects a sidecar into a pod (DESIGN §4): the MutatingWebhookConfiguration's
//! selectors, then `injectRequired` (istio `pkg/kube/inject/inject.go`). First match wins.

use super::resource::{PodTemplate, Resource};
use crate::yaml::resolve::{resolve, ScalarType};
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
        .is_some_and(|v| {
            let v = v.resolved();
            resolve(v) == ScalarType::Bool
                && matches!(
                    v.as_str(),
                    Some(
                        "y" | "Y"
                            | "yes"
                            | "Yes"
                            | "YES"
                            | "true"
                            | "True"
                            | "TRUE"
                            | "on"
                            | "On"
                            | "ON"
                    )
                )
        })
}

/// Decides injection for `res`'s pod template. `explicit` is the `injection: explicit` option:
/// pods in unknown namespaces are then not injected.
pub fn injection_state(
    res: &Resource<'_, '_>,
    namespaces: &NamespaceLabels,
    explicit: bool,
) -> Injection {
    let Some(pod) = &res.pod else {
        return Injection::NotInjected("it has no pod template".into());
    };
    if host_network(pod) {
        return Injection::NotInjected("it uses hostNetwork".into());
    }
    let ns_name = res.namespace;
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
    if pod.meta.label_str("sidecar.istio.io/inject") == Some("false") {
        return Injection::NotInjected(
            "its pod template is labelled sidecar.istio.io/inject: \"false\"".into(),
        );
    }
    if pod.meta.label("sidecar.istio.io/inject").is_none()
        && pod.meta.annotation_str("sidecar.istio.io/inject") == Some("false")
    {
        return Injection::NotInjected(
            "its pod template is annotated sidecar.istio.io/inject: \"false\"".into(),
        );
    }
    if ns_label("istio-injection") == Some("enabled") || ns_label("istio.io/rev").is_some() {
        return Injection::Injected("its namespace enables injection");
    }
    if ns_label("istio-injection").is_none()
        && (pod.meta.label_str("sidecar.istio.io/inject") == Some("true")
            || pod.meta.label("istio.io/rev").is_some())
    {
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
        return Injection::NotInjected("its namespace is unknown and injection is explicit".into());
    }
    Injection::Injected("its namespace is unknown, so it is assumed to be in the mesh")
}
