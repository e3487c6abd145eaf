//! MESH202: an annotation-only Istio key under `labels`.

use crate::diagnostic::{Diagnostic, Fix, FixAvailability, RuleMeta, Severity};
use crate::istio::catalog;
use crate::k8s::edit::move_between;
use crate::k8s::{scalar_string, MetaMap, Resource};
use crate::rules::{shown, ResourceCheck};
use crate::yaml::resolve::{resolve, ScalarType};
use crate::yaml::NodeRef;
use std::fmt::Write as _;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH202",
    name: "annotation-in-labels",
    severity: Severity::Warning,
    fix: FixAvailability::Safe,
    summary: "An annotation-only Istio key is under labels",
    page: include_str!("../../../rules/MESH202-annotation-in-labels.md"),
};

/// Why `v` is not a valid label value, or `None` when it is one (`IsValidLabelValue`: at most
/// 63 characters matching `(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?`).
fn label_value_problem(v: &str) -> Option<String> {
    if v.is_empty() {
        return None;
    }
    if v.len() > 63 {
        return Some(format!(
            "is {} characters long (a label value has at most 63)",
            v.chars().count()
        ));
    }
    if let Some(c) = v
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        let c = match c {
            ' ' => "a space".to_owned(),
            '\n' => "a line break".to_owned(),
            '\t' => "a tab".to_owned(),
            c => format!("`{c}`"),
        };
        return Some(format!(
            "contains {c} (a label value may hold only letters, digits, `-`, `_` and `.`)"
        ));
    }
    let b = v.as_bytes();
    if !b[0].is_ascii_alphanumeric() || !b[b.len() - 1].is_ascii_alphanumeric() {
        return Some("must start and end with a letter or digit".to_owned());
    }
    None
}

/// Whether `name` exists in Istio's catalogue as an annotation and not as a label.
fn is_annotation_only(name: &str) -> bool {
    catalog::annotation(name).is_some() && catalog::label(name).is_none()
}

/// Whether a selector of the resource matches on `name` (`matchLabels`, a `matchExpressions`
/// key, or a plain selector map): moving the label would break it.
fn selector_uses(res: &Resource<'_, '_>, name: &str) -> bool {
    let Some(spec) = res.root.get("spec").map(NodeRef::resolved) else {
        return false;
    };
    let direct = spec.get("selector").map(NodeRef::resolved);
    let match_labels = direct
        .and_then(|s| s.get("matchLabels"))
        .map(NodeRef::resolved);
    let in_expressions = direct
        .and_then(|s| s.get("matchExpressions"))
        .is_some_and(|e| {
            e.resolved()
                .items()
                .any(|x| x.resolved().get("key").and_then(|k| k.resolved().as_str()) == Some(name))
        });
    in_expressions
        || [direct, match_labels]
            .into_iter()
            .flatten()
            .any(|m| m.is_mapping() && m.entry(name).is_some())
}

