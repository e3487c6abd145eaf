//! MESH208: `istio-injection` as a label of a pod (template) or of a workload's own metadata.
//! The injection webhook's namespace selector is the only reader of that label
//! (istio/api `label/labels.yaml` scopes it to Namespace); on a pod or a workload it does
//! nothing, and the pod is injected or not as if it were absent.

use crate::diagnostic::{Diagnostic, Fix, FixAvailability, RuleMeta, Severity};
use crate::k8s::{scalar_string, MetaBlock};
use crate::rules::ResourceCheck;
use crate::yaml::edit::aliased;
use crate::yaml::edit::{rename_key, rewrite_scalar};

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH208",
    name: "injection-label-on-workload",
    severity: Severity::Warning,
    fix: FixAvailability::Unsafe,
    summary: "istio-injection is a Namespace label; on a pod or workload Istio never reads it",
    page: include_str!("../../../rules/MESH208-injection-label-on-workload.md"),
};

const LABEL: &str = "istio-injection";
const INJECT: &str = "sidecar.istio.io/inject";

/// The unsafe fix for a pod's own label: `istio-injection: enabled` (`disabled`) becomes
/// `sidecar.istio.io/inject: "true"` (`"false"`), the per-pod label Istio reads. It changes
/// whether the pod gets a sidecar, so a human decides. None when the pod already has that
/// label, when a selector of the workload matches on the old label (it would stop matching its
/// pods), for other values, or where anchors, aliases or merge keys are involved.
fn pod_label_fix(
    cx: &ResourceCheck<'_, '_, '_>,
    meta: &MetaBlock<'_, '_>,
    key: crate::yaml::NodeRef<'_, '_>,
    value: crate::yaml::NodeRef<'_, '_>,
) -> Option<Fix> {
    let new = match scalar_string(value)? {
        "enabled" => "true",
        "disabled" => "false",
        _ => return None,
    };
    if meta.label(INJECT).is_some() || key.is_alias() || value.is_alias() || aliased(value) {
        return None;
    }
    let selected = cx.res.root.path(&["spec", "selector"]).is_some_and(|s| {
        cx.text
            .get(s.range().as_range())
            .is_none_or(|t| t.contains(LABEL))
    });
    if selected {
        return None;
    }
    let rename = rename_key(cx.text, key, INJECT)?;
    let rewrite = rewrite_scalar(cx.text, value, new)?;
    Some(Fix::unsafe_(
        format!(
            "replace it with the pod label `{INJECT}: \"{new}\"`, which opts the pod {}",
            if new == "true" { "in" } else { "out" }
        ),
        [rename, rewrite],
    ))
}

fn report(meta: &MetaBlock<'_, '_>, place: &str, out: &mut Vec<Diagnostic>) {
    report_with(meta, place, None, out);
}

fn report_with(
    meta: &MetaBlock<'_, '_>,
    place: &str,
    cx: Option<&ResourceCheck<'_, '_, '_>>,
    out: &mut Vec<Diagnostic>,
) {
    let Some((key, value_node)) = meta.label(LABEL) else {
        return;
    };
    let fix = cx.and_then(|cx| pod_label_fix(cx, meta, key, value_node));
    let value = scalar_string(value_node).unwrap_or("");
    let advice = if value == "disabled" {
        "to keep these pods out of the mesh, label the pod template `sidecar.istio.io/inject: \"false\"`"
    } else {
        "to opt these pods in, label the pod template `sidecar.istio.io/inject: \"true\"`, or label their Namespace `istio-injection: enabled`"
    };
    let message = format!(
        "label `{LABEL}: {value}` is on {place}, where Istio never reads it: only a Namespace's `{LABEL}` label selects pods for injection; {advice}",
    );
    out.push(Diagnostic::new(&RULE, key.range(), message).with_optional_fix(fix));
}

