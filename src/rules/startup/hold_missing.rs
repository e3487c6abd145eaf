//! MESH101: an injected pod without `holdApplicationUntilProxyStarts: true`.

use super::{native_sidecar, native_unknown_note, pod_proxy_config, PROXY_CONFIG};
use crate::context::Requires;
use crate::diagnostic::{Diagnostic, Fix, FixAvailability, RuleMeta, Severity};
use crate::istio::proxy_config::hold_rename;
use crate::istio::proxy_config::{read, with_hold, Hold};
use crate::k8s::edit::{add_to_pod, shared_by_alias};
use crate::k8s::MetaMap;
use crate::k8s::PodInjection;
use crate::rules::ResourceCheck;
use crate::yaml::edit::aliased;
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
    if pod.is_gateway() {
        return; // Envoy is the only container: no application to hold.
    }
    if res.kind != "Pod" && pod.template_key.is_none() {
        // No pod template here (an Argo Rollout with `workloadRef`, a scaled-down
        // Deployment stub): the pods come from elsewhere, which is linted on its own.
        return;
    }
    let native = native_sidecar(cx, pod);
    if native == Some(true) {
        return;
    }
    let config = pod_proxy_config(pod);
    if let Some((_, _, _, pc)) = &config {
        if pc.invalid.is_some() || pc.hold != Hold::Unset {
            return; // MESH103's or MESH102's.
        }
    }
    if pod.meta.annotation(PROXY_CONFIG).is_some() && config.is_none() {
        // Not a string (MESH501's), or a placeholder that may well set the hold once filled in.
        return;
    }
    let (what, verbs) = if res.kind == "Pod" {
        ("this pod".to_owned(), ("gets", "does"))
    } else {
        (format!("the pods of this {}", res.kind), ("get", "do"))
    };
    let (range, fix) = match &config {
        Some((key, value, text, pc)) => {
            let shared =
                shared_by_alias(pod, MetaMap::Annotations) || value.is_alias() || aliased(*value);
            let fix = match hold_rename(cx.text, *value, text, pc).filter(|_| !shared) {
                // The hold is there under a misspelt name (MESH104): fixing that key is the
                // fix, never a second hold key beside it. Both fixes then edit the key, so
                // one round applies only one of them, and the next finds the hold set.
                Some(r) => {
                    let renamed = read(&r.renamed);
                    match renamed.hold {
                        Hold::True => Some(Fix::safe(
                            format!("rename `{}` to `{}`", r.key, r.to),
                            [r.edit],
                        )),
                        // `holdApplicationUntilProxyStart:` (null): rename and set it.
                        Hold::Unset if renamed.null_hold.is_some() => {
                            with_hold(&r.renamed, &renamed)
                                .and_then(|merged| rewrite_scalar(cx.text, *value, &merged))
                                .map(|e| {
                                    Fix::safe(
                                        format!(
                                            "rename `{}` to `{}` and set it to true",
                                            r.key, r.to
                                        ),
                                        [e],
                                    )
                                })
                        }
                        // `false` (MESH102's once renamed) or anything else: no hold to add.
                        _ => None,
                    }
                }
                None if shared => None,
                None => with_hold(text, pc)
                    .and_then(|merged| rewrite_scalar(cx.text, *value, &merged))
                    .map(|e| {
                        Fix::safe(
                            "add holdApplicationUntilProxyStarts: true to proxy.istio.io/config",
                            [e],
                        )
                    }),
            };
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
            let fix = add_to_pod(cx.text, pod, MetaMap::Annotations, PROXY_CONFIG, ANNOTATION_VALUE)
                .map(|edits| Fix::safe("add the proxy.istio.io/config annotation with holdApplicationUntilProxyStarts: true", edits));
            (at, fix)
        }
    };
    let mut message = format!(
        "{what} {} an Istio sidecar but {} not set `holdApplicationUntilProxyStarts: true` in `proxy.istio.io/config`: the application can start before Envoy is ready and its first connections are refused (ECONNREFUSED)",
        verbs.0, verbs.1
    );
    message.push_str(native_unknown_note(cx, native));
    pod.explain_missing_fix(&mut message, &fix);
    // A Kustomize patch is a partial object; the namespace, a mesh-wide hold and the target
    // versions may be described by other files.
    let requires = Requires {
        injected: PodInjection::of(res),
        no_mesh_hold: true,
        whole_object: true,
        not_native: native.is_none(),
        ..Requires::default()
    };
    out.push(
        Diagnostic::new(&RULE, range, message)
            .with_optional_fix(fix)
            .requiring(requires),
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::test_util::{at, fixed, lint, pos};

    const CODE: &str = "MESH101";

    fn deployment(template: &str) -> String {
        format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n{template}    spec:\n      containers: []\n")
    }

    #[test]
    fn points_where_the_fix_writes() {
        // At the config key, else annotations, else metadata, else template.
        let t = deployment("    metadata:\n      annotations:\n        proxy.istio.io/config: '{\"concurrency\": 2}'\n");
        assert_eq!(
            pos(&t, &lint(&t, CODE)[0]),
            at(&t, "proxy.istio.io/config", 1)
        );
        let t = deployment("    metadata:\n      annotations:\n        a: b\n");
        assert_eq!(pos(&t, &lint(&t, CODE)[0]), at(&t, "annotations", 1));
        let t = deployment("    metadata:\n      labels:\n        a: b\n");
        assert_eq!(pos(&t, &lint(&t, CODE)[0]), at(&t, "metadata", 2));
        let t = deployment("");
        assert_eq!(pos(&t, &lint(&t, CODE)[0]), at(&t, "template", 1));
        let pod = "apiVersion: v1\nkind: Pod\nspec:\n  containers: []\n";
        let d = lint(pod, CODE);
        assert_eq!(pos(pod, &d[0]), at(pod, "kind", 1));
        assert!(d[0]
            .message
            .starts_with("this pod gets an Istio sidecar but does not set"));
    }

    #[test]
    fn fix_fills_an_empty_metadata() {
        let t = deployment("    metadata:\n");
        let d = lint(&t, CODE);
        assert_eq!(pos(&t, &d[0]), at(&t, "metadata", 2));
        assert_eq!(
            fixed(&t, &d[0]),
            deployment("    metadata:\n      annotations:\n        proxy.istio.io/config: '{ \"holdApplicationUntilProxyStarts\": true }'\n")
        );
        let t = deployment("    metadata: ~\n");
        assert_eq!(
            fixed(&t, &lint(&t, CODE)[0]),
            deployment("    metadata:\n      annotations:\n        proxy.istio.io/config: '{ \"holdApplicationUntilProxyStarts\": true }'\n")
        );
        let pod = "apiVersion: v1\nkind: Pod\nmetadata:\nspec:\n  containers: []\n";
        assert_eq!(
            fixed(pod, &lint(pod, CODE)[0]),
            "apiVersion: v1\nkind: Pod\nmetadata:\n  annotations:\n    proxy.istio.io/config: '{ \"holdApplicationUntilProxyStarts\": true }'\nspec:\n  containers: []\n"
        );
    }

    #[test]
    fn workloads_without_a_pod_template_are_not_reported() {
        let rollout = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: web\nspec:\n  replicas: 3\n  workloadRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: web\n";
        assert!(lint(rollout, CODE).is_empty());
        let stub =
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 0\n";
        assert!(lint(stub, CODE).is_empty());
        // A template, even an empty one, is the pods' and is reported.
        let empty =
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n";
        assert_eq!(lint(empty, CODE).len(), 1);
    }

    #[test]
    fn fix_adds_or_merges_keeping_the_form() {
        let t = deployment("    metadata:\n      annotations:\n        proxy.istio.io/config: \"{\\\"concurrency\\\": 2}\"\n");
        let d = lint(&t, CODE);
        assert!(d[0].message.starts_with("the pods of this Deployment get"));
        assert_eq!(
            fixed(&t, &d[0]),
            deployment("    metadata:\n      annotations:\n        proxy.istio.io/config: \"{\\\"concurrency\\\": 2, \\\"holdApplicationUntilProxyStarts\\\": true}\"\n")
        );
        let t = deployment("    metadata:\n      labels:\n        a: b\n").replace('\n', "\r\n");
        let d = lint(&t, CODE);
        assert_eq!(
            fixed(&t, &d[0]),
            t.replace(
                "        a: b\r\n",
                "        a: b\r\n      annotations:\r\n        proxy.istio.io/config: '{ \"holdApplicationUntilProxyStarts\": true }'\r\n"
            )
        );
    }

    /// A misspelt hold key (MESH104's) is fixed in place, never given a correct twin: the
    /// two fixes then edit the same key, so one round cannot write the hold twice.
    #[test]
    fn a_misspelt_hold_key_is_renamed_not_duplicated() {
        let pod = |config: &str| {
            format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    proxy.istio.io/config: {config}\nspec:\n  containers: []\n")
        };
        let text = pod("|\n      holdApplicationUntilProxyStart: true\n      concurrency: 2\n");
        let d = lint(&text, CODE);
        let fix = d[0].fix.as_ref().unwrap();
        assert_eq!(
            fix.message,
            "rename `holdApplicationUntilProxyStart` to `holdApplicationUntilProxyStarts`"
        );
        let m104 = lint(&text, "MESH104");
        assert_eq!(
            fix.edits,
            m104[0].fix.as_ref().unwrap().edits,
            "the same edit"
        );
        assert_eq!(fixed(&text, &d[0]), text.replace("Start:", "Starts:"));
        // Null: renamed and set.
        let text = pod("'{hold_application_until_proxy_start: ~}'");
        let d = lint(&text, CODE);
        assert_eq!(
            d[0].fix.as_ref().unwrap().message,
            "rename `hold_application_until_proxy_start` to `hold_application_until_proxy_starts` and set it to true"
        );
        assert_eq!(
            fixed(&text, &d[0]),
            pod("'{hold_application_until_proxy_starts: true}'")
        );
        // False: no fix here (MESH104 renames it, then it is MESH102's).
        let text = pod("'{holdApplicationUntilProxyStart: false}'");
        assert!(lint(&text, CODE)[0].fix.is_none());
        // No rename to offer (the target is an invalid string): the usual merge.
        let text = pod("'{holdApplicationUntilProxyStart: \"true\"}'");
        assert!(lint(&text, "MESH104")[0].fix.is_none());
        assert_eq!(
            lint(&text, CODE)[0].fix.as_ref().unwrap().message,
            "add holdApplicationUntilProxyStarts: true to proxy.istio.io/config"
        );
    }

    /// Audit A6: a pod in a `List` inside a `List` is linted (kubectl flattens them).
    #[test]
    fn pods_in_nested_lists() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: List\n  items:\n  - kind: Pod\n    metadata:\n      name: b\n    spec: {}\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(text, &d[0]), (8, 5));
    }

    /// Audit A4: an edit through an alias would land in the anchored map (here the
    /// Deployment's own annotations), where MESH201 moves it back: no fix, the finding stays.
    #[test]
    fn no_fix_through_an_alias() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\n  annotations: &anns\n    team: x\nspec:\n  template:\n    metadata:\n      annotations: *anns\n    spec:\n      containers: []\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(text, &d[0]), at(text, "annotations", 2));
        assert!(d[0].fix.is_none());
        // The same for an aliased `metadata`, an aliased config value's map, an anchored one.
        for text in [
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: &meta\n  name: a\nspec:\n  template:\n    metadata: *meta\n    spec:\n      containers: []\n",
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: c\n    annotations: &anns\n      proxy.istio.io/config: '{concurrency: 2}'\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p\n    annotations: *anns\n  spec:\n    containers: []\n",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    proxy.istio.io/config: &cfg '{concurrency: 2}'\n    other: *cfg\nspec:\n  containers: []\n",
        ] {
            let d = lint(text, CODE);
            assert_eq!(d.len(), 1, "{text}");
            assert!(d[0].fix.is_none(), "{text}");
        }
        // An alias elsewhere in the template does not matter.
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\n  labels: &l\n    app: a\nspec:\n  template:\n    metadata:\n      labels: *l\n    spec:\n      containers: []\n";
        assert!(lint(text, CODE)[0].fix.is_some());
        // Nor does an anchor nothing names; an aliased node around the template does.
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\nspec:\n  template: &t\n    metadata: &m\n      annotations: &a\n        team: x\n    spec:\n      containers: []\n";
        assert!(lint(text, CODE)[0].fix.is_some());
        let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: a}\n  spec: &spec\n    template:\n      metadata:\n        annotations:\n          team: x\n      spec:\n        containers: []\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: b}\n  spec: *spec\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 2, "{d:#?}");
        assert!(d.iter().all(|d| d.fix.is_none()), "{d:#?}");
    }

    /// A gateway's only container is Envoy itself: there is no application to hold.
    #[test]
    fn gateways_are_not_reported() {
        let gateway = |annotations: &str, image: &str| {
            format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ingress\nspec:\n  template:\n    metadata:\n      annotations:\n        sidecar.istio.io/inject: \"true\"\n{annotations}    spec:\n      containers:\n        - name: istio-proxy\n          image: {image}\n")
        };
        for annotations in [
            "        inject.istio.io/templates: gateway\n",
            "        inject.istio.io/templates: gateway,custom\n",
            "        inject.istio.io/templates: \"custom, gateway \"\n",
        ] {
            let t = gateway(annotations, "istio/proxyv2:1.22");
            assert!(lint(&t, CODE).is_empty(), "{t}");
        }
        let t = gateway("", "auto");
        assert!(lint(&t, CODE).is_empty(), "{t}");
        // Not the gateway template: a name that only contains it, or another template.
        for annotations in [
            "        inject.istio.io/templates: sidecar\n",
            "        inject.istio.io/templates: my-gateway\n",
        ] {
            let t = gateway(annotations, "istio/proxyv2:1.22");
            assert_eq!(lint(&t, CODE).len(), 1, "{t}");
        }
        // `image: auto` on a container that is not `istio-proxy` makes no gateway.
        let t = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: auto\n";
        let d = lint(t, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(t, &d[0]), at(t, "template", 1));
        assert!(d[0]
            .message
            .starts_with("the pods of this Deployment get an Istio sidecar"));
        // A bare Pod gateway too.
        let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: gw\nspec:\n  containers:\n    - {name: istio-proxy, image: auto}\n";
        assert!(lint(pod, CODE).is_empty());
    }

    #[test]
    fn explicit_false_invalid_config_patches_and_other_pods_are_not_this_rule() {
        let t = deployment("    metadata:\n      annotations:\n        proxy.istio.io/config: '{\"holdApplicationUntilProxyStarts\": false}'\n");
        assert!(lint(&t, CODE).is_empty(), "MESH102's");
        let t = deployment("    metadata:\n      annotations:\n        proxy.istio.io/config: '{\"holdApplicationUntilProxyStarts\": \"true\"}'\n");
        assert!(lint(&t, CODE).is_empty(), "MESH103's");
        let t = deployment(
            "    metadata:\n      labels:\n        sidecar.istio.io/inject: \"false\"\n",
        );
        assert!(lint(&t, CODE).is_empty(), "not injected");
        let t = deployment(
            "    metadata:\n      annotations:\n        sidecar.istio.io/nativeSidecar: \"true\"\n",
        );
        assert!(lint(&t, CODE).is_empty(), "native sidecar");
        // A mesh-wide hold in the same file turns it off.
        let t = format!("{}---\napiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  meshConfig:\n    defaultConfig:\n      holdApplicationUntilProxyStarts: true\n", deployment(""));
        assert!(lint(&t, CODE).is_empty(), "mesh-wide hold");
    }

    /// `<<` merge keys: the merged annotations are the pod's, and no fix adds a local key that
    /// would hide a merged one (a local `proxy.istio.io/config` replaces the merged config).
    #[test]
    fn merged_annotations_are_read_and_never_hidden_by_a_fix() {
        use crate::k8s::ANNOTATIONS_MERGE_NO_FIX;
        let shapes = [
            "    metadata:\n      annotations:\n        <<: {proxy.istio.io/config: '{\"concurrency\": 4}'}\n",
            "    metadata:\n      <<: {annotations: {prometheus.io/scrape: \"true\"}}\n",
            "    metadata:\n      <<: {labels: {app: web}}\n",
            "    <<: {metadata: {annotations: {a: b}}}\n",
        ];
        for shape in shapes {
            let text = deployment(shape);
            let d = lint(&text, CODE);
            assert_eq!(d.len(), 1, "{text}");
            assert!(d[0].fix.is_none(), "{text}");
            assert!(
                d[0].message.contains(ANNOTATIONS_MERGE_NO_FIX),
                "{}",
                d[0].message
            );
        }
        // Through an alias to a mapping written elsewhere in the document.
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  annotations: &base\n    proxy.istio.io/config: '{\"holdApplicationUntilProxyStarts\": true}'\nspec:\n  template:\n    metadata:\n      annotations:\n        <<: *base\n        a: b\n    spec:\n      containers: []\n";
        assert!(lint(text, CODE).is_empty(), "{text}");
        // A merged `true` is the hold, inline too.
        let text = deployment("    metadata:\n      annotations:\n        <<: {proxy.istio.io/config: '{\"holdApplicationUntilProxyStarts\": true}'}\n");
        assert!(lint(&text, CODE).is_empty(), "{text}");
        // Merges elsewhere in the pod leave the annotations' fix alone.
        let text = deployment("    metadata:\n      labels:\n        <<: {app: web}\n      annotations:\n        a: b\n");
        let d = lint(&text, CODE);
        assert_eq!(
            fixed(&text, &d[0]),
            text.replace(
                "        a: b\n",
                "        a: b\n        proxy.istio.io/config: '{ \"holdApplicationUntilProxyStarts\": true }'\n"
            )
        );
    }
}
