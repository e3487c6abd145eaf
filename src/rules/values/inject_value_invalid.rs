//! MESH504: `sidecar.istio.io/inject` that is not exactly "true" or "false".

use crate::diagnostic::{
    Applicability, Diagnostic, Edit, Fix, FixAvailability, RuleMeta, Severity,
};
use crate::k8s::MetaMap;
use crate::k8s::{is_placeholder, scalar_string};
use crate::rules::selectors::{self, LabelChange};
use crate::rules::shown;
use crate::rules::ResourceCheck;
use crate::yaml::edit::prefers_double;
use crate::yaml::edit::quote;
use crate::yaml::resolve::{resolve, ScalarType};
use crate::yaml::{NodeRef, ScalarStyle};

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH504",
    name: "inject-value-invalid",
    severity: Severity::Warning,
    fix: FixAvailability::SometimesSafeOrUnsafe,
    summary: "sidecar.istio.io/inject is not exactly \"true\" or \"false\"",
    page: include_str!("../../../rules/MESH504-inject-value-invalid.md"),
};

const INJECT: &str = "sidecar.istio.io/inject";

/// What a value clearly means, and whether saying so is certain (a case variant of
/// `true`/`false`) or a guess.
fn meaning(v: &str) -> Option<(&'static str, bool)> {
    if v.eq_ignore_ascii_case("true") {
        return Some(("true", true));
    }
    if v.eq_ignore_ascii_case("false") {
        return Some(("false", true));
    }
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "on" | "enabled" | "enable" | "1" => Some(("true", false)),
        "false" | "no" | "n" | "off" | "disabled" | "disable" | "0" => Some(("false", false)),
        _ => None,
    }
}

/// The replacement scalar, in the value's own quote style (a plain or block scalar becomes
/// quoted: a plain `true` would be a YAML bool).
fn replacement(cx: &ResourceCheck<'_, '_, '_>, value: NodeRef<'_, '_>, new: &str) -> Option<Edit> {
    if value.is_alias() || value.node().anchored {
        return None;
    }
    let text = match value.style()? {
        ScalarStyle::DoubleQuoted => format!("\"{new}\""),
        ScalarStyle::SingleQuoted => format!("'{new}'"),
        _ => quote(new, prefers_double(cx.doc)),
    };
    // A tag (`!!str`) before the value stays, and still makes a string.
    Some(Edit::replace(value.range(), text))
}

