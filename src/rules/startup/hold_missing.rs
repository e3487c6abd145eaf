//! MESH101: an injected pod without `holdApplicationUntilProxyStarts: true`.

use super::{native_sidecar, pod_proxy_config, PROXY_CONFIG};
use crate::diagnostic::{Diagnostic, Fix, FixAvailability, RuleMeta, Severity};
use crate::istio::proxy_config::{with_hold, Hold};
use crate::k8s::injection_state;
use crate::rules::placement::annotation_on_controller::{add_to_template, MapKind};
use crate::rules::ResourceCheck;
use crate::yaml::edit::rewrite_scalar;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH101",
    name: "hold-missing",
    severity: Severity::Warning,
    fix: FixAvailability::Safe,
    summary: "An injected pod does not hold the application until the proxy is ready",
    page: include_str!("../../../rules/MESH101-hold-missing.md"),
};

const ANNOTATION_VALUE: &str = "'{ \"holdApplicationUntilProxyStarts\": true }'";

pub fn check(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    let res = cx.res;
    let Some(pod) = &res.pod else { return };
    if cx.file.kustomize_patch || native_sidecar(cx, pod) {
        return;
    }
    if cx.cx.mesh.hold_on(cx.cx.options.profile).is_some() {
        return;
    }
    if !injection_state(res, &cx.cx.namespaces, cx.cx.options.injection_explicit).is_injected() {
        return;
    }
    let config = pod_proxy_config(pod);
    if let Some((_, _, _, pc)) = &config {
        if pc.invalid.is_some() || pc.hold != Hold::Unset {
            return; // MESH103's or MESH102's.
        }
    }
    if pod.meta.annotation(PROXY_CONFIG).is_some() && config.is_none() {
        return; // Not a string: MESH501's.
    }
    let what = if res.kind == "Pod" {
        "this pod".to_owned()
    } else {
        format!("the pods of this {}", res.kind)
    };
    let (range, fix) = match &config {
        Some((key, value, text, pc)) => {
            let fix = with_hold(text, &pc.shape)
                .and_then(|merged| rewrite_scalar(cx.text, *value, &merged))
                .map(|e| {
                    Fix::safe(
                        "add holdApplicationUntilProxyStarts: true to proxy.istio.io/config",
                        [e],
                    )
                });
            (key.range(), fix)
        }
        None => {
            let at = pod
                .meta
                .annotations
                .or(pod.meta.metadata)
                .map(|(k, _)| k.range())
                .or_else(|| pod.template_key.map(crate::yaml::NodeRef::range))
                .or_else(|| res.kind_key.map(crate::yaml::NodeRef::range))
                .unwrap_or_default();
            let fix = add_to_template(cx.text, pod, MapKind::Annotations, PROXY_CONFIG, ANNOTATION_VALUE)
                .map(|edits| Fix::safe("add the proxy.istio.io/config annotation with holdApplicationUntilProxyStarts: true", edits));
            (at, fix)
        }
    };
    let message = format!(
        "{what} get an Istio sidecar but do not set `holdApplicationUntilProxyStarts: true` in `proxy.istio.io/config`: the application can start before Envoy is ready and its first connections are refused (ECONNREFUSED)"
    );
    out.push(Diagnostic::new(&RULE, range, message).with_optional_fix(fix));
}
