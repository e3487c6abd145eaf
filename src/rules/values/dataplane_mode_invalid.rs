//! MESH506: `istio.io/dataplane-mode` with a value other than `ambient` or `none`. Istio
//! (istio-cni's pod and namespace watch, `pkg/kube/util` ambient checks) compares the label to
//! `ambient` exactly and treats `none` as the opt-out; any other value is ignored, so the pod or
//! namespace is not in ambient mode.

use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::k8s::{is_placeholder, scalar_string, MetaBlock, DATAPLANE_MODE};
use crate::rules::ResourceCheck;
use crate::yaml::resolve::{resolve, ScalarType};

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH506",
    name: "dataplane-mode-invalid",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "istio.io/dataplane-mode is neither ambient nor none: Istio ignores it",
    page: include_str!("../../../rules/MESH506-dataplane-mode-invalid.md"),
};

fn report(meta: &MetaBlock<'_, '_>, what: &str, out: &mut Vec<Diagnostic>) {
    let Some((_, value)) = meta.label(DATAPLANE_MODE) else {
        return;
    };
    if resolve(value) != ScalarType::Str {
        return; // Not a string: MESH501's (or null, which is "").
    }
    let Some(text) = scalar_string(value) else {
        return;
    };
    if matches!(text, "ambient" | "none") || is_placeholder(text) {
        return;
    }
    let hint = if text.eq_ignore_ascii_case("ambient") || text.eq_ignore_ascii_case("none") {
        format!(
            " (the value is case-sensitive: `{}`)",
            text.to_ascii_lowercase()
        )
    } else if text.eq_ignore_ascii_case("sidecar") || text.eq_ignore_ascii_case("disabled") {
        " (to keep it out of ambient mode, the value is `none`)".to_owned()
    } else {
        String::new()
    };
    let message = format!(
        "label `{DATAPLANE_MODE}: {text}` on {what} is ignored: Istio reads only `ambient` (ambient mode) and `none` (out of it){hint}, so {what} is not in ambient mode"
    );
    out.push(Diagnostic::new(&RULE, value.range(), message));
}

pub fn check(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    let res = cx.res;
    if res.kind == "Namespace" && res.api_version == "v1" {
        let what = res.name.map_or_else(
            || "this namespace".to_owned(),
            |n| format!("namespace `{n}`"),
        );
        report(&res.meta, &what, out);
        return;
    }
    if let Some(pod) = &res.pod {
        let what = if res.kind == "Pod" {
            "this pod".to_owned()
        } else {
            format!("the pods of this {}", res.kind)
        };
        report(&pod.meta, &what, out);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_util::{at, lint, pos};

    const CODE: &str = "MESH506";

    #[test]
    fn a_namespace_or_pod_template_value_istio_ignores_at_the_value() {
        let ns = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    istio.io/dataplane-mode: Ambient\n";
        let d = lint(ns, CODE);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(pos(ns, &d[0]), at(ns, "Ambient", 1));
        assert_eq!(d[0].range.len(), "Ambient".len() as u32);
        assert_eq!(
            d[0].message,
            "label `istio.io/dataplane-mode: Ambient` on namespace `shop` is ignored: Istio reads only `ambient` (ambient mode) and `none` (out of it) (the value is case-sensitive: `ambient`), so namespace `shop` is not in ambient mode"
        );
        let deploy = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    metadata:\n      labels:\n        istio.io/dataplane-mode: \"sidecar\"\n    spec:\n      containers: []\n";
        let d = lint(deploy, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(deploy, &d[0]), (9, 34));
        assert!(d[0]
            .message
            .contains("on the pods of this Deployment is ignored"));
        assert!(d[0].message.contains("the value is `none`"));
        let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {istio.io/dataplane-mode: waypoint}\nspec: {containers: []}\n";
        let d = lint(pod, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(pod, &d[0]), at(pod, "waypoint", 1));
        assert!(d[0].message.ends_with("so this pod is not in ambient mode"));
    }

    #[test]
    fn ambient_none_placeholders_annotations_and_other_kinds_are_not_reported() {
        for text in [
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels:\n    istio.io/dataplane-mode: ambient\n",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    istio.io/dataplane-mode: none\nspec: {containers: []}\n",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    istio.io/dataplane-mode: ${MODE}\nspec: {containers: []}\n",
            // An annotation is not the label (MESH502/MESH202 territory, not this rule's).
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    istio.io/dataplane-mode: on\nspec: {containers: []}\n",
            // A Service is not a pod or namespace.
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  labels:\n    istio.io/dataplane-mode: on\n",
            // A number is MESH501's.
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels:\n    istio.io/dataplane-mode: 1\n",
        ] {
            assert!(lint(text, CODE).is_empty(), "{text}");
        }
    }
}
