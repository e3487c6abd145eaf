//! MESH106: the hold is on mesh-wide, but `values.global.proxy.lifecycle` is set. The injection
//! template (`manifests/charts/istio-control/istio-discovery/files/injection-template.yaml`)
//! copies that lifecycle into `istio-proxy` (`if .Values.global.proxy.lifecycle`) and only
//! otherwise adds the `postStart: pilot-agent wait` hook the hold works through.

use crate::context::Profile;
use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::istio::schema_check::is_true;
use crate::rules::ResourceCheck;
use crate::yaml::NodeRef;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH106",
    name: "hold-ignored-by-lifecycle",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "A mesh-wide hold is ignored because values.global.proxy.lifecycle is set",
    page: include_str!("../../../rules/MESH106-hold-ignored-by-lifecycle.md"),
};

/// Whether a value is true for the template's `if`: a non-empty mapping or list, or a scalar
/// that is not null, empty, `false` or zero. Only a mapping is a valid Lifecycle; anything
/// else is a type error another rule reports, so only mappings count here.
fn set(v: NodeRef<'_, '_>) -> bool {
    let v = v.resolved();
    v.is_mapping() && v.entries().next().is_some()
}

/// Whether `node` (a `ProxyConfig` mapping or `global.proxy`) turns the hold on.
fn holds(node: Option<NodeRef<'_, '_>>, keys: &[&str]) -> bool {
    node.is_some_and(|n| keys.iter().any(|k| n.get(k).is_some_and(is_true)))
}

pub fn check(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    let options = &cx.cx.options;
    if options.profile == Profile::Managed || options.native_sidecars == Some(true) {
        return;
    }
    let res = cx.res;
    let (settings, values, prefix, mesh_prefix) = if res.is_istio_operator() {
        let Some(spec) = res.root.get("spec").map(NodeRef::resolved) else {
            return;
        };
        let Some(values) = spec.get("values") else {
            return;
        };
        (spec, values.resolved(), "spec.values.", "spec.")
    } else if res.kind.is_empty() {
        (res.root, res.root, "", "")
    } else {
        return;
    };
    let proxy = values.path(&["global", "proxy"]).map(NodeRef::resolved);
    let Some((key, lifecycle)) = proxy.and_then(|p| p.entry("lifecycle")) else {
        return;
    };
    if !set(lifecycle) || crate::context::native_sidecars(options, cx.mesh()) {
        return;
    }
    // The hold in this same document, else any mesh-wide one MESH101 accepts.
    let dc = settings
        .path(&["meshConfig", "defaultConfig"])
        .map(NodeRef::resolved);
    let here = if holds(
        dc,
        &[
            "holdApplicationUntilProxyStarts",
            "hold_application_until_proxy_starts",
        ],
    ) {
        Some(format!("{mesh_prefix}meshConfig.defaultConfig"))
    } else if holds(proxy, &["holdApplicationUntilProxyStarts"]) {
        Some(format!("{prefix}global.proxy"))
    } else {
        None
    };
    let origin = match here {
        Some(place) => format!("`{place}` of this document"),
        None => match cx.mesh().hold_on(options.profile) {
            Some(h) => h.origin.clone(),
            None => return,
        },
    };
    let hooks: Vec<&str> = lifecycle
        .resolved()
        .entries()
        .filter_map(|(k, _)| k.as_str())
        .collect();
    let message = format!(
        "`{prefix}global.proxy.lifecycle` ({}) is set while holdApplicationUntilProxyStarts is on mesh-wide ({origin}): the injector copies this lifecycle into istio-proxy instead of adding the `postStart: pilot-agent wait` hook the hold works through, so applications start before Envoy is ready and their first connections can be refused (ECONNREFUSED)",
        hooks.join(", ")
    );
    out.push(Diagnostic::new(&RULE, key.range(), message));
}

#[cfg(test)]
mod tests {
    use crate::context::{LintOptions, Profile};
    use crate::rules::test_util::{at, iop, lint, lint_with, pos};
    use crate::rules::RuleSelector;

    const CODE: &str = "MESH106";

    const LIFECYCLE: &str = "  values:\n    global:\n      proxy:\n        logLevel: warning\n        lifecycle:\n          preStop:\n            exec:\n              command: [\"sleep\", \"20\"]\n";

    #[test]
    fn hold_in_the_same_operator() {
        let text = iop(&format!(
            "  meshConfig:\n    defaultConfig:\n      holdApplicationUntilProxyStarts: true\n{LIFECYCLE}"
        ));
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, CODE);
        assert_eq!(pos(&text, &d[0]), at(&text, "lifecycle:", 1));
        assert_eq!(d[0].range.len(), "lifecycle".len() as u32);
        assert!(d[0]
            .message
            .contains("`spec.values.global.proxy.lifecycle` (preStop)"));
        assert!(d[0].message.contains("pilot-agent wait"));
        assert!(d[0].message.contains("spec.meshConfig.defaultConfig"));
        assert!(d[0].fix.is_none());
    }

    #[test]
    fn deprecated_hold_and_crlf() {
        let text = iop(&LIFECYCLE.replace(
            "        logLevel: warning\n",
            "        holdApplicationUntilProxyStarts: true\n",
        ))
        .replace('\n', "\r\n");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(&text, &d[0]), at(&text, "lifecycle:", 1));
    }

    #[test]
    fn hold_from_another_document() {
        let text = format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: istio\n  namespace: istio-system\ndata:\n  mesh: |\n    defaultConfig:\n      holdApplicationUntilProxyStarts: true\n---\n{}",
            iop(LIFECYCLE)
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("test.yaml:"), "{}", d[0].message);
    }

    #[test]
    fn helm_values() {
        let text = "meshConfig:\n  defaultConfig:\n    holdApplicationUntilProxyStarts: true\nglobal:\n  proxy:\n    lifecycle:\n      preStop:\n        exec:\n          command: [sleep, \"5\"]\n";
        let d = crate::lint_source(
            text,
            "values.yaml",
            &LintOptions::default(),
            &RuleSelector {
                select: vec![CODE.into()],
                ignore: Vec::new(),
            },
        );
        assert_eq!(d.len(), 1);
        assert_eq!(pos(text, &d[0]), at(text, "lifecycle", 1));
        assert!(d[0].message.contains("`global.proxy.lifecycle`"));
    }

    #[test]
    fn negatives() {
        let hold =
            "  meshConfig:\n    defaultConfig:\n      holdApplicationUntilProxyStarts: true\n";
        for text in [
            // No hold anywhere, or the hold off.
            iop(LIFECYCLE),
            iop(&format!(
                "  meshConfig:\n    defaultConfig:\n      holdApplicationUntilProxyStarts: false\n{LIFECYCLE}"
            )),
            // An empty lifecycle is false for the template's `if`.
            iop(&format!("{hold}  values:\n    global:\n      proxy:\n        lifecycle: {{}}\n")),
            iop(&format!("{hold}  values:\n    global:\n      proxy:\n        lifecycle:\n")),
            // Hold without a lifecycle.
            iop(hold),
        ] {
            assert!(lint(&text, CODE).is_empty(), "{text}");
        }
        let text = iop(&format!("{hold}{LIFECYCLE}"));
        for options in [
            LintOptions {
                native_sidecars: Some(true),
                ..LintOptions::default()
            },
            LintOptions {
                profile: Profile::Managed,
                ..LintOptions::default()
            },
        ] {
            assert!(lint_with(&text, CODE, &options).is_empty());
        }
    }
}
