//! MESH203: `sidecar.istio.io/inject` used as an annotation on pod metadata.

use crate::context::Profile;
use crate::diagnostic::{Diagnostic, Fix, FixAvailability, RuleMeta, Severity};
use crate::k8s::edit::move_between;
use crate::k8s::scalar_string;
use crate::k8s::MetaMap;
use crate::rules::shown;
use crate::rules::ResourceCheck;
use crate::yaml::resolve::{resolve, ScalarType};
use std::fmt::Write as _;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH203",
    name: "inject-annotation-deprecated",
    severity: Severity::Info,
    fix: FixAvailability::SometimesSafeOrUnsafe,
    summary: "sidecar.istio.io/inject is used as an annotation (deprecated; it cannot opt in)",
    page: include_str!("../../../rules/MESH203-inject-annotation-deprecated.md"),
};

const INJECT: &str = "sidecar.istio.io/inject";

pub fn check(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    // Only the pod's own metadata: elsewhere the annotation is MESH201's (a workload's or a job
    // template's metadata) or MESH206's (a Namespace).
    let Some(pod) = &cx.res.pod else { return };
    let meta = pod.meta;
    if cx.cx.options.profile == Profile::Ossm2 {
        ossm2(cx, &meta, out);
        return;
    }
    let Some((key, value)) = meta.annotation(INJECT) else {
        return;
    };
    let is_string = matches!(resolve(value), ScalarType::Str);
    let text = if is_string {
        scalar_string(value)
    } else {
        None
    };
    let label = meta.label(INJECT);
    let mut message = match text {
        Some("true") => format!(
            "annotation `{INJECT}: \"true\"` is deprecated and cannot opt the pod in: the injection webhook selects pods by the label of the same name only, so in a namespace without an injection label this pod gets no sidecar; use the label"
        ),
        Some("false") => format!(
            "annotation `{INJECT}: \"false\"` is deprecated in favour of the label of the same name: Istio still honours \"false\" to skip injection, but the label is the supported way and also works for opting in"
        ),
        _ => format!(
            "annotation `{INJECT}` is deprecated in favour of the label of the same name, and it can only opt a pod out of injection, never in"
        ),
    };
    let fix = match label {
        Some((_, lv)) => {
            let lv = scalar_string(lv).map_or_else(|| "…".to_owned(), shown);
            let _ = write!(
                message, "; the label is also set (\"{lv}\") and wins, so this annotation is ignored: delete it once the label says what you want"
            );
            None
        }
        // "false" as a label means what the annotation meant (skip injection). "true" as a
        // label opts the pod in where the namespace is not enabled, which the annotation never
        // could: the move changes whether the pod gets a sidecar, so a human decides.
        None if text == Some("false") => {
            move_between(cx.text, &meta, MetaMap::Annotations, key, value)
                .map(|edits| Fix::safe(format!("move `{INJECT}` to labels"), edits))
        }
        None if text == Some("true") => {
            move_between(cx.text, &meta, MetaMap::Annotations, key, value).map(|edits| {
                Fix::unsafe_(
                    format!("move `{INJECT}: \"true\"` to labels, which opts the pod in: it gets a sidecar even in a namespace without an injection label, where the annotation gave it none"),
                    edits,
                )
            })
        }
        None => None,
    };
    meta.explain_missing_move(&mut message, &fix);
    out.push(Diagnostic::new(&RULE, key.range(), message).with_optional_fix(fix));
}

