//! MESH501: an annotation or label value that is not a string as Kubernetes reads YAML.

use crate::diagnostic::{Diagnostic, Edit, Fix, FixAvailability, RuleMeta, Severity};
use crate::k8s::MetaBlock;
use crate::rules::ResourceCheck;
use crate::source::TextRange;
pub(crate) use crate::yaml::edit::prefers_double;
use crate::yaml::edit::{is_json_document, quote, quote_double};
use crate::yaml::resolve::{resolve, ScalarType};
use crate::yaml::{NodeKind, NodeRef};

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH501",
    name: "annotation-value-not-string",
    severity: Severity::Error,
    fix: FixAvailability::Safe,
    summary: "An annotation or label value is not a string, so the API server rejects the object",
    page: include_str!("../../../rules/MESH501-annotation-value-not-string.md"),
};

/// Every `map[string]string` of a resource that Kubernetes types strictly, with a noun for
/// messages.
fn string_maps<'d, 'a>(cx: &ResourceCheck<'_, 'd, 'a>) -> Vec<(&'static str, NodeRef<'d, 'a>)> {
    let res = cx.res;
    let mut maps = Vec::new();
    let meta = |m: &MetaBlock<'d, 'a>, maps: &mut Vec<(&'static str, NodeRef<'d, 'a>)>| {
        if let Some((_, v)) = m.annotations {
            maps.push(("annotation", v.resolved()));
        }
        if let Some((_, v)) = m.labels {
            maps.push(("label", v.resolved()));
        }
    };
    meta(&res.meta, &mut maps);
    if let Some(jm) = &res.job_template_meta {
        meta(jm, &mut maps);
    }
    if let Some(pod) = &res.pod {
        if res.kind != "Pod" {
            meta(&pod.meta, &mut maps);
        }
        if let Some(ns) = pod.spec.and_then(|s| s.get("nodeSelector")) {
            maps.push(("nodeSelector value", ns.resolved()));
        }
    }
    let spec = res.root.get("spec").map(NodeRef::resolved);
    if let Some(spec) = spec {
        if res.kind == "Service" {
            if let Some(sel) = spec.get("selector") {
                maps.push(("selector value", sel.resolved()));
            }
        } else if let Some(ml) = spec.path(&["selector", "matchLabels"]) {
            maps.push(("matchLabels value", ml.resolved()));
        }
        // A CronJob's Job has its own selector.
        if let Some(ml) = spec.path(&["jobTemplate", "spec", "selector", "matchLabels"]) {
            maps.push(("matchLabels value", ml.resolved()));
        }
        for vct in spec
            .get("volumeClaimTemplates")
            .into_iter()
            .flat_map(|v| v.resolved().items())
        {
            let vct = vct.resolved();
            meta(&MetaBlock::of_public(Some(vct)), &mut maps);
            if let Some(ml) = vct.path(&["spec", "selector", "matchLabels"]) {
                maps.push(("matchLabels value", ml.resolved()));
            }
        }
    }
    maps.retain(|(_, m)| m.is_mapping());
    maps.dedup_by_key(|(_, m)| m.id);
    maps
}

/// A JSON rendering of a YAML node as Kubernetes would decode it, for turning a mapping into the
/// JSON string it should have been. `None` when something has no faithful JSON form.
pub(crate) fn to_json(node: NodeRef<'_, '_>, depth: usize) -> Option<String> {
    let node = node.resolved();
    if depth > 32 {
        return None;
    }
    match &node.node().kind {
        NodeKind::Mapping { .. } => {
            let mut parts = Vec::new();
            for (k, v) in node.entries() {
                let key = k.resolved().as_str()?;
                parts.push(format!(
                    "{}: {}",
                    serde_json::to_string(key).ok()?,
                    to_json(v, depth + 1)?
                ));
            }
            Some(if parts.is_empty() {
                "{}".into()
            } else {
                format!("{{ {} }}", parts.join(", "))
            })
        }
        NodeKind::Sequence { .. } => {
            let items: Option<Vec<String>> = node.items().map(|i| to_json(i, depth + 1)).collect();
            Some(format!("[{}]", items?.join(", ")))
        }
        NodeKind::Alias { .. } => None,
        NodeKind::Scalar { value, .. } => match resolve(node) {
            ScalarType::Null => Some("null".into()),
            ScalarType::Bool => Some(
                if matches!(
                    value.as_ref(),
                    "y" | "Y"
                        | "yes"
                        | "Yes"
                        | "YES"
                        | "true"
                        | "True"
                        | "TRUE"
                        | "on"
                        | "On"
                        | "ON"
                ) {
                    "true".into()
                } else {
                    "false".into()
                },
            ),
            ScalarType::Int | ScalarType::Float => {
                let v: &str = value;
                let json_number = v
                    .trim_start_matches('-')
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b == b'.')
                    && !v.starts_with('0')
                    && !v.ends_with('.');
                if json_number || v == "0" {
                    Some(v.to_owned())
                } else {
                    None
                }
            }
            _ => serde_json::to_string(value.as_ref()).ok(),
        },
    }
}

