//! MESH102: an injected pod switches `holdApplicationUntilProxyStarts` off in its
//! `proxy.istio.io/config`. The annotation wins over `meshConfig.defaultConfig`
//! (`pilot/pkg/model/proxy_config.go`), but the deprecated
//! `values.global.proxy.holdApplicationUntilProxyStarts` is OR-ed with it in the injection
//! template, so under that one the pod's `false` does nothing.

use super::native_sidecar;
use super::pod_proxy_config;
use crate::context::Profile;
use crate::context::Requires;
use crate::diagnostic::{Diagnostic, Fix, FixAvailability, RuleMeta, Severity};
use crate::istio::proxy_config::{first_document, Hold};
use crate::k8s::PodInjection;
use crate::rules::ResourceCheck;
use crate::yaml::edit::edit_inside;
use std::ops::Range;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH102",
    name: "hold-disabled",
    severity: Severity::Warning,
    fix: FixAvailability::Unsafe,
    summary: "An injected pod sets holdApplicationUntilProxyStarts to false",
    page: include_str!("../../../rules/MESH102-hold-disabled.md"),
};

/// The range (inside the config string) of the hold value the injector reads, its key and its
/// text.
fn hold_value(config: &str) -> Option<(Range<usize>, String, String)> {
    let doc = first_document(config)?.ok()?;
    let root = doc.root()?.resolved();
    let (k, v) = root
        .entry("holdApplicationUntilProxyStarts")
        .or_else(|| root.entry("hold_application_until_proxy_starts"))?;
    let r = v.range().as_range();
    Some((r.clone(), k.as_str()?.to_owned(), config.get(r)?.to_owned()))
}

