//! Istio knowledge as data and pure functions: the annotation catalogue, the capture-list
//! grammars (on the Go ports in [`crate::go`]), and the schemas of `proxy.istio.io/config`,
//! `MeshConfig` and `IstioOperator`.

pub mod catalog;
pub mod generated;
pub mod interfaces;
pub mod lists;
pub mod proxy_config;
pub mod schema_check;
