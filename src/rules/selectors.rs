//! Fixes that change a pod label, and the selectors that match it.
//!
//! A workload's selector must match its pod template's labels (the API server rejects the
//! object otherwise), and a Service selects pods by label. A fix that renames a pod-template
//! label or changes its value therefore changes the selector of the same workload the same way,
//! and is then unsafe: the selector of an existing Deployment, StatefulSet, DaemonSet, ReplicaSet
//! or Job is immutable, so applying the fix means recreating the object. When the selector cannot
//! be changed consistently, the fix is not offered and the finding says why. A Service of the same
//! file that selects the pod through the old label is named in the fix's message.

use crate::diagnostic::{Applicability, Edit, Fix};
use crate::k8s::{extract_resources, scalar_string, MetaBlock};
use crate::rules::ResourceCheck;
use crate::yaml::{self, NodeRef};
use std::fmt::Write as _;

/// What a fix does to one pod label.
#[derive(Clone, Copy, Debug)]
pub(crate) enum LabelChange<'s> {
    /// The value of label `key` goes from `old` to `new`.
    Value {
        key: &'s str,
        old: &'s str,
        new: &'s str,
    },
    /// Label `old` (with `value`) is renamed to `new`.
    Rename {
        old: &'s str,
        new: &'s str,
        value: &'s str,
    },
}

impl LabelChange<'_> {
    /// The value label `key` has before and after the fix.
    fn before_after(&self, key: &str) -> (Option<String>, Option<String>) {
        match *self {
            LabelChange::Value { key: k, old, new } if k == key => {
                (Some(old.to_owned()), Some(new.to_owned()))
            }
            LabelChange::Rename { old, value, .. } if old == key => (Some(value.to_owned()), None),
            LabelChange::Rename { new, value, .. } if new == key => (None, Some(value.to_owned())),
            _ => (None, None),
        }
    }

    fn names(&self, key: &str) -> bool {
        match *self {
            LabelChange::Value { key: k, .. } => k == key,
            LabelChange::Rename { old, new, .. } => old == key || new == key,
        }
    }

    /// The label as it is before the fix.
    fn old_pair(&self) -> (&str, &str) {
        match *self {
            LabelChange::Value { key, old, .. } => (key, old),
            LabelChange::Rename { old, value, .. } => (old, value),
        }
    }
}

/// The operator of one requirement of a label selector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    /// A `matchLabels` entry (or an entry of a plain-map selector).
    Equals,
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

struct Requirement<'d, 'a> {
    key: String,
    op: Op,
    /// The node naming the key: a `matchLabels` key or an expression's `key` value.
    key_node: NodeRef<'d, 'a>,
    /// The `matchLabels` value, or the `values` items.
    values: Vec<NodeRef<'d, 'a>>,
    /// Reached through an alias or an anchored node: an edit there changes other places too.
    shared: bool,
}

impl Requirement<'_, '_> {
    fn matches(&self, label: Option<&str>) -> bool {
        let values: Vec<Option<&str>> = self.values.iter().map(|v| scalar_string(*v)).collect();
        match self.op {
            Op::Equals => label.is_some() && values.first().copied().flatten() == label,
            Op::In => label.is_some() && values.contains(&label),
            Op::NotIn => label.is_none() || !values.contains(&label),
            Op::Exists => label.is_some(),
            Op::DoesNotExist => label.is_none(),
        }
    }
}

fn odd(node: NodeRef<'_, '_>) -> bool {
    node.is_alias() || node.node().anchored
}

/// Whether a mapping has a `<<` merge key written in it: a selector fix would have to edit the
/// merged mapping too, so such selectors are left alone.
fn has_merge_key(map: NodeRef<'_, '_>) -> bool {
    map.literal_entries().any(|(k, _)| k.as_str() == Some("<<"))
}

/// Where a workload kind keeps its selector.
struct SelectorAt<'d, 'a> {
    path: &'static str,
    /// A `LabelSelector` (`matchLabels`, `matchExpressions`), not a plain map.
    label_selector: bool,
    node: NodeRef<'d, 'a>,
    /// Reached through an alias or an anchor.
    shared: bool,
}

