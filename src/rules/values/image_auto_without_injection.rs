//! MESH507: a container with `image: auto` in a pod that will not be injected
//! (`istioctl analyze` IST0146/IST0147). `auto` is a placeholder the sidecar injector replaces
//! with the proxy image (gateway deployments use it); without injection nothing replaces it
//! and the kubelet tries to pull an image called `auto`.

use crate::context::Requires;
use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::k8s::PodInjection;
use crate::rules::ResourceCheck;
use crate::yaml::NodeRef;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH507",
    name: "image-auto-without-injection",
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "A container has `image: auto` but its pod is not injected: the image pull fails",
    page: include_str!("../../../rules/MESH507-image-auto-without-injection.md"),
};

pub fn check(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    let res = cx.res;
    let Some(pod) = &res.pod else { return };
    let Some(spec) = pod.spec.map(NodeRef::resolved) else {
        return;
    };
    let pods = if res.kind == "Pod" {
        "this pod".to_owned()
    } else {
        format!("the pods of this {}", res.kind)
    };
    for list in ["containers", "initContainers"] {
        for c in spec
            .get(list)
            .into_iter()
            .flat_map(|c| c.resolved().items())
        {
            let c = c.resolved();
            let Some(image) = c
                .get("image")
                .filter(|i| i.resolved().as_str() == Some("auto"))
            else {
                continue;
            };
            let name = c.get_str("name").unwrap_or("");
            let message = format!(
                "container `{name}` has `image: auto`, which only Istio's sidecar injector replaces (with the proxy image), but {pods} will not be injected: the kubelet tries to pull an image called `auto` and the pod never starts; enable injection for them (label the namespace `istio-injection: enabled` or the pod template `sidecar.istio.io/inject: \"true\"`) or name a real image"
            );
            out.push(
                Diagnostic::new(&RULE, image.range(), message).requiring(Requires {
                    uninjected: PodInjection::of(res),
                    ..Requires::default()
                }),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::context::{LintOptions, Profile};
    use crate::k8s::InjectionMode;
    use crate::rules::test_util::{at, lint, lint_with, pos};

    const CODE: &str = "MESH507";

    const GATEWAY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: gw\n  namespace: edge\nspec:\n  template:\n    metadata:\n      annotations:\n        inject.istio.io/templates: gateway\n      labels:\n        sidecar.istio.io/inject: \"false\"\n    spec:\n      containers:\n        - name: istio-proxy\n          image: auto\n";

    #[test]
    fn a_pod_that_opts_out_at_the_image_value() {
        let d = lint(GATEWAY, CODE);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(pos(GATEWAY, &d[0]), at(GATEWAY, "auto", 1));
        assert!(d[0].message.starts_with(
            "container `istio-proxy` has `image: auto`, which only Istio's sidecar injector replaces (with the proxy image), but the pods of this Deployment will not be injected"
        ));
    }

    #[test]
    fn an_unknown_namespace_is_decided_by_the_injection_mode() {
        let t = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: default\nspec:\n  initContainers:\n    - name: proxy\n      image: auto\n  containers:\n    - name: app\n      image: app:1\n";
        // Evidence (default) and assume: the pod may well be injected, so no finding.
        assert!(lint(t, CODE).is_empty());
        let explicit = LintOptions {
            injection: InjectionMode::Explicit,
            profile: Profile::InCluster,
            ..LintOptions::default()
        };
        let d = lint_with(t, CODE, &explicit);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(t, &d[0]), at(t, "auto", 1));
        assert!(d[0].message.contains("but this pod will not be injected"));
    }

    #[test]
    fn injected_pods_and_other_images_are_not_reported() {
        for t in [
            // Opted in by its own label.
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {sidecar.istio.io/inject: \"true\"}\nspec:\n  containers:\n    - name: istio-proxy\n      image: auto\n",
            // In an injected namespace.
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: edge\n  labels: {istio-injection: enabled}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: edge\nspec:\n  containers:\n    - name: istio-proxy\n      image: auto\n",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {sidecar.istio.io/inject: \"false\"}\nspec:\n  containers:\n    - name: a\n      image: auto:1\n    - name: b\n      image: docker.io/auto\n",
        ] {
            assert!(lint(t, CODE).is_empty(), "{t}");
        }
    }
}