pub fn check(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(pod) = &cx.res.pod else { return };
    for which in [MetaMap::Labels, MetaMap::Annotations] {
        let entry = match which {
            MetaMap::Labels => pod.meta.label(INJECT),
            MetaMap::Annotations => pod.meta.annotation(INJECT),
        };
        let Some((_, value)) = entry else { continue };
        if !matches!(resolve(value), ScalarType::Str | ScalarType::Null) {
            continue; // Not a string: MESH501's.
        }
        let Some(v) = scalar_string(value) else {
            continue;
        };
        if v == "true" || v == "false" || is_placeholder(v) {
            continue;
        }
        let noun = which.noun();
        let mut message = if v.is_empty() {
            format!(
                "{noun} `{INJECT}` is empty, not \"true\" or \"false\": Istio treats it as unset and falls back to the namespace's injection setting"
            )
        } else {
            format!(
                "{noun} `{INJECT}` is \"{}\", not exactly \"true\" or \"false\": the injection webhook and Istio ignore it and fall back to the namespace's injection setting",
                shown(v)
            )
        };
        if which == MetaMap::Labels && pod.meta.annotation(INJECT).is_some() {
            message.push_str(" (the label still hides the annotation of the same name)");
        }
        let fix = meaning(v).and_then(|(new, certain)| {
            let edit = replacement(cx, value, new)?;
            let what = format!("set it to \"{new}\"");
            let applicability = if certain {
                Applicability::Safe
            } else {
                Applicability::Unsafe
            };
            if which == MetaMap::Annotations {
                return Some(Fix::new(applicability, what, [edit]));
            }
            // A label: the workload's selector may match on it, a Service may select by it.
            let change = LabelChange::Value {
                key: INJECT,
                old: v,
                new,
            };
            let impact =
                selectors::label_change(cx, change, value, &|node| replacement(cx, node, new));
            if let Some(why) = &impact.blocked {
                message.push_str(why);
            }
            impact.fix(applicability, what, vec![edit])
        });
        out.push(Diagnostic::new(&RULE, value.range(), message).with_optional_fix(fix));
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Applicability;
    use crate::rules::test_util::{fixed, lint, pos};
    use crate::source::LineIndex;

    const CODE: &str = "MESH504";

    fn pod(labels: &str, annotations: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    app: p\n{labels}  annotations:\n    a: b\n{annotations}spec:\n  containers: []\n"
        )
    }

    fn after(text: &str, needle: &str) -> (u32, u32) {
        let offset = text.find(needle).unwrap() + needle.len();
        let lc = LineIndex::new(text).line_col(text, offset as u32);
        (lc.line, lc.column)
    }

    #[test]
    fn case_variant_is_a_safe_fix_keeping_quotes() {
        for (v, want) in [
            ("\"True\"", "\"true\""),
            ("'FALSE'", "'false'"),
            ("tRUE", "\"true\""),
        ] {
            let text = pod(&format!("    sidecar.istio.io/inject: {v}\n"), "");
            let d = lint(&text, CODE);
            assert_eq!(d.len(), 1, "{v}");
            assert_eq!(pos(&text, &d[0]), after(&text, "sidecar.istio.io/inject: "));
            assert_eq!(d[0].range.len() as usize, v.len());
            assert_eq!(
                d[0].fix.as_ref().unwrap().applicability,
                Applicability::Safe
            );
            assert_eq!(
                fixed(&text, &d[0]),
                pod(&format!("    sidecar.istio.io/inject: {want}\n"), "")
            );
        }
    }

    #[test]
    fn clear_meanings_are_unsafe_and_garbage_gets_none() {
        for (v, want) in [
            ("\"on\"", Some("\"true\"")),
            ("enabled", Some("\"true\"")),
            ("'0'", Some("'false'")),
            ("\"disabled\"", Some("\"false\"")),
            ("\"No\"", Some("\"false\"")),
            ("\"maybe\"", None),
        ] {
            let text = pod(&format!("    sidecar.istio.io/inject: {v}\n"), "");
            let d = lint(&text, CODE);
            assert_eq!(d.len(), 1, "{v}");
            assert!(d[0].message.contains("fall back to the namespace"));
            match want {
                Some(w) => {
                    assert_eq!(
                        d[0].fix.as_ref().unwrap().applicability,
                        Applicability::Unsafe
                    );
                    assert_eq!(
                        fixed(&text, &d[0]),
                        pod(&format!("    sidecar.istio.io/inject: {w}\n"), "")
                    );
                }
                None => assert!(d[0].fix.is_none()),
            }
        }
    }

    #[test]
    fn annotations_too_and_block_scalars() {
        let text = pod("", "    sidecar.istio.io/inject: |-\n      False\n");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert!(d[0].message.starts_with("annotation"));
        assert_eq!(pos(&text, &d[0]), after(&text, "sidecar.istio.io/inject: "));
        assert_eq!(
            fixed(&text, &d[0]),
            pod("", "    sidecar.istio.io/inject: \"false\"\n")
        );
    }

    #[test]
    fn non_strings_and_exact_values_are_not_this_rules() {
        for v in [
            "true",
            "True",
            "yes",
            "1",
            "\"true\"",
            "'false'",
            "!!str false",
        ] {
            let text = pod(&format!("    sidecar.istio.io/inject: {v}\n"), "");
            assert!(lint(&text, CODE).is_empty(), "{v}");
        }
    }

    #[test]
    fn empty_value_has_no_fix() {
        let text = pod("    sidecar.istio.io/inject: \"\"\n", "");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("empty"));
        assert!(d[0].fix.is_none());
    }

    #[test]
    fn pod_templates_only() {
        // A workload's own metadata (MESH201's) and a Namespace are not checked; the CronJob's pod
        // template inside a List is.
        let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    labels:\n      sidecar.istio.io/inject: \"yes\"\n- apiVersion: batch/v1\n  kind: CronJob\n  metadata:\n    labels:\n      sidecar.istio.io/inject: \"yes\"\n  spec:\n    jobTemplate:\n      spec:\n        template:\n          metadata:\n            labels:\n              sidecar.istio.io/inject: \"False\"\n          spec: {}\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(fixed(text, &d[0]), text.replace("\"False\"", "\"false\""));
    }

    #[test]
    fn json_and_crlf() {
        let text = "{\"kind\": \"Pod\", \"metadata\": {\"labels\": {\"sidecar.istio.io/inject\": \"TRUE\"}}}\r\n";
        let d = lint(text, CODE);
        assert_eq!(fixed(text, &d[0]), text.replace("TRUE", "true"));
    }

    fn web(selector: &str, label: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n{selector}  template:\n    metadata:\n      labels:\n        app: web\n        sidecar.istio.io/inject: {label}\n    spec:\n      containers: []\n"
        )
    }

    /// Issue 17: a label the selector matches on changes in the selector too, and the fix is
    /// then unsafe (an existing Deployment's selector is immutable).
    #[test]
    fn selector_match_labels_change_with_the_label() {
        let sel = |v: &str| {
            format!("    matchLabels:\n      app: web\n      sidecar.istio.io/inject: {v}\n")
        };
        let text = web(&sel("\"True\""), "\"True\"");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        let fix = d[0].fix.as_ref().unwrap();
        assert_eq!(fix.applicability, Applicability::Unsafe);
        assert!(fix.message.contains("`spec.selector`"), "{}", fix.message);
        assert!(fix.message.contains("immutable"), "{}", fix.message);
        assert_eq!(fixed(&text, &d[0]), web(&sel("\"true\""), "\"true\""));
        // Each in its own quote style.
        let text = web(&sel("'True'"), "\"True\"");
        let d = lint(&text, CODE);
        assert_eq!(fixed(&text, &d[0]), web(&sel("'true'"), "\"true\""));
        // Flow style.
        let flow =
            |v: &str| format!("    matchLabels: {{app: web, sidecar.istio.io/inject: {v}}}\n");
        let text = web(&flow("\"True\""), "\"True\"");
        let d = lint(&text, CODE);
        assert_eq!(fixed(&text, &d[0]), web(&flow("\"true\""), "\"true\""));
    }

    #[test]
    fn labels_no_selector_names_keep_their_fix() {
        let text = web("    matchLabels:\n      app: web\n", "\"True\"");
        let d = lint(&text, CODE);
        let fix = d[0].fix.as_ref().unwrap();
        assert_eq!(fix.applicability, Applicability::Safe);
        assert_eq!(fix.message, "set it to \"true\"");
        assert_eq!(fix.edits.len(), 1);
        // `Exists` matches either value: the selector stays as it is.
        let text = web(
            "    matchExpressions:\n    - {key: sidecar.istio.io/inject, operator: Exists}\n",
            "\"True\"",
        );
        let d = lint(&text, CODE);
        assert_eq!(
            d[0].fix.as_ref().unwrap().applicability,
            Applicability::Safe
        );
    }

    #[test]
    fn match_expressions_values_are_rewritten_or_the_fix_withheld() {
        let sel = |v: &str| {
            format!("    matchExpressions:\n    - key: sidecar.istio.io/inject\n      operator: In\n      values: [{v}, \"on\"]\n")
        };
        let text = web(&sel("\"yes\""), "\"yes\"");
        let d = lint(&text, CODE);
        let fix = d[0].fix.as_ref().unwrap();
        assert_eq!(fix.applicability, Applicability::Unsafe);
        assert_eq!(fixed(&text, &d[0]), web(&sel("\"true\""), "\"true\""));
        // NotIn ["true"]: no selector edit keeps the meaning.
        let text = web(
            "    matchExpressions:\n    - key: sidecar.istio.io/inject\n      operator: NotIn\n      values: [\"true\"]\n",
            "\"yes\"",
        );
        let d = lint(&text, CODE);
        assert!(d[0].fix.is_none());
        assert!(
            d[0].message.contains("no fix: `spec.selector`"),
            "{}",
            d[0].message
        );
        assert!(d[0].message.contains("NotIn"), "{}", d[0].message);
    }

    #[test]
    fn anchors_shared_with_the_template_or_not() {
        // The template's labels are the selector's: one edit changes both, still unsafe.
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: &l\n      app: web\n      sidecar.istio.io/inject: \"True\"\n  template:\n    metadata:\n      labels: *l\n    spec:\n      containers: []\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1);
        let fix = d[0].fix.as_ref().unwrap();
        assert_eq!(fix.applicability, Applicability::Unsafe);
        assert_eq!(fix.edits.len(), 1);
        assert_eq!(fixed(text, &d[0]), text.replace("\"True\"", "\"true\""));
        // The selector's value is an alias of something else: no fix, and why.
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  annotations: {x: &v \"True\"}\nspec:\n  selector:\n    matchLabels:\n      sidecar.istio.io/inject: *v\n  template:\n    metadata:\n      labels:\n        sidecar.istio.io/inject: \"True\"\n    spec:\n      containers: []\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1);
        assert!(d[0].fix.is_none());
        assert!(d[0].message.contains("anchor or alias"), "{}", d[0].message);
        // A merge key in the selector hides what it matches.
        let text = web(
            "    matchLabels:\n      <<: {a: b}\n      app: web\n",
            "\"True\"",
        );
        let d = lint(&text, CODE);
        assert!(d[0].fix.is_none());
        assert!(d[0].message.contains("merge key"), "{}", d[0].message);
    }

    #[test]
    fn cronjob_and_deployment_config_selectors() {
        let text = "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: c\nspec:\n  jobTemplate:\n    spec:\n      selector:\n        matchLabels:\n          sidecar.istio.io/inject: \"FALSE\"\n      template:\n        metadata:\n          labels:\n            sidecar.istio.io/inject: \"FALSE\"\n        spec: {}\n";
        let d = lint(text, CODE);
        let fix = d[0].fix.as_ref().unwrap();
        assert_eq!(fix.applicability, Applicability::Unsafe);
        assert!(fix.message.contains("spec.jobTemplate.spec.selector"));
        assert_eq!(fixed(text, &d[0]), text.replace("FALSE", "false"));
        let text = "apiVersion: apps.openshift.io/v1\nkind: DeploymentConfig\nmetadata:\n  name: dc\nspec:\n  selector:\n    sidecar.istio.io/inject: \"False\"\n  template:\n    metadata:\n      labels:\n        sidecar.istio.io/inject: \"False\"\n    spec: {}\n";
        let d = lint(text, CODE);
        assert_eq!(
            d[0].fix.as_ref().unwrap().applicability,
            Applicability::Unsafe
        );
        assert_eq!(fixed(text, &d[0]), text.replace("False", "false"));
    }

    #[test]
    fn services_of_the_file_that_select_the_old_value_are_named() {
        let svc = |name: &str, sel: &str| {
            format!("---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  selector:\n{sel}  ports: [{{port: 80}}]\n")
        };
        let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    app: web\n    sidecar.istio.io/inject: \"True\"\nspec:\n  containers: []\n";
        let text = format!(
            "{pod}{}{}{}",
            svc(
                "web",
                "    app: web\n    sidecar.istio.io/inject: \"True\"\n"
            ),
            svc(
                "other",
                "    app: other\n    sidecar.istio.io/inject: \"True\"\n"
            ),
            svc("all", "    app: web\n"),
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        let fix = d[0].fix.as_ref().unwrap();
        // The Service stops selecting the pod once fixed: a human looks first.
        assert_eq!(fix.applicability, Applicability::Unsafe);
        assert!(
            fix.message.contains("Service web selects the old label"),
            "{}",
            fix.message
        );
        assert!(!fix.message.contains("other") && !fix.message.contains("all"));
        assert_eq!(fix.edits.len(), 1);
    }
}