fn selector_of<'d, 'a>(cx: &ResourceCheck<'_, 'd, 'a>) -> Option<SelectorAt<'d, 'a>> {
    let res = cx.res;
    let spec = res.root.get("spec")?;
    let mut shared = odd(spec);
    let spec = spec.resolved();
    let (path, spec, label_selector) = match res.kind {
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" | "Rollout" => {
            ("spec.selector", spec, true)
        }
        "DeploymentConfig" | "ReplicationController" => ("spec.selector", spec, false),
        "CronJob" => {
            let job = spec.get("jobTemplate")?;
            let job_spec = job.resolved().get("spec")?;
            shared = shared || odd(job) || odd(job_spec);
            ("spec.jobTemplate.spec.selector", job_spec.resolved(), true)
        }
        _ => return None,
    };
    Some(SelectorAt {
        path,
        label_selector,
        node: spec.get("selector")?,
        shared,
    })
}

/// Reads a selector into requirements, or says why it cannot be read.
fn requirements<'d, 'a>(at: &SelectorAt<'d, 'a>) -> Result<Vec<Requirement<'d, 'a>>, String> {
    let path = at.path;
    let mut out = Vec::new();
    let shared = at.shared || odd(at.node);
    let selector = at.node.resolved();
    if selector.is_null() {
        return Ok(out);
    }
    if !selector.is_mapping() {
        return Err(format!("`{path}` is not a mapping"));
    }
    if has_merge_key(selector) {
        return Err(format!("`{path}` uses a merge key (`<<`)"));
    }
    let (labels, labels_path) = if at.label_selector {
        (selector.get("matchLabels"), format!("{path}.matchLabels"))
    } else {
        (Some(selector), path.to_owned())
    };
    if let Some(labels) = labels.filter(|l| !l.resolved().is_null()) {
        let shared = shared || odd(labels);
        let labels = labels.resolved();
        if !labels.is_mapping() {
            return Err(format!("`{labels_path}` is not a mapping"));
        }
        if has_merge_key(labels) {
            return Err(format!("`{labels_path}` uses a merge key (`<<`)"));
        }
        for (k, v) in labels.entries() {
            let Some(key) = k.resolved().as_str() else {
                return Err(format!("`{labels_path}` has a key that is not a string"));
            };
            out.push(Requirement {
                key: key.to_owned(),
                op: Op::Equals,
                key_node: k,
                values: vec![v],
                shared: shared || odd(k) || odd(v),
            });
        }
    }
    if !at.label_selector {
        return Ok(out);
    }
    let Some(exprs) = selector.get("matchExpressions") else {
        return Ok(out);
    };
    let exprs_path = format!("{path}.matchExpressions");
    let shared = shared || odd(exprs);
    let exprs = exprs.resolved();
    if exprs.is_null() {
        return Ok(out);
    }
    if !exprs.is_sequence() {
        return Err(format!("`{exprs_path}` is not a list"));
    }
    for item in exprs.items() {
        let shared = shared || odd(item);
        let expr = item.resolved();
        if !expr.is_mapping() || has_merge_key(expr) {
            return Err(format!("an item of `{exprs_path}` cannot be read"));
        }
        let (Some((_, key_node)), Some(op)) = (expr.entry("key"), expr.get_str("operator")) else {
            return Err(format!("an item of `{exprs_path}` has no key or operator"));
        };
        let Some(key) = key_node.resolved().as_str() else {
            return Err(format!(
                "an item of `{exprs_path}` has a key that is not a string"
            ));
        };
        let op = match op {
            "In" => Op::In,
            "NotIn" => Op::NotIn,
            "Exists" => Op::Exists,
            "DoesNotExist" => Op::DoesNotExist,
            other => return Err(format!("`{exprs_path}` has operator `{other}`")),
        };
        let (values, values_shared) = match expr.get("values") {
            Some(v) if !v.resolved().is_null() => {
                if !v.resolved().is_sequence() {
                    return Err(format!(
                        "the values of `{key}` in `{exprs_path}` are not a list"
                    ));
                }
                (v.resolved().items().collect(), odd(v))
            }
            _ => (Vec::new(), false),
        };
        out.push(Requirement {
            key: key.to_owned(),
            op,
            key_node,
            values,
            shared: shared || values_shared || odd(key_node),
        });
    }
    Ok(out)
}

