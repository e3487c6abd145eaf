//! MESH309: an application container of an injected pod runs as UID 1337, Envoy's own UID
//! (`istioctl analyze` IST0144). istio-init (and istio-cni) exclude that UID's outbound traffic
//! from capture (`iptables ... --uid-owner 1337 -j RETURN`), so the container's traffic bypasses
//! the sidecar: no mTLS, no policy, no telemetry.

use crate::context::Requires;
use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::k8s::PodInjection;
use crate::rules::ResourceCheck;
use crate::yaml::resolve::{resolve, ScalarType};
use crate::yaml::NodeRef;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH309",
    name: "application-uid-1337",
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "An application container of an injected pod runs as UID 1337, whose traffic Istio does not capture",
    page: include_str!("../../../rules/MESH309-application-uid-1337.md"),
};

/// Envoy's UID, which capture exempts.
const PROXY_UID: &str = "1337";

/// The `runAsUser` of a `securityContext` when it is 1337 (as an integer).
fn uid_1337<'d, 'a>(holder: Option<NodeRef<'d, 'a>>) -> Option<NodeRef<'d, 'a>> {
    let v = holder?
        .resolved()
        .get("securityContext")?
        .resolved()
        .get("runAsUser")?;
    (resolve(v.resolved()) == ScalarType::Int && v.resolved().as_str() == Some(PROXY_UID))
        .then_some(v)
}

pub fn check(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    let res = cx.res;
    let Some(pod) = &res.pod else { return };
    let Some(spec) = pod.spec.map(NodeRef::resolved) else {
        return;
    };
    if pod.is_gateway() {
        return; // Its one container is Envoy, which runs as 1337 by design.
    }
    let pod_uid = uid_1337(Some(spec));
    // Containers that inherit the pod's UID (no `runAsUser` of their own).
    let mut inheriting = Vec::new();
    let requires = || Requires {
        injected: PodInjection::of(res),
        ..Requires::default()
    };
    let pods = if res.kind == "Pod" {
        "this pod".to_owned()
    } else {
        format!("the pods of this {}", res.kind)
    };
    for c in spec
        .get("containers")
        .into_iter()
        .flat_map(|c| c.resolved().items())
    {
        let c = c.resolved();
        let name = c.get_str("name").unwrap_or("");
        if name == "istio-proxy" {
            continue; // The sidecar itself (a manual or template override).
        }
        let own = c
            .get("securityContext")
            .and_then(|s| s.resolved().get("runAsUser"));
        match uid_1337(Some(c)) {
            Some(v) => {
                let message = format!(
                    "container `{name}` of {pods} runs as UID 1337, the UID Istio's sidecar runs as: its outbound traffic is exempt from capture and bypasses Envoy (no mTLS, policy or telemetry); run it as another user"
                );
                out.push(Diagnostic::new(&RULE, v.range(), message).requiring(requires()));
            }
            None if own.is_none() => inheriting.push(name),
            None => {}
        }
    }
    if let (Some(v), false) = (pod_uid, inheriting.is_empty()) {
        let list: Vec<String> = inheriting.iter().map(|n| format!("`{n}`")).collect();
        let message = format!(
            "{pods} run{} as UID 1337 (the pod's securityContext), the UID Istio's sidecar runs as: the outbound traffic of container{} {} is exempt from capture and bypasses Envoy (no mTLS, policy or telemetry); run {} as another user",
            if res.kind == "Pod" { "s" } else { "" },
            if list.len() == 1 { "" } else { "s" },
            list.join(", "),
            if list.len() == 1 { "it" } else { "them" },
        );
        out.push(Diagnostic::new(&RULE, v.range(), message).requiring(requires()));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_util::{at, lint, pos};

    const CODE: &str = "MESH309";

    #[test]
    fn a_container_uid_at_its_value() {
        let t = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: web:1\n          securityContext:\n            runAsUser: 1337\n        - name: side\n          image: side:1\n";
        let d = lint(t, CODE);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(pos(t, &d[0]), at(t, "1337", 1));
        // No namespace: assumed in the mesh, so reported at info with the reason.
        assert!(d[0].message.starts_with(
            "container `web` of the pods of this Deployment runs as UID 1337, the UID Istio's sidecar runs as: its outbound traffic is exempt from capture and bypasses Envoy (no mTLS, policy or telemetry); run it as another user (assumed: it names no namespace"
        ), "{}", d[0].message);
        assert_eq!(d[0].severity, crate::diagnostic::Severity::Info);
    }

    #[test]
    fn the_pod_uid_counts_for_containers_without_their_own() {
        let t = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  securityContext:\n    runAsUser: 1337\n  containers:\n    - name: a\n    - name: b\n      securityContext: {runAsUser: 1000}\n    - name: c\n";
        let d = lint(t, CODE);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(pos(t, &d[0]), (7, 16));
        assert!(d[0].message.starts_with(
            "this pod runs as UID 1337 (the pod's securityContext), the UID Istio's sidecar runs as: the outbound traffic of containers `a`, `c` is exempt"
        ));
        // Every container has its own UID: the pod's does not apply.
        let t = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  securityContext:\n    runAsUser: 1337\n  containers:\n    - name: a\n      securityContext: {runAsUser: 1000}\n";
        assert!(lint(t, CODE).is_empty());
    }

    #[test]
    fn other_uids_the_proxy_gateways_strings_and_uninjected_pods_are_not_reported() {
        for t in [
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: a\n      securityContext: {runAsUser: 13370}\n",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: istio-proxy\n      image: proxyv2\n      securityContext: {runAsUser: 1337}\n    - name: a\n",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: istio-proxy\n      image: auto\n  securityContext: {runAsUser: 1337}\n",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: a\n      securityContext: {runAsUser: \"1337\"}\n",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {sidecar.istio.io/inject: \"false\"}\nspec:\n  containers:\n    - name: a\n      securityContext: {runAsUser: 1337}\n",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostNetwork: true\n  containers:\n    - name: a\n      securityContext: {runAsUser: 1337}\n",
        ] {
            assert!(lint(t, CODE).is_empty(), "{t}");
        }
    }
}