pub fn check(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    let res = cx.res;
    if res.kind == "Pod" {
        if let Some(pod) = &res.pod {
            report_with(&pod.meta, "a Pod", Some(cx), out);
        }
        return;
    }
    if !res.is_workload() {
        return;
    }
    let kind = res.kind;
    report(&res.meta, &format!("the {kind}'s own metadata"), out);
    if let Some(jm) = &res.job_template_meta {
        report(jm, "the CronJob's spec.jobTemplate.metadata", out);
    }
    if let Some(pod) = &res.pod {
        report_with(
            &pod.meta,
            &format!("the {kind}'s pod template"),
            Some(cx),
            out,
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_util::{at, lint, pos};

    const CODE: &str = "MESH208";

    #[test]
    fn on_a_pod_template_at_the_key() {
        let text = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: web\nspec:\n  template:\n    metadata:\n      labels:\n        app: web\n        istio-injection: enabled\n    spec:\n      containers:\n        - name: web\n          image: web:1\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, CODE);
        assert_eq!(pos(text, &d[0]), (10, 9));
        assert_eq!(pos(text, &d[0]), at(text, "istio-injection", 1));
        assert_eq!(d[0].range.len(), "istio-injection".len() as u32);
        assert_eq!(
            d[0].message,
            "label `istio-injection: enabled` is on the Rollout's pod template, where Istio never reads it: only a Namespace's `istio-injection` label selects pods for injection; to opt these pods in, label the pod template `sidecar.istio.io/inject: \"true\"`, or label their Namespace `istio-injection: enabled`"
        );
        assert!(d[0].fix.is_some());
    }

    #[test]
    fn on_a_workload_a_job_template_and_a_pod() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels:\n    istio-injection: disabled\nspec:\n  template:\n    spec:\n      containers: []\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(text, &d[0]), (6, 5));
        assert!(d[0].message.starts_with(
            "label `istio-injection: disabled` is on the Deployment's own metadata, where"
        ));
        assert!(d[0]
            .message
            .ends_with("label the pod template `sidecar.istio.io/inject: \"false\"`"));
        let cron = "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: r\nspec:\n  jobTemplate:\n    metadata:\n      labels: {istio-injection: enabled}\n    spec:\n      template:\n        metadata:\n          labels:\n            istio-injection: enabled\n        spec:\n          containers: []\n";
        let d = lint(cron, CODE);
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(pos(cron, &d[0]), (8, 16));
        assert!(d[0]
            .message
            .contains("the CronJob's spec.jobTemplate.metadata"));
        assert_eq!(pos(cron, &d[1]), (13, 13));
        assert!(d[1].message.contains("the CronJob's pod template"));
        let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    istio-injection: enabled\nspec:\n  containers: []\n";
        let d = lint(pod, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(pod, &d[0]), (6, 5));
        assert!(d[0].message.contains("is on a Pod, where"));
    }

    #[test]
    fn the_unsafe_fix_writes_the_per_pod_label() {
        use crate::diagnostic::Applicability;
        use crate::rules::test_util::fixed;
        let t = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    metadata:\n      labels:\n        app: web\n        istio-injection: enabled\n    spec:\n      containers: []\n";
        let d = lint(t, CODE);
        let fix = d[0].fix.as_ref().expect("a fix");
        assert_eq!(fix.applicability, Applicability::Unsafe);
        assert_eq!(
            fix.message,
            "replace it with the pod label `sidecar.istio.io/inject: \"true\"`, which opts the pod in"
        );
        assert_eq!(
            fixed(t, &d[0]),
            t.replace(
                "istio-injection: enabled",
                "sidecar.istio.io/inject: \"true\""
            )
        );
        let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {istio-injection: disabled}\nspec: {containers: []}\n";
        let d = lint(pod, CODE);
        assert_eq!(
            fixed(pod, &d[0]),
            pod.replace(
                "istio-injection: disabled",
                "sidecar.istio.io/inject: \"false\""
            )
        );
    }

    #[test]
    fn no_fix_where_it_could_break_something_or_the_intent_is_unclear() {
        let template = |labels: &str, selector: &str| {
            format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n{selector}  template:\n    metadata:\n      labels:\n{labels}    spec:\n      containers: []\n")
        };
        for t in [
            // The per-pod label is there already.
            template(
                "        istio-injection: enabled\n        sidecar.istio.io/inject: \"false\"\n",
                "",
            ),
            // The selector matches on the old label.
            template(
                "        istio-injection: enabled\n",
                "  selector:\n    matchLabels:\n      istio-injection: enabled\n",
            ),
            // Neither enabled nor disabled.
            template("        istio-injection: \"yes\"\n", ""),
        ] {
            let d = lint(&t, CODE);
            assert_eq!(d.len(), 1, "{t}");
            assert!(d[0].fix.is_none(), "{t}");
        }
        // The workload's own metadata: the pods do not carry it; no fix there.
        let own = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels:\n    istio-injection: enabled\nspec:\n  template:\n    spec:\n      containers: []\n";
        assert!(lint(own, CODE)[0].fix.is_none());
    }

    #[test]
    fn namespaces_annotations_and_other_kinds_are_not_reported() {
        for text in [
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    istio-injection: enabled\n",
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  labels:\n    istio-injection: enabled\n",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    metadata:\n      labels:\n        sidecar.istio.io/inject: \"true\"\n    spec:\n      containers: []\n",
        ] {
            assert!(lint(text, CODE).is_empty(), "{text}");
        }
    }
}
