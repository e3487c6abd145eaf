//! The Kubernetes resource model: which document is which kind, where a kind keeps the pod
//! metadata the Istio injector reads, and whether that pod gets a sidecar.

pub(crate) mod edit;
mod injection;
mod placeholder;
mod resource;

pub use injection::{
    injection_state, is_istio_key, Injection, InjectionMode, NamespaceLabels, PodInjection,
    DATAPLANE_MODE,
};
pub use placeholder::{is_placeholder, is_placeholder_element};
pub use resource::{
    extract_resources, scalar_string, MetaBlock, MetaMap, PodTemplate, Resource,
    ANNOTATIONS_MERGE_NO_FIX,
};
