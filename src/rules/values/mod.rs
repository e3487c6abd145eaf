//! 5xx: values Kubernetes or Istio will not take.

pub mod alpha_annotation;
pub mod annotation_value_not_string;
pub mod dataplane_mode_invalid;
pub mod deprecated_istio_annotation;
pub mod duplicate_key;
pub mod image_auto_without_injection;
pub mod inject_value_invalid;
pub mod unknown_istio_annotation;
