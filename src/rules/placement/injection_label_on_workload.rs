//! MESH208: `istio-injection` as a label of a pod (template) or of a workload's own metadata.
//! The injection webhook's namespace selector is the only reader of that label
//! (istio/api `label/labels.yaml` scopes it to Namespace); on a pod or a workload it does
//! nothing, and the pod is injected or not as if it were absent.

use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::k8s::{scalar_string, MetaBlock};
use crate::rules::ResourceCheck;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH208",
    name: "injection-label-on-workload",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "istio-injection is a Namespace label; on a pod or workload Istio never reads it",
    page: include_str!("../../../rules/MESH208-injection-label-on-workload.md"),
};

const LABEL: &str = "istio-injection";

fn report(meta: &MetaBlock<'_, '_>, place: &str, out: &mut Vec<Diagnostic>) {
    let Some((key, value)) = meta.label(LABEL) else {
        return;
    };
    let value = scalar_string(value).unwrap_or("");
    let advice = if value == "disabled" {
        "to keep these pods out of the mesh, label the pod template `sidecar.istio.io/inject: \"false\"`"
    } else {
        "to opt these pods in, label the pod template `sidecar.istio.io/inject: \"true\"`, or label their Namespace `istio-injection: enabled`"
    };
    let message = format!(
        "label `{LABEL}: {value}` is on {place}, where Istio never reads it: only a Namespace's `{LABEL}` label selects pods for injection; {advice}",
    );
    out.push(Diagnostic::new(&RULE, key.range(), message));
}

pub fn check(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    let res = cx.res;
    if res.kind == "Pod" {
        if let Some(pod) = &res.pod {
            report(&pod.meta, "a Pod", out);
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
        report(&pod.meta, &format!("the {kind}'s pod template"), out);
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
        assert!(d[0].fix.is_none());
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
