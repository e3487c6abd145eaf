//! What managed Cloud Service Mesh ignores mesh-wide (the hold and the capture exclusions):
//! MESH204 reports such settings, and MESH205 never moves a setting to where MESH204 would.

use crate::istio::schema_check::is_true;
use crate::k8s::scalar_string;
use crate::yaml::NodeRef;

pub(super) const HOLD: &str = "holdApplicationUntilProxyStarts";
pub(super) const HOLD_SNAKE: &str = "hold_application_until_proxy_starts";
/// The `values.global.proxy` exclusions and the pod annotation that replaces each.
pub(super) const EXCLUSIONS: &[(&str, &str)] = &[
    (
        "excludeIPRanges",
        "traffic.sidecar.istio.io/excludeOutboundIPRanges",
    ),
    (
        "excludeOutboundPorts",
        "traffic.sidecar.istio.io/excludeOutboundPorts",
    ),
    (
        "excludeInboundPorts",
        "traffic.sidecar.istio.io/excludeInboundPorts",
    ),
];

/// Whether an exclusion value excludes something: a non-blank scalar or a non-empty list (a
/// list is a type error of its own, but it is still a mesh-wide exclusion someone relies on).
pub(super) fn excludes(v: NodeRef<'_, '_>) -> bool {
    let v = v.resolved();
    if v.is_sequence() {
        return v.items().next().is_some();
    }
    scalar_string(v).is_some_and(|s| !s.trim().is_empty())
}

/// Whether MESH204 (in the managed profile) reports `value` set at `path`: dotted, from the
/// object's root in an IstioOperator (`spec.…`), from the root of the `mesh` data in the
/// `istio` ConfigMap, from the top of istiod Helm values. MESH205 asks before it moves a setting.
pub(super) fn ignored_by_managed(path: &str, value: NodeRef<'_, '_>) -> bool {
    for root in ["spec.meshConfig.", "meshConfig.", ""] {
        let Some(rest) = path.strip_prefix(root) else {
            continue;
        };
        for dc in ["defaultConfig.", "default_config."] {
            if rest
                .strip_prefix(dc)
                .is_some_and(|k| k == HOLD || k == HOLD_SNAKE)
            {
                return is_true(value);
            }
        }
    }
    for root in ["spec.values.global.proxy.", "global.proxy."] {
        let Some(key) = path.strip_prefix(root) else {
            continue;
        };
        if key == HOLD {
            return is_true(value);
        }
        if EXCLUSIONS.iter().any(|(name, _)| *name == key) {
            return excludes(value);
        }
    }
    false
}
