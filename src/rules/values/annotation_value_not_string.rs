//! MESH501: an annotation or label value that is not a string as Kubernetes reads YAML.

use crate::diagnostic::{Diagnostic, Edit, Fix, FixAvailability, RuleMeta, Severity};
use crate::k8s::MetaBlock;
use crate::rules::ResourceCheck;
use crate::source::TextRange;
use crate::yaml::edit::{
    column, is_json_document, prefers_double, quote, quote_double, value_replace_range,
};
use crate::yaml::resolve::{decode_error, resolve, ScalarType};
use crate::yaml::{NodeKind, NodeRef};

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH501",
    name: "annotation-value-not-string",
    severity: Severity::Error,
    fix: FixAvailability::Safe,
    summary: "An annotation or label value is not a string, so the API server rejects the object",
    page: include_str!("../../../rules/MESH501-annotation-value-not-string.md"),
};

/// Every `map[string]string` of a resource where labels live, with a noun for messages.
/// What a `matchLabels` map's values are called in messages.
const MATCH_LABELS: &str = "matchLabels value";

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
        // A Service's and a ReplicationController's selector is a plain label map.
        if res.kind == "Service" || res.kind == "ReplicationController" {
            if let Some(sel) = spec.get("selector") {
                maps.push(("selector value", sel.resolved()));
            }
        } else if let Some(ml) = spec.path(&["selector", "matchLabels"]) {
            maps.push((MATCH_LABELS, ml.resolved()));
        }
        // A CronJob's Job has its own selector.
        if let Some(ml) = spec.path(&["jobTemplate", "spec", "selector", "matchLabels"]) {
            maps.push((MATCH_LABELS, ml.resolved()));
        }
        for vct in spec
            .get("volumeClaimTemplates")
            .into_iter()
            .flat_map(|v| v.resolved().items())
        {
            let vct = vct.resolved();
            meta(&MetaBlock::of(Some(vct)), &mut maps);
            if let Some(ml) = vct.path(&["spec", "selector", "matchLabels"]) {
                maps.push((MATCH_LABELS, ml.resolved()));
            }
        }
    }
    if res.kind == "RuntimeClass" {
        if let Some(ns) = res.root.path(&["scheduling", "nodeSelector"]) {
            maps.push(("nodeSelector value", ns.resolved()));
        }
    }
    match_labels(cx, &mut maps);
    let mut seen = Vec::with_capacity(maps.len());
    maps.retain(|(_, m)| {
        let first = m.is_mapping() && !seen.contains(&m.id);
        seen.push(m.id);
        first
    });
    maps
}

/// Every `matchLabels` mapping written in the object: a LabelSelector's, wherever the kind keeps
/// one (NetworkPolicy selectors and peers, affinity terms, topology spread constraints,
/// PodDisruptionBudgets, webhooks, custom resources). Not searched: the metadata (its labels and
/// annotations are checked as such), free-form data (`data`, `stringData`, `binaryData`),
/// embedded Helm values (`values`, `valuesObject`), schemas (`properties`, `openAPIV3Schema`, a
/// CustomResourceDefinition), a List's items (objects of their own), and aliased subtrees (checked
/// where they are written).
fn match_labels<'d, 'a>(
    cx: &ResourceCheck<'_, 'd, 'a>,
    maps: &mut Vec<(&'static str, NodeRef<'d, 'a>)>,
) {
    let res = cx.res;
    let root = res.root;
    if res.kind == "CustomResourceDefinition" || !root.is_mapping() {
        return;
    }
    // Most objects have no selector but the ones already found (a workload's own): one pass
    // over the text decides whether the tree must be walked for more. A selector reached
    // through an alias is written elsewhere: it does not count.
    let r = root.range();
    let known = maps
        .iter()
        .filter(|(noun, m)| {
            *noun == MATCH_LABELS && r.start() <= m.range().start() && m.range().end() <= r.end()
        })
        .count();
    let written =
        memchr::memmem::find_iter(&cx.text.as_bytes()[root.range().as_range()], b"matchLabels")
            .count();
    if written <= known {
        return;
    }
    let list = res.kind.ends_with("List");
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        let at_root = node.id == root.id;
        let mut push = |child: NodeRef<'d, 'a>| {
            if child.is_mapping() || child.is_sequence() {
                stack.push(child);
            }
        };
        if node.is_sequence() {
            node.items().for_each(&mut push);
            continue;
        }
        for (key, value) in node.entries() {
            match key.as_str() {
                Some("matchLabels") => maps.push((MATCH_LABELS, value.resolved())),
                Some("metadata" | "data" | "stringData" | "binaryData") if at_root => {}
                Some("items") if at_root && list => {}
                Some("values" | "valuesObject" | "properties" | "openAPIV3Schema") => {}
                _ => push(value),
            }
        }
    }
}