/// The range to replace when a value becomes a single-line scalar: a block collection is
/// replaced from just after its key's colon.
pub(crate) fn value_replace_range(
    text: &str,
    key: NodeRef<'_, '_>,
    value: NodeRef<'_, '_>,
) -> (TextRange, bool) {
    let v = value.node();
    let multiline = text[v.range.as_range()].contains(['\n', '\r'])
        || (v.props_start as usize) < v.range.start() as usize
            && text[v.props_start as usize..v.range.start() as usize].contains(['\n', '\r']);
    if multiline {
        let b = text.as_bytes();
        let mut i = key.range().end() as usize;
        while i < b.len() && b[i] != b':' {
            i += 1;
        }
        (
            TextRange::new((i + 1).min(b.len()) as u32, v.range.end()),
            true,
        )
    } else {
        (TextRange::new(v.props_start, v.range.end()), false)
    }
}

fn fix_for(
    cx: &ResourceCheck<'_, '_, '_>,
    key: NodeRef<'_, '_>,
    value: NodeRef<'_, '_>,
    ty: ScalarType,
) -> Option<Fix> {
    if value.node().anchored {
        return None;
    }
    let target = value.resolved();
    let double = prefers_double(cx.doc);
    let new_text = match ty {
        // JSON text reads best single-quoted in YAML; a JSON manifest needs a JSON string.
        ScalarType::Mapping if is_json_document(cx.doc) => quote_double(&to_json(target, 0)?),
        ScalarType::Mapping => quote(&to_json(target, 0)?, false),
        ScalarType::Sequence => {
            let parts: Option<Vec<&str>> = target
                .items()
                .map(crate::yaml::NodeRef::resolved)
                .map(|i| if i.is_scalar() { i.as_str() } else { None })
                .collect();
            quote(&parts?.join(","), double)
        }
        _ => quote(target.as_str()?, double),
    };
    let (range, multiline) = value_replace_range(cx.text, key, value);
    let content = if multiline {
        format!(" {new_text}")
    } else {
        new_text
    };
    let what = match ty {
        ScalarType::Mapping => "turn the mapping into a JSON string",
        ScalarType::Sequence => "join the list into a comma-separated string",
        _ => "quote the value",
    };
    Some(Fix::safe(what, [Edit::replace(range, content)]))
}

/// A YAML merge key (`<<: *labels`): go-yaml merges the mapping's entries in, so it is not an
/// entry with a mapping value (the merged values are checked where they are written).
fn is_merge(key: crate::yaml::NodeRef<'_, '_>, ty: ScalarType) -> bool {
    key.as_str() == Some("<<")
        && key.style() == Some(crate::yaml::ScalarStyle::Plain)
        && matches!(ty, ScalarType::Mapping | ScalarType::Sequence)
}

pub fn check(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    for (noun, map) in string_maps(cx) {
        for (key, value) in map.entries() {
            let ty = resolve(value);
            if matches!(ty, ScalarType::Str | ScalarType::Null) || is_merge(key, ty) {
                continue;
            }
            let name = key.resolved().as_str().unwrap_or("?");
            let shown = value.range().slice(cx.text);
            let shown = if shown.len() > 60 || shown.contains(['\n', '\r']) {
                format!(
                    "{}…",
                    shown
                        .split(['\n', '\r'])
                        .next()
                        .unwrap_or("")
                        .chars()
                        .take(40)
                        .collect::<String>()
                )
            } else {
                shown.to_owned()
            };
            let go = match ty {
                ScalarType::Bool => "bool",
                ScalarType::Int | ScalarType::Float => "number",
                ScalarType::Mapping => "object",
                _ => "array",
            };
            let d = Diagnostic::new(
                &RULE,
                value.range(),
                format!(
                    "{noun} `{name}` is {} (`{shown}`), not a string: the API server rejects the object (cannot unmarshal {go} into a string); quote it",
                    ty.describe()
                ),
            );
            out.push(d.with_optional_fix(fix_for(cx, key, value, ty)));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_util::{at, lint, pos};

    const CODE: &str = "MESH501";

    #[test]
    fn merge_keys_are_merged_not_values() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels: &labels\n    app: web\nspec:\n  selector:\n    matchLabels:\n      <<: *labels\n  template:\n    metadata:\n      labels:\n        <<: [*labels]\n        tier: 3\n    spec:\n      containers: [{name: web, image: web:1}]\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1, "{d:#?}");
        assert_eq!(pos(text, &d[0]), at(text, "3\n", 1));
        assert!(d[0].message.starts_with("label `tier` is an integer (`3`)"));
    }

    #[test]
    fn every_selector_of_a_workload_is_checked() {
        let cron = "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: report}\nspec:\n  schedule: \"0 * * * *\"\n  jobTemplate:\n    spec:\n      selector:\n        matchLabels:\n          shard: 3\n      template:\n        spec:\n          containers: [{name: c, image: x}]\n";
        let d = lint(cron, CODE);
        assert_eq!(d.len(), 1, "{d:#?}");
        assert_eq!(pos(cron, &d[0]), at(cron, "3\n", 1));
        assert!(d[0].message.starts_with("matchLabels value `shard`"));
        let sts = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  selector: {matchLabels: {app: db}}\n  template:\n    metadata: {labels: {app: db}}\n    spec:\n      containers: [{name: c, image: x}]\n  volumeClaimTemplates:\n    - metadata: {name: data}\n      spec:\n        selector:\n          matchLabels: {fast: true}\n";
        let d = lint(sts, CODE);
        assert_eq!(d.len(), 1, "{d:#?}");
        assert_eq!(pos(sts, &d[0]), at(sts, "true}", 1));
    }
}