pub fn check(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    for meta in cx.res.metadata_blocks() {
        for (key, value) in meta.entries(MetaMap::Labels) {
            let Some(name) = key.resolved().as_str() else {
                continue;
            };
            if !is_annotation_only(name) {
                continue;
            }
            let target = value.resolved();
            let ty = resolve(value);
            let problem = if target.is_scalar() {
                scalar_string(target).and_then(label_value_problem)
            } else {
                Some("is not a string at all".to_owned())
            };
            let existing = meta
                .annotation(name)
                .map(|(_, v)| scalar_string(v).map_or_else(|| "…".to_owned(), shown));
            let mut message = match &problem {
                Some(reason) => {
                    let v = if target.is_scalar() {
                        scalar_string(target).unwrap_or_default()
                    } else {
                        value.range().slice(cx.text)
                    };
                    format!(
                        "`{name}` is an Istio annotation, not a label, and its value `{}` {reason}: the API server rejects the object; Istio reads this key only from annotations",
                        shown(v)
                    )
                }
                None => format!(
                    "`{name}` is an Istio annotation, not a label: Istio reads it only from annotations, so under labels it has no effect"
                ),
            };
            let fix = if let Some(v) = &existing {
                let _ = write!(
                    message,
                    "; annotations already set it to \"{v}\", which is the value Istio uses"
                );
                None
            } else if selector_uses(cx.res, name) {
                message.push_str("; a selector of this object matches on it, so moving it needs a look at the selector too");
                None
            } else if matches!(ty, ScalarType::Str | ScalarType::Null) {
                let fix = move_between(cx.text, &meta, MetaMap::Labels, key, value)
                    .map(|edits| Fix::safe(format!("move `{name}` to annotations"), edits));
                meta.explain_missing_move(&mut message, &fix);
                fix
            } else {
                None // Not a string: MESH501 first.
            };
            let severity = if problem.is_some() {
                Severity::Error
            } else {
                Severity::Warning
            };
            out.push(
                Diagnostic::new(&RULE, key.range(), message)
                    .with_severity(severity)
                    .with_optional_fix(fix),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_util::{at, fixed, lint, pos};

    const CODE: &str = "MESH202";

    fn deployment(template_meta: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n{template_meta}    spec:\n      containers:\n        - name: web\n          image: web:1\n"
        )
    }

    fn is_valid_label_value(v: &str) -> bool {
        label_value_problem(v).is_none()
    }

    #[test]
    fn label_values() {
        assert!(is_valid_label_value(""));
        assert!(is_valid_label_value("9092"));
        assert!(is_valid_label_value("a.b-c_d"));
        assert!(!is_valid_label_value("10.0.0.0/8"));
        assert!(!is_valid_label_value("{}"));
        assert!(!is_valid_label_value("-a"));
        assert!(!is_valid_label_value("a."));
        assert!(!is_valid_label_value(&"a".repeat(64)));
        assert!(is_valid_label_value(&"a".repeat(63)));
    }

    #[test]
    fn cidr_under_labels_is_an_error_and_moves_to_annotations() {
        let text = deployment(
            "      labels:\n        app: web\n        traffic.sidecar.istio.io/excludeOutboundIPRanges: \"10.8.0.0/16\"\n      annotations:\n        proxy.istio.io/config: '{}'\n",
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Error);
        assert_eq!(
            pos(&text, &d[0]),
            at(&text, "traffic.sidecar.istio.io/excludeOutboundIPRanges", 1)
        );
        assert!(d[0].message.contains("`10.8.0.0/16`"));
        assert!(d[0].message.contains("`/`"));
        assert!(d[0].message.contains("rejects the object"));
        assert_eq!(
            fixed(&text, &d[0]),
            deployment(
                "      labels:\n        app: web\n      annotations:\n        proxy.istio.io/config: '{}'\n        traffic.sidecar.istio.io/excludeOutboundIPRanges: \"10.8.0.0/16\"\n"
            )
        );
    }

    #[test]
    fn valid_label_value_is_a_warning_and_creates_annotations() {
        let text = deployment(
            "      labels:\n        app: web\n        traffic.sidecar.istio.io/excludeOutboundPorts: \"9092\"\n",
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Warning);
        assert!(d[0].message.contains("no effect"));
        assert_eq!(
            fixed(&text, &d[0]),
            deployment(
                "      annotations:\n        traffic.sidecar.istio.io/excludeOutboundPorts: \"9092\"\n      labels:\n        app: web\n"
            )
        );
    }

    #[test]
    fn only_label_renames_the_map() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    sidecar.istio.io/proxyCPU: 100m\nspec:\n  containers: []\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Warning);
        assert_eq!(
            fixed(text, &d[0]),
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    sidecar.istio.io/proxyCPU: 100m\nspec:\n  containers: []\n"
        );
    }

    #[test]
    fn only_label_with_annotations_present_removes_labels() {
        let text = "apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  labels:\r\n    proxy.istio.io/config: '{ \"holdApplicationUntilProxyStarts\": true }'\r\n  annotations:\r\n    a: b\r\nspec: {}\r\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Error);
        assert!(d[0].message.contains("a space") || d[0].message.contains("`{`"));
        assert_eq!(
            fixed(text, &d[0]),
            "apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  annotations:\r\n    a: b\r\n    proxy.istio.io/config: '{ \"holdApplicationUntilProxyStarts\": true }'\r\nspec: {}\r\n"
        );
    }

    #[test]
    fn no_fix_when_annotations_already_have_it() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  labels:\n    app: x\n    sidecar.istio.io/logLevel: debug\n  annotations:\n    sidecar.istio.io/logLevel: info\nspec: {}\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1);
        assert!(d[0].fix.is_none());
        assert!(d[0].message.contains("\"info\""));
    }

    #[test]
    fn null_annotations_are_filled() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  annotations:\n  labels:\n    app: x\n    sidecar.istio.io/logLevel: debug\nspec: {}\n";
        let d = lint(text, CODE);
        assert_eq!(
            fixed(text, &d[0]),
            "apiVersion: v1\nkind: Pod\nmetadata:\n  annotations:\n    sidecar.istio.io/logLevel: debug\n  labels:\n    app: x\nspec: {}\n"
        );
    }

    #[test]
    fn labels_are_not_reported() {
        // Keys that are labels (too), other prefixes, unknown keys (MESH502's).
        let text = deployment(
            "      labels:\n        app: web\n        sidecar.istio.io/inject: \"true\"\n        istio.io/rev: canary\n        service.istio.io/canonical-name: web\n        traffic.sidecar.istio.io/nonsense: x\n        example.com/proxyCPU: x\n",
        );
        assert!(lint(&text, CODE).is_empty());
    }

    #[test]
    fn every_metadata_block_is_checked() {
        let text = "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: c\n  labels:\n    sidecar.istio.io/proxyMemory: 1Gi\nspec:\n  schedule: '* * * * *'\n  jobTemplate:\n    metadata:\n      labels:\n        sidecar.istio.io/proxyCPU: 1\n    spec:\n      template:\n        metadata:\n          labels:\n            sidecar.istio.io/interceptionMode: TPROXY\n        spec:\n          containers: []\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 3);
        assert_eq!(
            pos(text, &d[0]),
            at(text, "sidecar.istio.io/proxyMemory", 1)
        );
        assert_eq!(pos(text, &d[1]), at(text, "sidecar.istio.io/proxyCPU", 1));
        // An int is MESH501's: no fix until it is quoted.
        assert!(d[1].fix.is_none());
        assert_eq!(
            pos(text, &d[2]),
            at(text, "sidecar.istio.io/interceptionMode", 1)
        );
    }

    #[test]
    fn list_items_and_json() {
        let text = "{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [\n  {\"apiVersion\": \"v1\", \"kind\": \"Service\", \"metadata\": {\"name\": \"s\", \"labels\": {\"app\": \"s\", \"sidecar.istio.io/proxyCPU\": \"100m\"}}}\n]}\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(
            pos(text, &d[0]),
            at(text, "\"sidecar.istio.io/proxyCPU\"", 1)
        );
        assert_eq!(
            fixed(text, &d[0]),
            "{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [\n  {\"apiVersion\": \"v1\", \"kind\": \"Service\", \"metadata\": {\"name\": \"s\", \"annotations\": {\"sidecar.istio.io/proxyCPU\": \"100m\"}, \"labels\": {\"app\": \"s\"}}}\n]}\n"
        );
    }

    #[test]
    fn json_empty_annotations() {
        let text = "{\"kind\": \"Pod\", \"metadata\": {\"annotations\": {}, \"labels\": {\"a\": \"b\", \"sidecar.istio.io/proxyCPU\": \"1\"}}}";
        let d = lint(text, CODE);
        assert_eq!(
            fixed(text, &d[0]),
            "{\"kind\": \"Pod\", \"metadata\": {\"annotations\": {\"sidecar.istio.io/proxyCPU\": \"1\"}, \"labels\": {\"a\": \"b\"}}}"
        );
    }

    #[test]
    fn block_scalar_value_is_an_error() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  labels:\n    app: x\n    proxy.istio.io/config: |\n      holdApplicationUntilProxyStarts: true\nspec: {}\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Error);
        assert!(d[0]
            .message
            .contains("`holdApplicationUntilProxyStarts: true\\n`"));
        let f = fixed(text, &d[0]);
        assert_eq!(
            f,
            "apiVersion: v1\nkind: Pod\nmetadata:\n  annotations:\n    proxy.istio.io/config: \"holdApplicationUntilProxyStarts: true\\n\"\n  labels:\n    app: x\nspec: {}\n"
        );
    }

    #[test]
    fn selector_use_blocks_the_fix() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  selector:\n    matchLabels:\n      sidecar.istio.io/logLevel: debug\n  template:\n    metadata:\n      labels:\n        app: d\n        sidecar.istio.io/logLevel: debug\n    spec: {}\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1);
        assert!(d[0].fix.is_none());
        // A `matchExpressions` key too (found by the fixer's property test).
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  selector:\n    matchExpressions:\n      - {key: traffic.sidecar.istio.io/excludeOutboundPorts, operator: In, values: [\"8200\"]}\n  template:\n    metadata:\n      labels:\n        traffic.sidecar.istio.io/excludeOutboundPorts: \"8200\"\n    spec: {}\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1);
        assert!(d[0].fix.is_none());
        assert!(
            d[0].message
                .contains("a selector of this object matches on it"),
            "{}",
            d[0].message
        );
    }
}
