//! Ports of the Go code that Kubernetes and Istio run on manifest text, exact where meshlint's
//! findings depend on it: Go `strconv` (integers, booleans, `Quote`), Go `net/netip` (addresses
//! and prefixes) and Kubernetes' `resource.Quantity`. The bottom layer: it knows nothing of
//! YAML, Kubernetes objects or Istio, and both [`crate::yaml`] (go-yaml's scalar typing) and
//! [`crate::istio`] (the injector's validation) build on it.

pub mod netip;
pub mod quantity;
pub mod strconv;