pub fn check(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    let res = cx.res;
    let Some(pod) = &res.pod else { return };
    if pod.is_gateway() {
        return; // Envoy is the only container: no application to hold.
    }
    let native = native_sidecar(cx, pod);
    if native == Some(true) {
        return;
    }
    let Some((_, value, config, pc)) = pod_proxy_config(pod) else {
        return;
    };
    if pc.invalid.is_some() || pc.hold != Hold::False {
        return; // MESH103's, or not switched off.
    }
    let inner = hold_value(config);
    // At the `proxy.istio.io/config` value (a block scalar from its indicator).
    let range = value.range();
    let setting = inner.as_ref().map_or_else(
        || "holdApplicationUntilProxyStarts: false".to_owned(),
        |(_, k, w)| format!("{k}: {w}"),
    );
    let (what, start, them) = if res.kind == "Pod" {
        ("this pod".to_owned(), "starts", "it")
    } else {
        (format!("the pods of this {}", res.kind), "start", "them")
    };
    let mesh = cx.mesh();
    let in_cluster = cx.cx.options.profile == Profile::InCluster;
    let deprecated = mesh
        .deprecated_hold
        .as_ref()
        .filter(|h| h.value && in_cluster);
    let mut message = if let Some(global) = deprecated {
        format!(
            "`proxy.istio.io/config` sets `{setting}`, but the deprecated mesh-wide `values.global.proxy.holdApplicationUntilProxyStarts: true` ({global}) is OR-ed with it, so a pod cannot switch the hold off: this setting has no effect and only misleads"
        )
    } else {
        let overrides = match mesh.hold.as_ref().filter(|h| h.value && in_cluster) {
            Some(h) => format!(
                " and overrides the mesh-wide `meshConfig.defaultConfig.holdApplicationUntilProxyStarts: true` ({h}) for {them}"
            ),
            None => String::new(),
        };
        format!(
            "`proxy.istio.io/config` sets `{setting}`{overrides}: {what} {start} the application without waiting for Envoy, so its first connections can be refused (ECONNREFUSED)"
        )
    };
    let fix = inner
        .and_then(|(r, _, _)| edit_inside(cx.text, value, config, &r, "true"))
        .map(|e| Fix::unsafe_("set holdApplicationUntilProxyStarts to true", [e]));
    pod.explain_missing_fix(&mut message, &fix);
    let requires = Requires {
        injected: PodInjection::of(res),
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
    use crate::context::{LintOptions, Profile};
    use crate::diagnostic::Applicability;
    use crate::rules::test_util::{at, deployment, fixed, lint, lint_with, pos};
    use crate::source::LineIndex;

    const CODE: &str = "MESH102";

    /// A gateway's container is Envoy itself: a hold of `false` there races nothing.
    #[test]
    fn gateways_are_not_reported() {
        const FALSE: &str =
            "        proxy.istio.io/config: '{\"holdApplicationUntilProxyStarts\": false}'\n";
        for templates in ["gateway", "gateway,custom"] {
            let text = deployment(&format!(
                "{FALSE}        inject.istio.io/templates: {templates}\n"
            ));
            assert!(lint(&text, CODE).is_empty(), "{text}");
        }
        let text = deployment(FALSE).replace(
            "- name: api\n          image: api:1",
            "- name: istio-proxy\n          image: auto",
        );
        assert!(lint(&text, CODE).is_empty(), "{text}");
        // `image: auto` on another container: an ordinary pod.
        let text = deployment(FALSE).replace("image: api:1", "image: auto");
        assert_eq!(lint(&text, CODE).len(), 1, "{text}");
    }

    #[test]
    fn json_false_points_at_the_value_and_flips_it() {
        let text = deployment(
            "        proxy.istio.io/config: '{\"holdApplicationUntilProxyStarts\": false, \"concurrency\": 2}'\n",
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, CODE);
        // At the value, quotes included.
        assert_eq!(pos(&text, &d[0]), at(&text, "'{", 1));
        assert_eq!(
            d[0].range.slice(&text),
            "'{\"holdApplicationUntilProxyStarts\": false, \"concurrency\": 2}'"
        );
        assert!(d[0]
            .message
            .contains("holdApplicationUntilProxyStarts: false"));
        assert!(d[0]
            .message
            .contains(": the pods of this Deployment start the application"));
        assert!(d[0].message.contains("ECONNREFUSED"));
        assert!(d[0].message.contains("Deployment"));
        let fix = d[0].fix.as_ref().unwrap();
        assert_eq!(fix.applicability, Applicability::Unsafe);
        assert_eq!(fixed(&text, &d[0]), text.replace("\": false", "\": true"));
        assert!(lint(&fixed(&text, &d[0]), "MESH101").is_empty());
        // Never MESH101 for the same pod.
        assert!(lint(&text, "MESH101").is_empty());
    }

    #[test]
    fn yaml_block_snake_case_and_crlf() {
        let text = deployment(
            "        proxy.istio.io/config: |\n          concurrency: 2\n          hold_application_until_proxy_starts: off\n",
        )
        .replace('\n', "\r\n");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(&text, &d[0]), at(&text, "|", 1));
        assert!(d[0]
            .message
            .contains("`hold_application_until_proxy_starts: off`"));
        assert_eq!(
            fixed(&text, &d[0]),
            text.replace("starts: off", "starts: true")
        );
    }

    #[test]
    fn says_when_it_overrides_a_mesh_wide_true() {
        let text = format!(
            "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  meshConfig:\n    defaultConfig:\n      holdApplicationUntilProxyStarts: true\n---\n{}",
            deployment("        proxy.istio.io/config: '{holdApplicationUntilProxyStarts: false}'\n")
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert!(
            d[0].message.contains("overrides the mesh-wide"),
            "{}",
            d[0].message
        );
        assert!(d[0].message.contains("test.yaml:6"), "{}", d[0].message);
    }

    /// Audit A2: a literal block is reported from its `|` to the end of its body, not on the
    /// line of the `false`; audit A9: a Pod's message is in the singular.
    #[test]
    fn a_block_value_is_reported_whole_and_a_pod_in_the_singular() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    proxy.istio.io/config: |\n      concurrency: 2\n      holdApplicationUntilProxyStarts: false\nspec:\n  containers: []\n---\napiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  meshConfig:\n    defaultConfig:\n      holdApplicationUntilProxyStarts: true\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(text, &d[0]), (6, 28));
        let end = LineIndex::new(text).line_col(text, d[0].range.end());
        assert_eq!((end.line, end.column), (8, 45));
        assert_eq!(
            d[0].message,
            "`proxy.istio.io/config` sets `holdApplicationUntilProxyStarts: false` and overrides the mesh-wide `meshConfig.defaultConfig.holdApplicationUntilProxyStarts: true` (test.yaml:17) for it: this pod starts the application without waiting for Envoy, so its first connections can be refused (ECONNREFUSED)"
        );
    }

    #[test]
    fn says_a_deprecated_global_true_cannot_be_switched_off() {
        let text = format!(
            "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  values:\n    global:\n      proxy:\n        holdApplicationUntilProxyStarts: true\n---\n{}",
            deployment("        proxy.istio.io/config: '{holdApplicationUntilProxyStarts: false}'\n")
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("OR-ed"), "{}", d[0].message);
        assert!(d[0].message.contains("cannot switch the hold off"));
        // With the managed profile, mesh-wide settings are not honoured: no such claim.
        let options = LintOptions {
            profile: Profile::Managed,
            ..LintOptions::default()
        };
        let d = lint_with(&text, CODE, &options);
        assert_eq!(d.len(), 1);
        assert!(!d[0].message.contains("OR-ed"));
    }

    #[test]
    fn json_manifest_and_list_items() {
        let text = r#"{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "annotations": {"proxy.istio.io/config": "{\"holdApplicationUntilProxyStarts\": false}"}}, "spec": {"containers": []}}]}"#;
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(pos(text, &d[0]), at(text, "\"{\\\"hold", 1));
        assert!(d[0].message.contains("this pod starts the application"));
        assert_eq!(fixed(text, &d[0]), text.replace("false", "true"));
    }

    #[test]
    fn cronjob_pod_template() {
        let text = "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: c\nspec:\n  jobTemplate:\n    spec:\n      template:\n        metadata:\n          annotations:\n            proxy.istio.io/config: \"holdApplicationUntilProxyStarts: false\"\n        spec: {}\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(text, &d[0]), at(text, "\"holdApp", 1));
    }

    #[test]
    fn folded_value_points_at_the_whole_value_and_rewrites_it() {
        let text = deployment(
            "        proxy.istio.io/config: >\n          {\"holdApplicationUntilProxyStarts\":\n          false}\n",
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(&text, &d[0]), at(&text, ">", 1));
        let f = fixed(&text, &d[0]);
        assert!(lint(&f, CODE).is_empty(), "{f}");
        assert!(lint(&f, "MESH101").is_empty(), "{f}");
    }

    #[test]
    fn negatives() {
        // True, unset, invalid (MESH103's), not injected, native sidecars, another place.
        for (annotations, labels) in [
            ("        proxy.istio.io/config: '{holdApplicationUntilProxyStarts: true}'\n", ""),
            ("        proxy.istio.io/config: '{concurrency: 2}'\n", ""),
            (
                "        proxy.istio.io/config: '{holdApplicationUntilProxyStarts: false, concurrency: two}'\n",
                "",
            ),
            (
                "        proxy.istio.io/config: '{holdApplicationUntilProxyStarts: false}'\n        sidecar.istio.io/nativeSidecar: \"true\"\n",
                "",
            ),
            (
                "        proxy.istio.io/config: '{holdApplicationUntilProxyStarts: false}'\n",
                "      labels:\n        sidecar.istio.io/inject: \"false\"\n",
            ),
        ] {
            let text = deployment(annotations).replace(
                "    metadata:\n      annotations:",
                &format!("    metadata:\n{labels}      annotations:"),
            );
            assert!(lint(&text, CODE).is_empty(), "{text}");
        }
        let options = LintOptions {
            native_sidecars: Some(true),
            ..LintOptions::default()
        };
        let text = deployment(
            "        proxy.istio.io/config: '{holdApplicationUntilProxyStarts: false}'\n",
        );
        assert!(lint_with(&text, CODE, &options).is_empty());
        // The option is overridden per pod.
        let text = deployment(
            "        proxy.istio.io/config: '{holdApplicationUntilProxyStarts: false}'\n        sidecar.istio.io/nativeSidecar: \"false\"\n",
        );
        assert_eq!(lint_with(&text, CODE, &options).len(), 1);
        // kube-system is never injected.
        let text = deployment(
            "        proxy.istio.io/config: '{holdApplicationUntilProxyStarts: false}'\n",
        )
        .replace("  name: api\n", "  name: api\n  namespace: kube-system\n");
        assert!(lint(&text, CODE).is_empty());
    }

    /// A `false` merged in by `<<` is this rule's (not MESH101's), at the merged value, and is
    /// not flipped: the merged map may serve others, and a local key would hide it.
    #[test]
    fn a_merged_false_is_reported_without_a_fix() {
        let text = deployment(
            "        <<: {proxy.istio.io/config: '{\"holdApplicationUntilProxyStarts\": false}'}\n",
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1, "{text}");
        assert_eq!(pos(&text, &d[0]), at(&text, "'{", 1));
        assert!(d[0].fix.is_none());
        assert!(d[0].message.contains(crate::k8s::ANNOTATIONS_MERGE_NO_FIX));
        assert!(lint(&text, "MESH101").is_empty(), "{text}");
    }
}
