//! MESH209: a Namespace with more than one of `istio-injection`, `istio.io/rev` and
//! `istio.io/dataplane-mode: ambient` (`istioctl analyze` IST0123). The sidecar injector's
//! webhooks select namespaces by these labels: the default one by `istio-injection: enabled`,
//! a revision's by `istio.io/rev` only where `istio-injection` is absent; an injected sidecar
//! wins over ambient mode. So one of the labels is ignored.

use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::k8s::{scalar_string, DATAPLANE_MODE};
use crate::rules::ResourceCheck;
use crate::yaml::NodeRef;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH209",
    name: "conflicting-injection-labels",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "A Namespace has more than one injection label (istio-injection, istio.io/rev, ambient); one is ignored",
    page: include_str!("../../../rules/MESH209-conflicting-injection-labels.md"),
};

pub fn check(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    let res = cx.res;
    if res.kind != "Namespace" || res.api_version != "v1" {
        return;
    }
    let label = |name: &str| -> Option<(NodeRef<'_, '_>, &str)> {
        let (k, v) = res.meta.label(name)?;
        Some((k, scalar_string(v)?))
    };
    let injection = label("istio-injection");
    let rev = label("istio.io/rev");
    let ambient = label(DATAPLANE_MODE).filter(|(_, v)| *v == "ambient");
    // `istio-injection: disabled` keeps the namespace out of every webhook: nothing conflicts.
    let injection = injection.filter(|(_, v)| *v != "disabled");
    let enabled = injection.filter(|(_, v)| *v == "enabled");
    let (involved, consequence) = match (injection, rev, ambient) {
        (Some(i), Some(r), a) => (
            [Some(i), Some(r), a],
            "only the default revision's webhook injects this namespace (a revision's webhook skips namespaces that have `istio-injection`), so `istio.io/rev` is ignored",
        ),
        (None, Some(r), Some(a)) => (
            [Some(r), Some(a), None],
            "pods get the revision's sidecar, which wins over ambient mode, so `istio.io/dataplane-mode: ambient` has no effect on them",
        ),
        (Some(_), None, Some(a)) if enabled.is_some() => (
            [enabled, Some(a), None],
            "pods get a sidecar, which wins over ambient mode, so `istio.io/dataplane-mode: ambient` has no effect on them",
        ),
        _ => return,
    };
    let involved: Vec<(NodeRef<'_, '_>, &str)> = involved.into_iter().flatten().collect();
    let Some(last) = involved.iter().max_by_key(|(k, _)| k.range().start()) else {
        return;
    };
    let names: Vec<String> = involved
        .iter()
        .map(|(k, v)| format!("`{}: {v}`", k.as_str().unwrap_or("")))
        .collect();
    let ns = res.name.map_or_else(
        || "this namespace".to_owned(),
        |n| format!("namespace `{n}`"),
    );
    let message = format!(
        "{ns} has more than one injection label ({}): {consequence}; keep one",
        names.join(", ")
    );
    out.push(Diagnostic::new(&RULE, last.0.range(), message));
}

#[cfg(test)]
mod tests {
    use crate::rules::test_util::{at, lint, pos};

    const CODE: &str = "MESH209";

    fn ns(labels: &str) -> String {
        format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n{labels}")
    }

    #[test]
    fn injection_and_revision_at_the_later_key() {
        let t = ns("    istio-injection: enabled\n    istio.io/rev: canary\n");
        let d = lint(&t, CODE);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(pos(&t, &d[0]), at(&t, "istio.io/rev", 1));
        assert_eq!(d[0].range.len(), "istio.io/rev".len() as u32);
        assert_eq!(
            d[0].message,
            "namespace `shop` has more than one injection label (`istio-injection: enabled`, `istio.io/rev: canary`): only the default revision's webhook injects this namespace (a revision's webhook skips namespaces that have `istio-injection`), so `istio.io/rev` is ignored; keep one"
        );
        // Written the other way round: at `istio-injection`, the later key.
        let t = ns("    istio.io/rev: canary\n    istio-injection: enabled\n");
        assert_eq!(pos(&t, &lint(&t, CODE)[0]), at(&t, "istio-injection", 1));
    }

    #[test]
    fn ambient_with_a_sidecar_label() {
        let t = ns("    istio-injection: enabled\n    istio.io/dataplane-mode: ambient\n");
        let d = lint(&t, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(&t, &d[0]), at(&t, "istio.io/dataplane-mode", 1));
        assert!(d[0]
            .message
            .contains("pods get a sidecar, which wins over ambient mode"));
        let t = ns("    istio.io/rev: test\n    istio.io/dataplane-mode: ambient\n");
        let d = lint(&t, CODE);
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("the revision's sidecar"));
        let t = ns("    istio-injection: enabled\n    istio.io/rev: a\n    istio.io/dataplane-mode: ambient\n");
        let d = lint(&t, CODE);
        assert_eq!(d.len(), 1, "one finding for the namespace");
        assert!(d[0].message.contains(
            "(`istio-injection: enabled`, `istio.io/rev: a`, `istio.io/dataplane-mode: ambient`)"
        ));
    }

    #[test]
    fn disabled_none_single_labels_and_pods_are_not_reported() {
        for labels in [
            "    istio-injection: disabled\n    istio.io/dataplane-mode: ambient\n",
            "    istio-injection: disabled\n    istio.io/rev: test\n",
            "    istio-injection: enabled\n    istio.io/dataplane-mode: none\n",
            "    istio.io/rev: canary\n",
            "    istio.io/dataplane-mode: ambient\n",
            "    istio-injection: enabled\n    istio.io/dataplane-mode: Ambient\n",
        ] {
            assert!(lint(&ns(labels), CODE).is_empty(), "{labels}");
        }
        let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    istio-injection: enabled\n    istio.io/rev: canary\nspec: {containers: []}\n";
        assert!(lint(pod, CODE).is_empty());
    }
}