/// A JSON rendering of a YAML node as Kubernetes would decode it, for turning a mapping into the
/// JSON string it should have been. `None` when something has no faithful JSON form (a merge
/// key), or when it would pass 256 KiB, the most all of an object's annotations may hold: an
/// alias bomb is never expanded further.
fn to_json(node: NodeRef<'_, '_>) -> Option<String> {
    json_of(node, 0, &mut (256 * 1024))
}

/// [`to_json`], with the bytes (and nodes) still allowed in `budget`.
fn json_of(node: NodeRef<'_, '_>, depth: usize, budget: &mut usize) -> Option<String> {
    let node = node.resolved();
    if depth > 32 {
        return None;
    }
    *budget = budget.checked_sub(1)?;
    match &node.node().kind {
        NodeKind::Mapping { .. } => {
            if node.has_merge_key() {
                return None;
            }
            let mut parts = Vec::new();
            for (k, v) in node.literal_entries() {
                let key = k.resolved().as_str()?;
                *budget = budget.checked_sub(key.len())?;
                parts.push(format!(
                    "{}: {}",
                    serde_json::to_string(key).ok()?,
                    json_of(v, depth + 1, budget)?
                ));
            }
            Some(if parts.is_empty() {
                "{}".into()
            } else {
                format!("{{ {} }}", parts.join(", "))
            })
        }
        NodeKind::Sequence { .. } => {
            let items: Option<Vec<String>> = node
                .items()
                .map(|i| json_of(i, depth + 1, budget))
                .collect();
            Some(format!("[{}]", items?.join(", ")))
        }
        NodeKind::Alias { .. } => None,
        NodeKind::Scalar { value, .. } => {
            *budget = budget.checked_sub(value.len())?;
            match resolve(node) {
                ScalarType::Null => Some("null".into()),
                ScalarType::Bool => Some(if crate::yaml::resolve::is_true_word(value) {
                    "true".into()
                } else {
                    "false".into()
                }),
                // Only text that is already a JSON number (`.5`, `0755`, `1e3` are not).
                ScalarType::Int | ScalarType::Float => {
                    is_json_number(value).then(|| value.to_string())
                }
                _ => serde_json::to_string(value.as_ref()).ok(),
            }
        }
    }
}

