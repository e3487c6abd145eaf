//! Istio knowledge as data and pure functions: the annotation catalogue, the capture-list
//! grammars (Go `net/netip` exact), Go `strconv` and Kubernetes quantity parsing, and the
//! schemas of `proxy.istio.io/config`, `MeshConfig` and `IstioOperator`.

pub mod catalog;
pub mod generated;
pub mod interfaces;
pub mod lists;
pub mod netip;
pub mod proxy_config;
pub mod quantity;
pub mod schema_check;
pub mod strconv;
