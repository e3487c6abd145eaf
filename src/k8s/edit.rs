//! Edits of a resource's metadata that rules share: adding an entry to a pod template's
//! annotations or labels, moving an entry between the `labels` and `annotations` of one
//! metadata block, and removing one (an emptied map goes with it). Built from the text edits
//! of [`crate::yaml::edit`]; none of them writes through an anchor, an alias or a `<<` merge.

use super::{MetaBlock, MetaMap, PodTemplate};
use crate::diagnostic::Edit;
use crate::source::TextRange;
use crate::yaml::edit::{
    aliased, append_entry, append_entry_of, carry_comments, column, fill_null, fill_null_nested,
    indent_unit, insert_nested, key_text, key_written, leading_comments, line_start, newline,
    take_entry_with, trailing_comment_range, value_text,
};
use crate::yaml::{CollectionStyle, NodeRef, ScalarStyle};

/// Whether the pod template's map `which` is shared through an anchor: the template, its
/// `metadata` or that map is an alias, or lies in a node some alias names. An edit there also
/// changes every place the anchor is aliased (the workload's own `metadata.annotations`, say),
/// so no fix writes there: it would change more than the pod and could cycle with MESH201
/// moving the key back. An anchor nothing names is no reason to refuse.
pub(crate) fn shared_by_alias(pod: &PodTemplate<'_, '_>, which: MetaMap) -> bool {
    let nodes = [
        pod.holder,
        pod.meta.metadata.map(|(_, v)| v),
        pod.meta.map(which).map(|(_, v)| v),
    ];
    let nodes = nodes.into_iter().flatten();
    nodes.clone().any(NodeRef::is_alias) || nodes.clone().any(aliased)
}

/// An edit adding `key: value` (`value` already YAML text) to the pod template's annotations
/// or labels, creating them; none through an anchor ([`shared_by_alias`]).
pub(crate) fn add_to_pod(
    text: &str,
    pod: &PodTemplate<'_, '_>,
    which: MetaMap,
    key: &str,
    value: &str,
) -> Option<Vec<Edit>> {
    if shared_by_alias(pod, which) {
        return None;
    }
    if let Some((k, v)) = pod.meta.map(which) {
        let v2 = v.resolved();
        if v2.is_mapping() {
            let e = append_entry(text, v2, key, value)?;
            if v2.literal_entries().count() == 1
                && e.range.is_empty()
                && e.range.start() > k.range().start()
            {
                // A fix moving the map's only entry may rename the map (`annotations` →
                // `labels`) in the same round: the edit starts at the key, so the two collide
                // instead of the new entry being carried along.
                let start = k.range().start();
                let kept = &text[start as usize..e.range.start() as usize];
                return Some(vec![Edit::replace(
                    TextRange::new(start, e.range.start()),
                    format!("{kept}{}", e.content),
                )]);
            }
            return Some(vec![e]);
        }
        if v2.is_null() && !v.is_alias() {
            return Some(fill_null(text, k, v, key, value));
        }
        return None;
    }
    match pod.meta.metadata {
        Some((_, m)) if m.resolved().is_mapping() => {
            insert_nested(text, m.resolved(), &[which.key()], key, value).map(|e| vec![e])
        }
        // `metadata:` left empty: give it the map.
        Some((k, m)) if m.resolved().is_null() && !m.is_alias() => {
            Some(fill_null_nested(text, k, m, &[which.key()], key, value))
        }
        Some(_) => None,
        None => insert_nested(text, pod.holder?, &["metadata", which.key()], key, value)
            .map(|e| vec![e]),
    }
}

/// The edit removing entry `key: value` of map `which` of `meta`; when it is the map's only
/// entry, the whole map goes (`annotations:` left empty is noise a person would not leave).
/// The comments in `carried` go too (their caller writes them where the entry goes; see
/// [`take_entry_with`]).
pub(crate) fn remove_from(
    text: &str,
    meta: &MetaBlock<'_, '_>,
    which: MetaMap,
    key: NodeRef<'_, '_>,
    value: NodeRef<'_, '_>,
    carried: &[TextRange],
) -> Option<Edit> {
    let remove = |map, key, value| take_entry_with(text, map, key, value, carried);
    let (map_key, map) = meta.map(which)?;
    let resolved = map.resolved();
    let only = resolved.literal_entries().count() == 1 && !resolved.has_merge_key();
    match meta.metadata {
        Some((_, metadata))
            if only
                && !map.is_alias()
                && !map.node().anchored
                && !map_key.is_alias()
                && !metadata.is_alias()
                && metadata.resolved().is_mapping() =>
        {
            remove(metadata.resolved(), map_key, map)
        }
        _ => remove(resolved, key, value),
    }
}