/// How a fix that changes a pod label stands with the selectors that match it.
pub(crate) struct Impact {
    /// Why no fix can be offered (to append to the finding's message), or `None`.
    pub blocked: Option<String>,
    /// The selector edits the fix must carry too.
    edits: Vec<Edit>,
    /// What the fix's message adds (the selector changed, Services that selected the old label).
    note: String,
    /// The selector changes, or a Service stops selecting the pod: a human looks first.
    needs_look: bool,
}

impl Impact {
    /// The fix `what` with `edits` (the label's own), as this impact makes it; `None` when
    /// blocked.
    pub(crate) fn fix(
        self,
        applicability: Applicability,
        what: String,
        edits: Vec<Edit>,
    ) -> Option<Fix> {
        if self.blocked.is_some() {
            return None;
        }
        let applicability = if self.needs_look {
            Applicability::Unsafe
        } else {
            applicability
        };
        let mut all = edits;
        for e in self.edits {
            if !all.iter().any(|x| x.range == e.range) {
                all.push(e);
            }
        }
        Some(Fix::new(applicability, what + &self.note, all))
    }
}

/// Whether `meta` is the pod metadata of the resource (a Pod's own, a workload's template).
pub(crate) fn is_pod_meta(cx: &ResourceCheck<'_, '_, '_>, meta: &MetaBlock<'_, '_>) -> bool {
    let id = |m: &MetaBlock<'_, '_>| m.metadata.map(|(_, v)| v.resolved().id);
    cx.res
        .pod
        .as_ref()
        .is_some_and(|p| id(&p.meta).is_some() && id(&p.meta) == id(meta))
}

/// How the fix that applies `change` to a label of the resource's pod (whose own edit rewrites
/// the scalar `edited`) stands with the workload's selector and the Services of the same file.
/// `edit` writes the change into a scalar of the selector as the fix writes it into the label
/// (a key for a rename, a value for a value change), in that scalar's own style.
pub(crate) fn label_change(
    cx: &ResourceCheck<'_, '_, '_>,
    change: LabelChange<'_>,
    edited: NodeRef<'_, '_>,
    edit: &dyn Fn(NodeRef<'_, '_>) -> Option<Edit>,
) -> Impact {
    let mut impact = Impact {
        blocked: None,
        edits: Vec::new(),
        note: String::new(),
        needs_look: false,
    };
    let mut selector_changed = false;
    if let Some(at) = selector_of(cx) {
        match requirements(&at).and_then(|reqs| selector_edits(&reqs, change, edited, edit)) {
            Ok((edits, changed)) => {
                impact.edits = edits;
                selector_changed = changed;
                if changed {
                    let _ = write!(
                        impact.note,
                        " in the pod template and in `{}`, which matches on it ({})",
                        at.path,
                        recreate(cx.res.kind)
                    );
                }
            }
            Err(why) => {
                impact.blocked = Some(format!(
                    "; no fix: `{}` matches on this label and cannot be changed with it ({why})",
                    at.path
                ));
                return impact;
            }
        }
    }
    let services = services_selecting(cx, change);
    if !services.is_empty() {
        let (k, v) = change.old_pair();
        let one = services.len() == 1;
        let _ = write!(
            impact.note,
            "; {} {} the old label `{k}: \"{v}\"` and stop{} matching these pods until changed too",
            services
                .iter()
                .map(|s| format!("Service {s}"))
                .collect::<Vec<_>>()
                .join(", "),
            if one { "selects" } else { "select" },
            if one { "s" } else { "" },
        );
    }
    impact.needs_look = selector_changed || !services.is_empty();
    impact
}

