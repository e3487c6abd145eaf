//! 3xx: traffic-capture lists (`traffic.sidecar.istio.io/*` and IstioOperator
//! `values.global.proxy.*`), with Istio's grammar matched exactly.

pub mod ip_ranges_empty;

use crate::rules::ResourceCheck;
use crate::yaml::NodeRef;

/// The IP-range annotations.
pub const EXCLUDE_IPS: &str = "traffic.sidecar.istio.io/excludeOutboundIPRanges";
pub const INCLUDE_IPS: &str = "traffic.sidecar.istio.io/includeOutboundIPRanges";

/// The `values.global.proxy` mapping of an IstioOperator, with its key.
pub fn operator_proxy<'d, 'a>(cx: &ResourceCheck<'_, 'd, 'a>) -> Option<NodeRef<'d, 'a>> {
    if !cx.res.is_istio_operator() {
        return None;
    }
    cx.res.root.path(&["spec", "values", "global", "proxy"]).map(NodeRef::resolved).filter(|p| p.is_mapping())
}
