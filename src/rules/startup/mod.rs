//! 1xx: start-up order (the application starting before Envoy is ready).

pub mod hold_disabled;
pub mod hold_global_deprecated;
pub mod hold_ignored_by_lifecycle;
pub mod hold_missing;
pub mod proxy_config_invalid;
pub mod proxy_config_unknown_field;

use crate::istio::proxy_config::{self, ProxyConfig};
use crate::k8s::{is_placeholder, scalar_string, PodTemplate};
use crate::rules::ResourceCheck;
use crate::yaml::NodeRef;

pub const PROXY_CONFIG: &str = "proxy.istio.io/config";

/// The pod's `proxy.istio.io/config` annotation, `(key, value, parsed)`, when it is a string
/// and not a whole placeholder (`"${PROXY_CONFIG}"`, filled in before the injector reads it).
pub fn pod_proxy_config<'d, 'a>(
    pod: &PodTemplate<'d, 'a>,
) -> Option<(NodeRef<'d, 'a>, NodeRef<'d, 'a>, &'d str, ProxyConfig)> {
    let (k, v) = pod.meta.annotation(PROXY_CONFIG)?;
    let text = scalar_string(v)?;
    if !matches!(
        crate::yaml::resolve::resolve(v),
        crate::yaml::resolve::ScalarType::Str | crate::yaml::resolve::ScalarType::Null
    ) {
        return None; // MESH501's.
    }
    if is_placeholder(text) {
        return None;
    }
    Some((k, v, text, proxy_config::read(text)))
}

/// Whether native sidecars apply to this pod, when the pod or the options decide: the pod's
/// `sidecar.istio.io/nativeSidecar` annotation overrides the `native-sidecars` option. `None`:
/// the target versions and a mesh-wide `ENABLE_NATIVE_SIDECARS` decide, which other files may
/// hold (a finding then carries `Requires::not_native`).
pub fn native_sidecar(cx: &ResourceCheck<'_, '_, '_>, pod: &PodTemplate<'_, '_>) -> Option<bool> {
    match pod.meta.annotation_str("sidecar.istio.io/nativeSidecar") {
        Some("true") => Some(true),
        Some("false") => Some(false),
        _ => cx.cx.options.native_sidecars,
    }
}

/// The words added to a start-up or Vault finding when meshlint cannot tell whether the pod
/// runs Envoy as a native sidecar: the target versions are not known.
pub fn native_unknown_note(cx: &ResourceCheck<'_, '_, '_>, native: Option<bool>) -> &'static str {
    let options = &cx.cx.options;
    if native.is_some() || options.istio_version.is_some() && options.kubernetes_version.is_some() {
        return "";
    }
    if options.kubernetes_version.is_some() && cx.mesh().istio_version.is_some() {
        return "";
    }
    "; this does not apply to native sidecars (Istio >= 1.27 on Kubernetes >= 1.33): tell meshlint with `istio-version` and `kubernetes-version`, or `--native-sidecars`"
}
