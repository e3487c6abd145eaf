//! `<<` merge keys as Kubernetes applies them.
//!
//! Kubernetes decodes YAML with go-yaml v2, which applies merge keys while it fills a map: it
//! walks a mapping's entries in order, sets each written key, and at a `<<` entry sets the
//! entries of the merged mapping (whose own `<<` entries apply where they stand), or, for a
//! sequence of mappings, those of the last mapping first and of the first last, so that earlier
//! mappings win. A key's value is the last one set. With the usual layout (`<<` first) local
//! keys win over merged ones; a key written *before* a `<<` that merges the same key is
//! overridden by it, as go-yaml v2 does.
//!
//! A `<<` whose value is not a mapping, an alias to one, or a sequence of those makes go-yaml
//! refuse the whole document; here it is ignored, so lookups see the written entries (the
//! document is not one Kubernetes would accept anyway).
//!
//! Merged mappings are reached through aliases, which can name one mapping many times (an
//! alias bomb) or, through a mapping's own anchor, itself: each mapping is walked at most once
//! per lookup (a later walk could only set keys the first one already set last), nesting is
//! bounded, and so is the number of entries looked at.

use super::{is_merge_key, Document, NodeId, NodeKind};
use std::collections::HashSet;

/// How deeply merges may nest (a merged mapping merging another…).
const MAX_MERGE_DEPTH: usize = 32;

/// How many entries one lookup looks at, at most.
const MAX_MERGE_STEPS: usize = 4096;

/// Walks the writes go-yaml makes into mapping `map` from the last to the first, calling `f`
/// with `(key, value, written in map itself)` until it returns `true`.
fn walk_back(doc: &Document<'_>, map: NodeId, f: &mut dyn FnMut(NodeId, NodeId, bool) -> bool) {
    struct Walk<'w, 'd, 'a> {
        doc: &'d Document<'a>,
        seen: HashSet<NodeId>,
        steps: usize,
        f: &'w mut dyn FnMut(NodeId, NodeId, bool) -> bool,
    }
    impl Walk<'_, '_, '_> {
        /// `true` when done (the callback stopped, or the budget ran out).
        fn mapping(&mut self, map: NodeId, depth: usize) -> bool {
            if !self.seen.insert(map) {
                return false;
            }
            let doc = self.doc;
            for &(k, v) in doc.mapping_entries(map).iter().rev() {
                if self.steps == 0 {
                    return true;
                }
                self.steps -= 1;
                if !is_merge_key(doc.node(k)) {
                    if (self.f)(k, v, depth == 0) {
                        return true;
                    }
                    continue;
                }
                if depth >= MAX_MERGE_DEPTH {
                    continue;
                }
                let source = doc.get(v).resolved();
                let done = match source.node().kind {
                    NodeKind::Mapping { .. } => self.mapping(source.id, depth + 1),
                    // Written last to first, so walked back first to last.
                    NodeKind::Sequence { .. } => source.items().any(|item| {
                        let m = item.resolved();
                        m.is_mapping() && self.mapping(m.id, depth + 1)
                    }),
                    _ => false,
                };
                if done {
                    return true;
                }
            }
            false
        }
    }
    Walk {
        doc,
        seen: HashSet::new(),
        steps: MAX_MERGE_STEPS,
        f,
    }
    .mapping(map, 0);
}

fn key_str<'d>(doc: &'d Document<'_>, k: NodeId) -> Option<&'d str> {
    doc.get(k).as_str()
}

/// The `(key, value)` Kubernetes keeps for scalar key `key` in mapping `map`.
pub(super) fn lookup(doc: &Document<'_>, map: NodeId, key: &str) -> Option<(NodeId, NodeId)> {
    let mut found = None;
    walk_back(doc, map, &mut |k, v, _| {
        let hit = key_str(doc, k) == Some(key);
        if hit {
            found = Some((k, v));
        }
        hit
    });
    found
}

/// The merged view of mapping `map` (see [`super::NodeRef::entries`]).
pub(super) fn merged_pairs(doc: &Document<'_>, map: NodeId) -> Vec<(NodeId, NodeId)> {
    // Walking back, the first write of a key is the one in effect. A written entry stays unless
    // a merge sets its key after it (two written entries of one key are MESH503's, both seen).
    let mut set: HashSet<&str> = HashSet::new();
    let mut merged_set: HashSet<&str> = HashSet::new();
    let mut local = Vec::new();
    let mut merged = Vec::new();
    walk_back(doc, map, &mut |k, v, is_local| {
        let name = key_str(doc, k);
        if is_local {
            if !name.is_some_and(|n| merged_set.contains(n)) {
                local.push((k, v));
            }
            if let Some(n) = name {
                set.insert(n);
            }
        } else if let Some(n) = name {
            if set.insert(n) {
                merged_set.insert(n);
                merged.push((k, v));
            }
        } else {
            merged.push((k, v));
        }
        false
    });
    local.reverse();
    merged.reverse();
    local.extend(merged);
    local
}