/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?`
fn is_json_number(v: &str) -> bool {
    let v = v.strip_prefix('-').unwrap_or(v);
    let (int, frac) = v.split_once('.').unwrap_or((v, "1"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(int) && (int == "0" || !int.starts_with('0')) && digits(frac)
}

fn fix_for(
    cx: &ResourceCheck<'_, '_, '_>,
    key: NodeRef<'_, '_>,
    value: NodeRef<'_, '_>,
    ty: ScalarType,
    undecodable: bool,
) -> Option<Fix> {
    if value.node().anchored {
        return None;
    }
    let target = value.resolved();
    let double = prefers_double(cx.doc);
    let mut safe = true;
    let new_text = match ty {
        _ if undecodable => quote(target.as_str()?, double),
        // JSON text reads best single-quoted in YAML; a JSON manifest needs a JSON string.
        ScalarType::Mapping if is_json_document(cx.doc) => quote_double(&to_json(target)?),
        ScalarType::Mapping => quote(&to_json(target)?, false),
        ScalarType::Sequence => {
            let parts: Option<Vec<&str>> = target
                .items()
                .map(crate::yaml::NodeRef::resolved)
                .map(|i| if i.is_scalar() { i.as_str() } else { None })
                .collect();
            let parts = parts?;
            // The documented remedy is for lists of CIDRs or ports, which Istio reads comma-separated;
            // any other list may want another form (JSON), so a human decides.
            safe = !parts.is_empty()
                && (parts.iter().all(|p| is_address(p)) || parts.iter().all(|p| is_port(p)));
            if !safe && parts.iter().any(|p| p.contains(',')) {
                return None; // Joined, the elements could not be told apart.
            }
            quote(&parts.join(","), double)
        }
        _ => quote(target.as_str()?, double),
    };
    let (mut range, mut multiline) = value_replace_range(cx.text, key, value);
    let has_comment = |r: TextRange| {
        cx.doc
            .comments
            .iter()
            .any(|c| r.start() <= c.start() && c.start() < r.end())
    };
    if has_comment(range) {
        // Comments inside a list or mapping have no place in a string: leave it to a human.
        // Comments before it (between the key and the value's own line) stay where they are,
        // and the string takes the value's place, indented under its key.
        let own = TextRange::new(value.node().props_start, range.end());
        let col = |offset: u32| column(cx.text, offset as usize);
        if !multiline || has_comment(own) || col(own.start()) <= col(key.range().start()) {
            return None;
        }
        (range, multiline) = (own, false);
    }
    let content = if multiline {
        format!(" {new_text}")
    } else {
        new_text
    };
    let what = match ty {
        _ if undecodable => "drop the tag and quote the text",
        ScalarType::Mapping => "turn the mapping into a JSON string",
        ScalarType::Sequence => "join the list into a comma-separated string",
        _ => "quote the value",
    };
    let edits = [Edit::replace(range, content)];
    Some(if safe {
        Fix::safe(what, edits)
    } else {
        Fix::unsafe_(what, edits)
    })
}

/// An IP address or CIDR, as a capture-list element is written.
fn is_address(s: &str) -> bool {
    s.parse::<std::net::IpAddr>().is_ok() || s.parse::<ipnet::IpNet>().is_ok()
}

/// A port number as a port-list element is written.
fn is_port(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 5
        && s.bytes().all(|b| b.is_ascii_digit())
        && s.parse::<u32>().is_ok_and(|p| p <= 65535)
}

/// A YAML merge key (`<<: *labels`, `<<: [*a, *b]`, `<<: {k: v}`): go-yaml merges the named
/// mappings' entries in, so it is not an entry with a mapping value.
fn is_merge(key: NodeRef<'_, '_>, value: NodeRef<'_, '_>) -> bool {
    key.as_str() == Some("<<")
        && key.style() == Some(crate::yaml::ScalarStyle::Plain)
        && matches!(resolve(value), ScalarType::Mapping | ScalarType::Sequence)
}

/// One key of a label map as go-yaml decodes it: written in the map, or merged in by `<<`.
struct Entry<'d, 'a> {
    key: NodeRef<'d, 'a>,
    value: NodeRef<'d, 'a>,
    merged: bool,
    /// For an entry merged through an alias (`<<: *labels`): that alias, written in the checked
    /// map, where the finding points (the anchored mapping may serve other places too).
    via: Option<NodeRef<'d, 'a>>,
    /// Whether the value may be edited in place: nothing on the way to it is anchored.
    own: bool,
}

/// Walks a merge source into `out` as go-yaml v2 writes it (`decode.go`, `merge`): a mapping's
/// entries in order, its own merges where they stand; of a sequence of mappings, the last first
/// (so the first wins). `budget` bounds the work on hostile input (merges of merges of aliases).
fn merge_into<'d, 'a>(
    map: NodeRef<'d, 'a>,
    via: Option<NodeRef<'d, 'a>>,
    own: bool,
    depth: usize,
    out: &mut Vec<Entry<'d, 'a>>,
    budget: &mut usize,
) {
    for (key, value) in map.literal_entries() {
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        if !is_merge(key, value) {
            out.push(Entry {
                key,
                value,
                merged: depth > 0,
                via,
                own,
            });
            continue;
        }
        if depth >= 8 {
            continue;
        }
        let source = value.resolved();
        let sources: Vec<NodeRef<'d, 'a>> = if source.is_sequence() {
            source.items().collect()
        } else {
            vec![value]
        };
        for item in sources.into_iter().rev() {
            let m = item.resolved();
            if m.is_mapping() {
                let alias = if value.is_alias() {
                    Some(value)
                } else {
                    item.is_alias().then_some(item)
                };
                let own = own && alias.is_none() && !m.node().anchored && !source.node().anchored;
                merge_into(m, via.or(alias), own, depth + 1, out, budget);
            }
        }
    }
}

pub fn check(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    // Only Kubernetes objects reach the API server: a document without a `kind` (a tool's own
    // configuration, Helm values) is none.
    if cx.res.kind.is_empty() {
        return;
    }
    let maps = string_maps(cx);
    for &(noun, map) in &maps {
        if !map.literal_entries().any(|(k, v)| is_merge(k, v)) {
            for (key, value) in map.literal_entries() {
                let entry = Entry {
                    key,
                    value,
                    merged: false,
                    via: None,
                    own: true,
                };
                report(cx, noun, &entry, out);
            }
            continue;
        }
        let mut entries = Vec::new();
        merge_into(map, None, true, 0, &mut entries, &mut 4096);
        for (i, e) in entries.iter().enumerate() {
            // A later write of the key replaces this one; two written entries are MESH503's,
            // and each is still checked.
            let replaced = entries[i + 1..].iter().any(|l| {
                (e.merged || l.merged) && key_name(l).is_some() && key_name(l) == key_name(e)
            });
            // A value merged through an alias that is itself written in a checked map is
            // reported there, with its fix.
            let elsewhere = e.via.is_some()
                && maps
                    .iter()
                    .any(|(_, m)| m.literal_entries().any(|(_, v)| v.id == e.value.id));
            if !replaced && !elsewhere {
                report(cx, noun, e, out);
            }
        }
    }
}

fn key_name<'d>(e: &Entry<'d, '_>) -> Option<&'d str> {
    e.key.resolved().as_str()
}

fn report(
    cx: &ResourceCheck<'_, '_, '_>,
    noun: &str,
    e: &Entry<'_, '_>,
    out: &mut Vec<Diagnostic>,
) {
    let value = e.value;
    let undecodable = decode_error(value);
    let ty = resolve(value);
    if undecodable.is_none() && matches!(ty, ScalarType::Str | ScalarType::Null) {
        return;
    }
    let name = e.key.resolved().as_str().unwrap_or("?");
    let n = value.node();
    let written = if undecodable.is_some() {
        TextRange::new(n.props_start, n.range.end())
    } else {
        n.range
    };
    let shown = written.slice(cx.text);
    let mut shown = if shown.len() > 60 || shown.contains(['\n', '\r']) {
        format!(
            "`{}…`",
            shown
                .split(['\n', '\r'])
                .next()
                .unwrap_or("")
                .chars()
                .take(40)
                .collect::<String>()
        )
    } else {
        format!("`{shown}`")
    };
    if let Some(alias) = e.via {
        let line = cx.doc.line_of(cx.text, value.range().start());
        shown = format!(
            "{shown} on line {line}, merged in by `<<: {}`",
            alias.range().slice(cx.text)
        );
    } else if e.merged {
        shown.push_str(", merged in by `<<`");
    }
    let message = match &undecodable {
        Some(why) => format!(
            "{noun} `{name}` cannot be decoded ({shown}): go-yaml refuses it ({why}), so kubectl rejects the whole document; drop the tag"
        ),
        None => {
            let go = match ty {
                ScalarType::Bool => "bool",
                ScalarType::Int | ScalarType::Float => "number",
                ScalarType::Mapping => "object",
                _ => "array",
            };
            format!(
                "{noun} `{name}` is {} ({shown}), not a string: the API server rejects the object (cannot unmarshal {go} into a string); quote it",
                ty.describe()
            )
        }
    };
    let at = e.via.map_or(value.range(), NodeRef::range);
    let fix = if e.via.is_none() && e.own {
        fix_for(cx, e.key, value, ty, undecodable.is_some())
    } else {
        None
    };
    out.push(Diagnostic::new(&RULE, at, message).with_optional_fix(fix));
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Applicability;
    use crate::rules::test_util::{at, fixed, lint, pos};

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

    #[test]
    fn every_label_selector_and_plain_selector_is_checked() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ReplicationController\n  metadata: {name: rc}\n  spec:\n    selector:\n      app: 1\n    template:\n      metadata: {labels: {app: \"1\"}}\n      spec:\n        affinity:\n          podAffinity:\n            preferredDuringSchedulingIgnoredDuringExecution:\n            - weight: 1\n              podAffinityTerm:\n                labelSelector: {matchLabels: {a: 2}}\n                namespaceSelector: {matchLabels: {b: yes}}\n                topologyKey: zone\n        topologySpreadConstraints:\n        - labelSelector:\n            matchLabels: {c: 0x1F}\n        containers: []\n- apiVersion: networking.k8s.io/v1\n  kind: NetworkPolicy\n  metadata: {name: np}\n  spec:\n    podSelector:\n      matchLabels: {tier: 3}\n    ingress:\n    - from:\n      - namespaceSelector: {matchLabels: {team: 4}}\n    egress:\n    - to:\n      - podSelector: {matchLabels: {role: 5}}\n- apiVersion: policy/v1\n  kind: PodDisruptionBudget\n  metadata: {name: pdb}\n  spec:\n    selector: {matchLabels: {app: 6.0}}\n- apiVersion: admissionregistration.k8s.io/v1\n  kind: ValidatingWebhookConfiguration\n  metadata: {name: hook}\n  webhooks:\n  - name: a.example.com\n    objectSelector: {matchLabels: {x: 7}}\n- apiVersion: node.k8s.io/v1\n  kind: RuntimeClass\n  metadata: {name: rt}\n  handler: runc\n  scheduling:\n    nodeSelector: {pool: 8}\n";
        let d = lint(text, CODE);
        let got: Vec<_> = d
            .iter()
            .map(|d| {
                (
                    pos(text, d),
                    d.message.split(" is ").next().unwrap().to_owned(),
                )
            })
            .collect();
        let want = [
            (at(text, "1\n    template", 1), "selector value `app`"),
            (at(text, "2}", 1), "matchLabels value `a`"),
            (at(text, "yes}", 1), "matchLabels value `b`"),
            (at(text, "0x1F", 1), "matchLabels value `c`"),
            (at(text, "3}", 1), "matchLabels value `tier`"),
            (at(text, "4}", 1), "matchLabels value `team`"),
            (at(text, "5}", 1), "matchLabels value `role`"),
            (at(text, "6.0", 1), "matchLabels value `app`"),
            (at(text, "7}", 1), "matchLabels value `x`"),
            (at(text, "8}", 1), "nodeSelector value `pool`"),
        ];
        let mut got_sorted = got.clone();
        got_sorted.sort();
        let mut want: Vec<_> = want.iter().map(|(p, m)| (*p, (*m).to_owned())).collect();
        want.sort();
        assert_eq!(got_sorted, want, "{d:#?}");
        assert!(d.iter().all(|d| d.fix.is_some()));
    }

    #[test]
    fn a_selector_borrowed_through_an_alias_does_not_hide_the_objects_own() {
        // The Deployment's selector is the PDB's, by alias: its affinity selector is checked.
        let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: policy/v1\n  kind: PodDisruptionBudget\n  metadata: {name: pdb}\n  spec:\n    selector: &sel\n      matchLabels: {app: web}\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: d}\n  spec:\n    selector: *sel\n    template:\n      metadata:\n        labels: {app: web}\n      spec:\n        containers: []\n        affinity:\n          podAntiAffinity:\n            requiredDuringSchedulingIgnoredDuringExecution:\n            - labelSelector:\n                matchLabels: {tier: 1}\n              topologyKey: zone\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1, "{d:#?}");
        assert_eq!(pos(text, &d[0]), at(text, "1}", 1));
    }

    #[test]
    fn free_form_data_and_schemas_are_not_selectors() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  matchLabels: \"1\"\n---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: things.example.com}\nspec:\n  versions:\n  - name: v1\n    schema:\n      openAPIV3Schema:\n        properties:\n          matchLabels:\n            type: object\n            additionalProperties: {type: string}\n---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: h}\nspec:\n  values:\n    podSelector:\n      matchLabels: {shard: 1}\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: s}\n  spec:\n    selector: {app: web}\n    x:\n      matchLabels: {n: 2}\n";
        let d = lint(text, CODE);
        // Only the Service's own (custom) matchLabels, once, though the List holds it too.
        assert_eq!(d.len(), 1, "{d:#?}");
        assert_eq!(pos(text, &d[0]), at(text, "2}", 1));
    }

    #[test]
    fn documents_that_are_not_objects_are_not_checked() {
        let text = "name: some-tool-config\nmetadata:\n  labels:\n    version: 1\n  annotations:\n    enabled: true\n---\nkind: \"\"\nmetadata:\n  labels: {v: 1}\n";
        assert!(lint(text, CODE).is_empty());
        let patch = "kind: Deployment\nmetadata:\n  name: web\n  labels: {v: 1}\n";
        assert_eq!(lint(patch, CODE).len(), 1);
    }

    #[test]
    fn merged_values_are_checked_where_go_yaml_puts_them() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: c\n    annotations:\n      base: &base {role: 9, zone: 1}\n    labels:\n      <<: {version: 1}\n      team: core\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: d\n    labels:\n      <<: [*base, {tier: 3, role: x}]\n      zone: z\n";
        let d = lint(text, CODE);
        let labels: Vec<_> = d
            .iter()
            .filter(|d| d.message.starts_with("label"))
            .collect();
        assert_eq!(labels.len(), 3, "{d:#?}");
        // Written inline: at the value, with the usual fix.
        assert_eq!(pos(text, labels[0]), at(text, "1}", 2));
        assert!(labels[0]
            .message
            .starts_with("label `version` is an integer (`1`, merged in by `<<`)"));
        let fixed_text = fixed(text, labels[0]);
        assert!(fixed_text.contains("<<: {version: \"1\"}"), "{fixed_text}");
        // Through an alias: at the alias, no fix (the anchored mapping may serve elsewhere).
        // `role` comes from `*base` (the first source wins over `{role: x}`); `zone` is written
        // after the merge, so it replaces the merged `1`.
        assert_eq!(pos(text, labels[1]), at(text, "*base", 1));
        assert!(
            labels[1].message.starts_with(
                "label `role` is an integer (`9` on line 9, merged in by `<<: *base`)"
            ),
            "{}",
            labels[1].message
        );
        assert!(labels[1].fix.is_none());
        assert_eq!(pos(text, labels[2]), at(text, "3,", 1));
        assert!(labels[2].fix.is_some());
    }

    #[test]
    fn a_merged_value_written_in_a_checked_map_is_reported_once() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels: &labels\n    app: web\n    version: 2\nspec:\n  selector:\n    matchLabels:\n      <<: *labels\n  template:\n    metadata:\n      labels:\n        <<: *labels\n    spec:\n      containers: []\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1, "{d:#?}");
        assert_eq!(pos(text, &d[0]), at(text, "2\n", 1));
        assert!(d[0].fix.is_some());
    }

    #[test]
    fn tagged_values_go_yaml_refuses_are_reported() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels:\n    a: !!int \"abc\"\n    b: !!bool \"1\"\n    c: !!null x\n    d: !<tag:yaml.org,2002:int> 8\n    e: !!str 8\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 4, "{d:#?}");
        assert_eq!(pos(text, &d[0]), at(text, "\"abc\"", 1));
        assert_eq!(
            d[0].message,
            "label `a` cannot be decoded (`!!int \"abc\"`): go-yaml refuses it (cannot decode !!str `abc` as a !!int), so kubectl rejects the whole document; drop the tag"
        );
        assert!(fixed(text, &d[0]).contains("    a: \"abc\"\n"));
        assert!(d[1]
            .message
            .contains("(cannot decode !!int `1` as a !!bool)"));
        assert!(fixed(text, &d[2]).contains("    c: \"x\"\n"));
        assert!(d[3].message.starts_with("label `d` is an integer (`8`)"));
        assert!(fixed(text, &d[3]).contains("    d: \"8\"\n"));
    }

    #[test]
    fn a_fix_never_drops_a_comment() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    traffic.sidecar.istio.io/excludeOutboundIPRanges:\n      # Vault cluster\n      - 10.20.0.0/16\n    traffic.sidecar.istio.io/excludeOutboundPorts: [8200, # vault\n      8201]\n    proxy.istio.io/config:\n      holdApplicationUntilProxyStarts: true  # the race\n    ports: [8200, 8201]  # after the value\nspec:\n  containers: []\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 4, "{d:#?}");
        // A comment above the list stays above the string that replaces it.
        assert!(fixed(text, &d[0])
            .contains("excludeOutboundIPRanges:\n      # Vault cluster\n      \"10.20.0.0/16\"\n"));
        // One between the elements has no place in a string.
        assert!(d[1].fix.is_none(), "{d:#?}");
        // A comment after the value is outside what the fix replaces.
        assert!(fixed(text, &d[2]).contains(
            "    proxy.istio.io/config: '{ \"holdApplicationUntilProxyStarts\": true }'  # the race\n"
        ));
        assert!(fixed(text, &d[3]).contains("    ports: \"8200,8201\"  # after the value\n"));
    }

    #[test]
    fn an_indentless_list_becomes_a_string_on_its_key_line() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    a:\n    - 10.0.0.0/8\n    b:\n    # vault\n    - 8200\nspec:\n  containers: []\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 2, "{d:#?}");
        assert!(fixed(text, &d[0]).contains("    a: \"10.0.0.0/8\"\n    b:\n"));
        // In place the string would sit at the key's column; the comment stops the other way.
        assert!(d[1].fix.is_none(), "{d:#?}");
    }

    #[test]
    fn a_mapping_becomes_json_only_when_it_has_a_faithful_json_form() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    a: {n: 0.5, m: -1, o: 10.25}\n    b: {n: .5}\n    c: {n: 0755}\n    d: {<<: {n: \"1\"}}\nspec:\n  containers: []\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 4, "{d:#?}");
        assert!(fixed(text, &d[0]).contains("    a: '{ \"n\": 0.5, \"m\": -1, \"o\": 10.25 }'\n"));
        assert!(d[1..].iter().all(|d| d.fix.is_none()), "{d:#?}");
    }

    #[test]
    fn an_alias_bomb_is_not_expanded_into_a_fix() {
        let mut text = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\n  annotations:\n    a: &a [x, y, z, w]\n");
        let mut prev = 'a';
        for name in 'b'..='i' {
            let refs = vec![format!("*{prev}"); 9].join(", ");
            text += &[
                "    ",
                &name.to_string(),
                ": &",
                &name.to_string(),
                " [",
                &refs,
                "]\n",
            ]
            .concat();
            prev = name;
        }
        text += &["    z: {k: [", &["*i"; 9].join(", "), "]}\n"].concat();
        let d = lint(&text, CODE);
        let z = d
            .iter()
            .find(|d| d.message.contains("`z`"))
            .expect("z is reported");
        assert!(z.fix.is_none());
    }

    #[test]
    fn only_lists_of_addresses_or_ports_join_safely() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    a: [10.0.0.0/8, 1.2.3.4, \"::1\"]\n    b: [80, 443]\n    c: [eth0, eth1]\n    d: [1, \"a,b\"]\n    e: [10.0.0.0/8, 80]\n    f: []\nspec:\n  containers: []\n";
        let d = lint(text, CODE);
        let fix = |i: usize| d[i].fix.as_ref().map(|f| f.applicability);
        assert_eq!(d.len(), 6, "{d:#?}");
        assert_eq!(fix(0), Some(Applicability::Safe));
        assert!(fixed(text, &d[0]).contains("    a: \"10.0.0.0/8,1.2.3.4,::1\"\n"));
        assert_eq!(fix(1), Some(Applicability::Safe));
        assert_eq!(fix(2), Some(Applicability::Unsafe));
        assert!(fixed(text, &d[2]).contains("    c: \"eth0,eth1\"\n"));
        assert_eq!(fix(3), None);
        assert_eq!(fix(4), Some(Applicability::Unsafe));
        assert_eq!(fix(5), Some(Applicability::Unsafe));
    }
}
