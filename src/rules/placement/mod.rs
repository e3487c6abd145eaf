//! 2xx: settings placed where Istio never reads them.

pub mod annotation_on_controller;