/// Why changing the selector of `kind` needs a look.
fn recreate(kind: &str) -> String {
    match kind {
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" => format!(
            "the selector of an existing {kind} is immutable: applying this means deleting and recreating the {kind}"
        ),
        _ => format!(
            "once applied, pods the {kind}'s old selector matched are no longer managed by it"
        ),
    }
}

/// The selector edits that keep the selector matching the pod after `change`, and whether the
/// selector changes at all (also when the label's own edit changes it, the two sharing an
/// anchor).
fn selector_edits(
    reqs: &[Requirement<'_, '_>],
    change: LabelChange<'_>,
    edited: NodeRef<'_, '_>,
    edit: &dyn Fn(NodeRef<'_, '_>) -> Option<Edit>,
) -> Result<(Vec<Edit>, bool), String> {
    let mut edits = Vec::new();
    let mut changed = false;
    let mut push = |node: NodeRef<'_, '_>, shared: bool, edits: &mut Vec<Edit>| {
        changed = true;
        if node.id == edited.id && std::ptr::eq(node.doc, edited.doc) {
            return Ok(()); // The label's own edit changes the selector too.
        }
        if shared || odd(node) {
            return Err("it reaches the label through an anchor or alias".to_owned());
        }
        edits.push(edit(node).ok_or_else(|| "its scalar cannot be rewritten in place".to_owned())?);
        Ok(())
    };
    for req in reqs.iter().filter(|r| change.names(&r.key)) {
        if let LabelChange::Rename { new, .. } = change {
            if req.key == new {
                return Err(format!("it already names `{new}`"));
            }
        }
        let (before, after) = change.before_after(&req.key);
        if !req.matches(before.as_deref()) {
            return Err("it does not match the label as it is now".to_owned());
        }
        match change {
            LabelChange::Rename { .. } => push(req.key_node, req.shared, &mut edits)?,
            LabelChange::Value { old, new, .. } => {
                if req.matches(after.as_deref()) {
                    continue;
                }
                if !matches!(req.op, Op::Equals | Op::In) {
                    return Err(format!(
                        "a `NotIn` requirement on `{}` excludes \"{new}\"",
                        req.key
                    ));
                }
                for v in &req.values {
                    if scalar_string(*v) == Some(old) {
                        push(*v, req.shared, &mut edits)?;
                    }
                }
            }
        }
    }
    Ok((edits, changed))
}

/// The Services of this file (all its documents) that select the pod through the label as it
/// is before `change`: their selector names the old label, and the rest of it matches the pod's
/// labels. A Service in another namespace does not count.
fn services_selecting(cx: &ResourceCheck<'_, '_, '_>, change: LabelChange<'_>) -> Vec<String> {
    let Some(pod) = &cx.res.pod else {
        return Vec::new();
    };
    let labels: Vec<(&str, &str)> = pod
        .meta
        .label_entries()
        .filter_map(|(k, v)| Some((k.resolved().as_str()?, scalar_string(v)?)))
        .collect();
    let (old_key, old_value) = change.old_pair();
    let mut out = Vec::new();
    for doc in yaml::parse(cx.text).iter().flatten() {
        for res in extract_resources(doc) {
            if res.kind != "Service" || res.api_version != "v1" {
                continue;
            }
            if let (Some(a), Some(b)) = (res.namespace, cx.res.namespace) {
                if a != b {
                    continue;
                }
            }
            let Some(selector) = res.root.path(&["spec", "selector"]).map(NodeRef::resolved) else {
                continue;
            };
            let pairs: Vec<(&str, Option<&str>)> = selector
                .entries()
                .filter_map(|(k, v)| Some((k.resolved().as_str()?, scalar_string(v))))
                .collect();
            let names_old = pairs
                .iter()
                .any(|&(k, v)| k == old_key && v == Some(old_value));
            let rest_matches = pairs
                .iter()
                .all(|&(k, v)| labels.iter().any(|&(lk, lv)| lk == k && Some(lv) == v));
            if names_old && rest_matches {
                let name = res.name.unwrap_or("(unnamed)").to_owned();
                if !out.contains(&name) {
                    out.push(name);
                }
            }
        }
    }
    out
}
