//! 5xx: values Kubernetes or Istio will not take.

pub mod annotation_value_not_string;