/// `--profile ossm2`: OpenShift Service Mesh 2.x injects exactly the pods annotated
/// `sidecar.istio.io/inject: "true"` and never reads the label, so there the annotation is the
/// way and the label is the finding (moving it to labels, as elsewhere, would opt the pod out).
fn ossm2(
    cx: &ResourceCheck<'_, '_, '_>,
    meta: &crate::k8s::MetaBlock<'_, '_>,
    out: &mut Vec<Diagnostic>,
) {
    let Some((key, value)) = meta.label(INJECT) else {
        return;
    };
    if meta.annotation(INJECT).is_some() {
        return; // The annotation decides; MESH504 judges its value.
    }
    let text = matches!(resolve(value), ScalarType::Str)
        .then(|| scalar_string(value))
        .flatten();
    let pods = if cx.res.kind == "Pod" {
        "this pod gets"
    } else {
        "these pods get"
    };
    let mut message = match text {
        Some("true") => format!(
            "label `{INJECT}: \"true\"` does not opt the pod in under OpenShift Service Mesh 2: its injection webhook reads only the annotation of the same name, so {pods} no sidecar; use the annotation `{INJECT}: \"true\"`"
        ),
        _ => format!(
            "label `{INJECT}` is not read under OpenShift Service Mesh 2, which injects only pods annotated `{INJECT}: \"true\"`; the annotation is the setting it reads"
        ),
    };
    // A selector on the label would stop matching its pods once it moves.
    let selected = cx.res.root.path(&["spec", "selector"]).is_some_and(|s| {
        cx.text
            .get(s.range().as_range())
            .is_some_and(|t| t.contains(INJECT))
    });
    let fix = match text {
        _ if selected => None,
        Some("true") => move_between(cx.text, meta, MetaMap::Labels, key, value).map(|edits| {
            Fix::unsafe_(
                format!("move `{INJECT}: \"true\"` to annotations, which opts the pod in under OpenShift Service Mesh 2: it gets a sidecar, where the label gave it none"),
                edits,
            )
        }),
        // Not injected either way: the move changes nothing but where the setting is read.
        Some("false") => move_between(cx.text, meta, MetaMap::Labels, key, value)
            .map(|edits| Fix::safe(format!("move `{INJECT}` to annotations"), edits)),
        _ => None,
    };
    meta.explain_missing_move(&mut message, &fix);
    out.push(Diagnostic::new(&RULE, key.range(), message).with_optional_fix(fix));
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Applicability;
    use crate::rules::test_util::{at, fixed, lint, pos};

    const CODE: &str = "MESH203";

    fn job(template_meta: &str) -> String {
        format!(
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  annotations:\n    sidecar.istio.io/inject: \"false\"\nspec:\n  template:\n    metadata:\n{template_meta}    spec:\n      restartPolicy: Never\n      containers: []\n"
        )
    }

    #[test]
    fn under_ossm2_the_annotation_is_the_way_and_the_label_is_the_finding() {
        use crate::context::{LintOptions, Profile};
        use crate::rules::test_util::lint_with;
        let ossm2 = LintOptions {
            profile: Profile::Ossm2,
            ..LintOptions::default()
        };
        let annotated = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    sidecar.istio.io/inject: \"true\"\nspec:\n  containers: []\n";
        assert!(lint_with(annotated, CODE, &ossm2).is_empty());
        assert_eq!(lint(annotated, CODE).len(), 1, "elsewhere it is deprecated");
        let labelled = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    metadata:\n      labels:\n        app: web\n        sidecar.istio.io/inject: \"true\"\n    spec:\n      containers: []\n";
        let d = lint_with(labelled, CODE, &ossm2);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(
            pos(labelled, &d[0]),
            at(labelled, "sidecar.istio.io/inject", 1)
        );
        assert_eq!(
            d[0].message,
            "label `sidecar.istio.io/inject: \"true\"` does not opt the pod in under OpenShift Service Mesh 2: its injection webhook reads only the annotation of the same name, so these pods get no sidecar; use the annotation `sidecar.istio.io/inject: \"true\"`"
        );
        let fix = d[0].fix.as_ref().unwrap();
        assert_eq!(fix.applicability, Applicability::Unsafe);
        assert_eq!(
            fixed(labelled, &d[0]),
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    metadata:\n      annotations:\n        sidecar.istio.io/inject: \"true\"\n      labels:\n        app: web\n    spec:\n      containers: []\n"
        );
        // Not reported elsewhere: the label is the supported way.
        assert!(lint(labelled, CODE).is_empty());
        // A selector on the label: no fix.
        let selected = labelled.replace("spec:\n  template:", "spec:\n  selector:\n    matchLabels:\n      sidecar.istio.io/inject: \"true\"\n  template:");
        let d = lint_with(&selected, CODE, &ossm2);
        assert_eq!(d.len(), 1);
        assert!(d[0].fix.is_none());
        // "false": safe, it changes nothing.
        let off = labelled.replace("inject: \"true\"", "inject: \"false\"");
        let d = lint_with(&off, CODE, &ossm2);
        assert_eq!(
            d[0].fix.as_ref().unwrap().applicability,
            Applicability::Safe
        );
    }

    #[test]
    fn annotation_false_moves_to_labels() {
        let text = job(
            "      labels:\n        app: migrate\n      annotations:\n        sidecar.istio.io/inject: \"false\"\n",
        );
        let d = lint(&text, CODE);
        // The Job's own annotation is MESH201's, not this rule's.
        assert_eq!(d.len(), 1);
        assert_eq!(pos(&text, &d[0]), at(&text, "sidecar.istio.io/inject", 2));
        assert!(d[0].message.contains("deprecated"));
        assert_eq!(
            d[0].fix.as_ref().unwrap().applicability,
            Applicability::Safe
        );
        assert_eq!(
            fixed(&text, &d[0]),
            job(
                "      labels:\n        app: migrate\n        sidecar.istio.io/inject: \"false\"\n"
            )
        );
    }

    #[test]
    fn annotation_true_says_it_cannot_opt_in() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    sidecar.istio.io/inject: 'true'\n    other: x\nspec:\n  containers: []\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("cannot opt the pod in"));
        // The move changes behaviour (the label opts in where the annotation could not): unsafe,
        // and the fix says so.
        let fix = d[0].fix.as_ref().unwrap();
        assert_eq!(fix.applicability, Applicability::Unsafe);
        assert!(fix.message.contains("opts the pod in"), "{}", fix.message);
        assert_eq!(
            fixed(text, &d[0]),
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    sidecar.istio.io/inject: 'true'\n  annotations:\n    other: x\nspec:\n  containers: []\n"
        );
    }

    #[test]
    fn only_annotation_renames_the_map() {
        let text = "apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: p\r\n  annotations:\r\n    sidecar.istio.io/inject: \"false\"\r\nspec:\r\n  containers: []\r\n";
        let d = lint(text, CODE);
        assert_eq!(
            fixed(text, &d[0]),
            "apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: p\r\n  labels:\r\n    sidecar.istio.io/inject: \"false\"\r\nspec:\r\n  containers: []\r\n"
        );
    }

    #[test]
    fn no_fix_when_the_label_exists_or_value_is_odd() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  labels:\n    sidecar.istio.io/inject: \"true\"\n  annotations:\n    sidecar.istio.io/inject: \"false\"\nspec: {}\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1);
        assert!(d[0].fix.is_none());
        assert!(d[0].message.contains("wins"));
        for v in ["\"True\"", "yes", "true", "\"\"", "enabled"] {
            let text = format!(
                "apiVersion: v1\nkind: Pod\nmetadata:\n  annotations:\n    sidecar.istio.io/inject: {v}\nspec: {{}}\n"
            );
            let d = lint(&text, CODE);
            assert_eq!(d.len(), 1, "{v}");
            assert!(d[0].fix.is_none(), "{v}");
        }
    }

    #[test]
    fn cronjob_pod_template_and_list_items() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: batch/v1\n  kind: CronJob\n  metadata:\n    name: c\n  spec:\n    jobTemplate:\n      metadata:\n        annotations:\n          sidecar.istio.io/inject: \"false\"\n      spec:\n        template:\n          metadata:\n            labels:\n              app: c\n            annotations:\n              sidecar.istio.io/inject: \"false\"\n          spec:\n            containers: []\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(text, &d[0]), at(text, "sidecar.istio.io/inject", 2));
        assert_eq!(
            fixed(text, &d[0]),
            text.replace(
                "              app: c\n            annotations:\n              sidecar.istio.io/inject: \"false\"\n",
                "              app: c\n              sidecar.istio.io/inject: \"false\"\n"
            )
        );
    }

    #[test]
    fn namespaces_and_services_are_not_this_rules() {
        let text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: n\n  annotations:\n    sidecar.istio.io/inject: \"false\"\n";
        assert!(lint(text, CODE).is_empty());
    }

    #[test]
    fn json_pod() {
        let text = "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"labels\": {\"app\": \"x\"}, \"annotations\": {\"sidecar.istio.io/inject\": \"false\", \"a\": \"b\"}}}";
        let d = lint(text, CODE);
        assert_eq!(
            fixed(text, &d[0]),
            "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"labels\": {\"app\": \"x\", \"sidecar.istio.io/inject\": \"false\"}, \"annotations\": {\"a\": \"b\"}}}"
        );
    }
}
