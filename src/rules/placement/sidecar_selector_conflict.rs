//! MESH210: several Sidecar resources configure the same workloads (`istioctl analyze`
//! IST0110/IST0111). Istio applies one Sidecar per workload: the one whose `workloadSelector`
//! selects it, else the namespace's one without a selector. With two candidates, which one a
//! workload gets is not defined (istiod picks by creation time), so the other's egress and
//! ingress settings silently do not apply.

use crate::context::Requires;
use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::rules::ResourceCheck;
use crate::yaml::NodeRef;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH210",
    name: "sidecar-selector-conflict",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "Several Sidecar resources configure the same workloads; only one applies",
    page: include_str!("../../../rules/MESH210-sidecar-selector-conflict.md"),
};

pub fn check(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    let res = cx.res;
    let Some(fact) = crate::context::project_sidecar(res, cx.file.key()) else {
        return;
    };
    let selector = res
        .root
        .get("spec")
        .map(NodeRef::resolved)
        .and_then(|s| s.entry("workloadSelector"));
    let at = selector
        .map(|(k, _)| k.range())
        .or_else(|| res.kind_key.map(NodeRef::range))
        .unwrap_or_default();
    let ns = fact.namespace.as_deref().map_or_else(
        || "its namespace".to_owned(),
        |n| format!("namespace `{n}`"),
    );
    let message = match &fact.selector {
        Some(labels) => {
            let shown: Vec<String> = labels.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            format!(
                "Sidecar `{}` selects workloads ({}) that another Sidecar in {ns} selects too: each workload gets one Sidecar and which one is not defined, so the other's settings silently do not apply; give each workload one Sidecar. Also selecting them",
                fact.name,
                shown.join(", ")
            )
        }
        None => format!(
            "Sidecar `{}` has no workloadSelector, and neither does another Sidecar in {ns}: a namespace has one default Sidecar and which one applies is not defined; merge them or give all but one a workloadSelector. The other",
            fact.name
        ),
    };
    out.push(Diagnostic::new(&RULE, at, message).requiring(Requires {
        sidecar_conflict: Some(fact),
        ..Requires::default()
    }));
}

#[cfg(test)]
mod tests {
    use crate::rules::test_util::{at, lint, pos};

    const CODE: &str = "MESH210";

    fn sidecar(name: &str, ns: &str, selector: &str) -> String {
        format!("apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n{selector}  egress:\n    - hosts: [\"./*\"]\n")
    }

    #[test]
    fn two_defaults_in_one_namespace_each_name_the_other() {
        let t = format!(
            "{}---\n{}",
            sidecar("a", "shop", ""),
            sidecar("b", "shop", "")
        );
        let d = lint(&t, CODE);
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(pos(&t, &d[0]), at(&t, "kind", 1));
        assert_eq!(
            d[0].message,
            "Sidecar `a` has no workloadSelector, and neither does another Sidecar in namespace `shop`: a namespace has one default Sidecar and which one applies is not defined; merge them or give all but one a workloadSelector. The other: `b` (test.yaml:11)"
        );
        assert!(d[1].message.ends_with("The other: `a` (test.yaml:2)"));
    }

    #[test]
    fn equal_or_nested_selectors_conflict() {
        let app = "  workloadSelector:\n    labels:\n      app: reviews\n";
        let both = "  workloadSelector:\n    labels:\n      app: reviews\n      version: v2\n";
        let t = format!(
            "{}---\n{}",
            sidecar("wide", "shop", app),
            sidecar("narrow", "shop", both)
        );
        let d = lint(&t, CODE);
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(pos(&t, &d[0]), at(&t, "workloadSelector", 1));
        assert!(d[0].message.starts_with("Sidecar `wide` selects workloads (app: reviews) that another Sidecar in namespace `shop` selects too"));
        assert!(d[0]
            .message
            .ends_with("Also selecting them: `narrow` (test.yaml:14)"));
    }

    #[test]
    fn other_namespaces_disjoint_selectors_and_a_default_beside_a_selector_do_not() {
        let app = "  workloadSelector:\n    labels:\n      app: reviews\n";
        let other = "  workloadSelector:\n    labels:\n      app: ratings\n";
        for t in [
            format!(
                "{}---\n{}",
                sidecar("a", "shop", ""),
                sidecar("b", "web", "")
            ),
            format!(
                "{}---\n{}",
                sidecar("a", "shop", app),
                sidecar("b", "shop", other)
            ),
            format!(
                "{}---\n{}",
                sidecar("a", "shop", app),
                sidecar("b", "shop", "")
            ),
            sidecar("a", "shop", ""),
            // One object written twice (two versions of it): the last applied wins.
            format!(
                "{}---\n{}",
                sidecar("a", "shop", app),
                sidecar("a", "shop", app)
            ),
            // Not Istio's Sidecar.
            format!(
                "{}---\n{}",
                sidecar("a", "shop", ""),
                sidecar("b", "shop", "").replace("networking.istio.io/v1", "example.com/v1")
            ),
        ] {
            assert!(lint(&t, CODE).is_empty(), "{t}");
        }
    }
}