#[cfg(test)]
mod tests {
    use crate::yaml::{parse, Document};
    use std::fmt::Write;

    fn doc(text: &str) -> Document<'_> {
        parse(text).into_iter().next().unwrap().unwrap()
    }

    /// `key=value` of the entries of the mapping at `path`, as the merged view gives them.
    fn view(text: &str, path: &[&str]) -> Vec<String> {
        let d = doc(text);
        let map = d.root().unwrap().path(path).unwrap().resolved();
        map.entries()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    k.as_str().unwrap_or("?"),
                    v.resolved().as_str().unwrap_or("{…}")
                )
            })
            .collect()
    }

    fn get(text: &str, path: &[&str]) -> Option<String> {
        let d = doc(text);
        d.root()
            .unwrap()
            .path(path)
            .and_then(|v| v.resolved().as_str().map(str::to_owned))
    }

    #[test]
    fn local_keys_win_over_merged_ones() {
        let text = "m:\n  <<: {a: merged, b: merged}\n  a: local\n";
        assert_eq!(get(text, &["m", "a"]).as_deref(), Some("local"));
        assert_eq!(get(text, &["m", "b"]).as_deref(), Some("merged"));
        assert_eq!(view(text, &["m"]), ["a=local", "b=merged"]);
        assert!(!doc(text)
            .root()
            .unwrap()
            .get("m")
            .unwrap()
            .entries()
            .any(|(k, _)| k.as_str() == Some("<<")));
    }

    #[test]
    fn earlier_mappings_of_a_sequence_win() {
        let text = "b1: &b1 {a: one, x: one}\nb2: &b2 {a: two, y: two}\nm:\n  <<: [*b1, *b2]\n";
        assert_eq!(get(text, &["m", "a"]).as_deref(), Some("one"));
        assert_eq!(get(text, &["m", "y"]).as_deref(), Some("two"));
        // In the order of their writes: `*b2`'s first, `a` then set again by `*b1`.
        assert_eq!(view(text, &["m"]), ["y=two", "a=one", "x=one"]);
    }

    #[test]
    fn merges_nest_and_aliases_name_mappings() {
        let text = "base: &base {a: base, b: base}\nmid: &mid {<<: *base, b: mid}\nm:\n  <<: *mid\n  c: local\n";
        assert_eq!(get(text, &["m", "a"]).as_deref(), Some("base"));
        assert_eq!(get(text, &["m", "b"]).as_deref(), Some("mid"));
        assert_eq!(view(text, &["m"]), ["c=local", "a=base", "b=mid"]);
        // Through nested mappings: `path` follows merged values.
        let text = "m:\n  <<: {annotations: {x: y}}\n";
        assert_eq!(get(text, &["m", "annotations", "x"]).as_deref(), Some("y"));
    }

    #[test]
    fn a_merge_written_after_a_key_overrides_it_as_go_yaml_v2_does() {
        let text = "m:\n  a: local\n  <<: {a: merged}\n";
        assert_eq!(get(text, &["m", "a"]).as_deref(), Some("merged"));
        assert_eq!(view(text, &["m"]), ["a=merged"]);
    }

    #[test]
    fn a_merge_of_something_else_than_a_mapping_is_ignored() {
        // go-yaml refuses such a document; lookups see the written entries.
        let text = "m:\n  <<: scalar\n  a: local\n";
        assert_eq!(get(text, &["m", "a"]).as_deref(), Some("local"));
        assert_eq!(view(text, &["m"]), ["a=local"]);
        let text = "m:\n  <<: [x, {b: merged}]\n";
        assert_eq!(view(text, &["m"]), ["b=merged"]);
    }

    #[test]
    fn a_quoted_merge_key_is_a_key() {
        let text = "m:\n  '<<': {a: b}\n";
        assert!(!doc(text).has_merge_keys);
        assert_eq!(view(text, &["m"]), ["<<={…}"]);
    }

    #[test]
    fn documents_without_merge_keys_say_so() {
        assert!(!doc("a: {b: c}\n").has_merge_keys);
        assert!(doc("a: {<<: {b: c}}\n").has_merge_keys);
    }

    #[test]
    fn merge_bombs_and_self_merges_are_bounded() {
        let mut text = String::from("a0: &a0 {k0: v}\n");
        for i in 1..40 {
            let refs = vec![format!("*a{}", i - 1); 9].join(", ");
            let _ = writeln!(text, "a{i}: &a{i} {{<<: [{refs}], k{i}: v}}");
        }
        text.push_str("m:\n  <<: *a39\n");
        let start = std::time::Instant::now();
        assert!(get(&text, &["m", "missing"]).is_none());
        assert!(view(&text, &["m"]).len() <= 40);
        assert!(start.elapsed().as_secs() < 2);
        // A mapping merging itself.
        let text = "m: &m\n  a: b\n  <<: *m\n";
        assert_eq!(view(text, &["m"]), ["a=b"]);
    }
}
