//! 2xx: settings placed where Istio never reads them.

pub mod annotation_in_labels;
pub mod annotation_on_controller;
pub mod annotation_on_wrong_kind;
pub mod conflicting_injection_labels;
pub mod global_setting_misplaced;
pub mod global_setting_unsupported;
pub mod inject_annotation_deprecated;
pub mod injection_label_on_workload;
mod managed;
pub mod multiple_istiooperators;
pub mod sidecar_selector_conflict;