/// Makes the comments that belong to entry `key: value` travel with it: `edits` write it
/// elsewhere as `key: <written>`; the edit that writes it on a line of its own gets the
/// comment after the entry at the end of that line and the full-line comments right above the
/// entry ([`leading_comments`]) above it. Returns the comments carried, for the removal of the
/// entry to take along ([`remove_from`]); a comment not carried stays where it is.
pub(crate) fn carry_comments_of(
    text: &str,
    key: NodeRef<'_, '_>,
    value: NodeRef<'_, '_>,
    written: &str,
    edits: &mut [Edit],
) -> Vec<TextRange> {
    let Some(name) = key.as_str() else {
        return Vec::new();
    };
    let entry = format!("{}: {written}", key_text(name));
    let nl = newline(text);
    let mut carried = Vec::new();
    // The edit writing the entry at the end of a line: of its own content, or of the text.
    let Some(e) = edits.iter_mut().find(|e| {
        e.content.rfind(&entry).is_some_and(|at| {
            let after = &e.content[at + entry.len()..];
            after.starts_with(['\r', '\n'])
                || after.is_empty()
                    && matches!(
                        text.as_bytes().get(e.range.end() as usize),
                        None | Some(b'\r' | b'\n')
                    )
        })
    }) else {
        return carried;
    };
    let vend = value.range().end().max(key.range().end()) as usize;
    if let Some(c) = trailing_comment_range(text, vend) {
        let at = e.content.rfind(&entry).unwrap_or_default() + entry.len();
        e.content.insert_str(at, &format!(" {}", c.slice(text)));
        carried.push(c);
    }
    let lead = leading_comments(text, key);
    let texts: Vec<&str> = lead.iter().map(|c| c.slice(text)).collect();
    if !lead.is_empty() && carry_comments(&mut e.content, &entry, &texts, nl) {
        carried.extend(lead);
    }
    carried
}

/// An edit creating `map_name: {key: value}` in the metadata mapping just before `before` (one
/// of its keys), following the mapping's style.
fn insert_before(
    text: &str,
    metadata: NodeRef<'_, '_>,
    before: NodeRef<'_, '_>,
    map_name: &str,
    key: &str,
    value: &str,
) -> Option<Edit> {
    let at = before.node().props_start.min(before.range().start());
    match metadata.collection_style()? {
        CollectionStyle::Flow => {
            let json = before.style() == Some(ScalarStyle::DoubleQuoted);
            Some(Edit::insert(
                at,
                format!(
                    "{}: {{{}: {value}}}, ",
                    key_written(map_name, json),
                    key_written(key, json)
                ),
            ))
        }
        CollectionStyle::Block => {
            let at_usize = at as usize;
            let ls = line_start(text, at_usize);
            if !text[ls..at_usize].bytes().all(|b| b == b' ') {
                return None;
            }
            let nl = newline(text);
            let col = column(text, at_usize);
            let unit = indent_unit(text, metadata);
            Some(Edit::insert(
                at,
                format!(
                    "{map_name}:{nl}{}{}: {value}{nl}{}",
                    " ".repeat(col + unit),
                    key_written(key, false),
                    " ".repeat(col)
                ),
            ))
        }
    }
}

/// The edits moving entry `key: value` of map `from` (labels or annotations) into the other map
/// of the same metadata block, creating it when needed (an emptied source map goes away). `None`
/// when the target already has the key, when anchors or aliases are involved (an edit would
/// change other places too), or when the layout cannot be followed safely.
pub(crate) fn move_between(
    text: &str,
    meta: &MetaBlock<'_, '_>,
    from: MetaMap,
    key: NodeRef<'_, '_>,
    value: NodeRef<'_, '_>,
) -> Option<Vec<Edit>> {
    let to = from.other();
    let name = key.as_str()?;
    let (_, metadata) = meta.metadata?;
    let (from_key, from_value) = meta.map(from)?;
    if metadata.is_alias()
        || metadata.node().anchored
        || from_value.is_alias()
        || from_value.node().anchored
        || key.is_alias()
        || key.node().anchored
        || value.node().anchored
    {
        return None;
    }
    let metadata = metadata.resolved();
    // A `<<` in the metadata (or the metadata inside a merged mapping): renaming, creating or
    // removing `labels`/`annotations` there can hide or reveal a merged one.
    if metadata.doc.merge_guarded(metadata.id) {
        return None;
    }
    let only = from_value.literal_entries().count() == 1;
    let moved = value_text(text, value)?;
    let mut edits = Vec::new();
    match meta.map(to) {
        Some((to_key, to_value)) => {
            if to_value.is_alias() || to_value.node().anchored {
                return None;
            }
            if to_value.is_mapping() {
                if to_value.entry(name).is_some() {
                    return None;
                }
                edits.push(append_entry_of(text, to_key, to_value, name, &moved)?);
            } else if to_value.is_null() {
                if metadata.collection_style()? == CollectionStyle::Flow {
                    return None;
                }
                edits.extend(fill_null(text, to_key, to_value, name, &moved));
            } else {
                return None;
            }
            let carried = carry_comments_of(text, key, value, &moved, &mut edits);
            edits.push(remove_from(text, meta, from, key, value, &carried)?);
        }
        None if only && !from_key.is_alias() && from_key.node().tag.is_none() => {
            // The whole map moves: rename it.
            let json = from_key.style() == Some(ScalarStyle::DoubleQuoted);
            edits.push(Edit::replace(from_key.range(), key_written(to.key(), json)));
        }
        None => {
            edits.push(insert_before(
                text,
                metadata,
                from_key,
                to.key(),
                name,
                &moved,
            )?);
            let carried = carry_comments_of(text, key, value, &moved, &mut edits);
            edits.push(take_entry_with(text, from_value, key, value, &carried)?);
        }
    }
    edits.sort_by_key(|e| (e.range.start(), e.range.end()));
    if edits.windows(2).any(|w| {
        w[0].range.overlaps(w[1].range)
            || w[0].range.is_empty() && w[1].range.is_empty() && w[0].range == w[1].range
    }) {
        return None;
    }
    Some(edits)
}
