//! Splicing edits into text.
//!
//! This is the boring, exact part of fixing: given one text and some [`Fix`]es computed on it,
//! take the fixes in text order, skip any fix that collides with one already taken, and copy the
//! untouched text between the edits. Bytes outside the taken edits are copied verbatim, so a fix
//! can never disturb anything it did not name.
//!
//! Two edits collide when they share a byte, when one is an insertion strictly inside the other
//! ([`TextRange::overlaps`]), or when one is an insertion at either end of the other (two
//! insertions at one offset: their relative order would be a guess; at a replacement's end:
//! it was computed against the text being replaced). A skipped fix is not lost: the fixpoint loop lints again and the
//! rule offers it again on the new text.

use crate::diagnostic::{Edit, Fix};
use crate::source::TextRange;
use std::collections::BTreeSet;

/// The result of [`apply_fixes`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied {
    /// The text with every applied fix spliced in.
    pub text: String,
    /// Indices into the `fixes` slice of the fixes applied, in text order.
    pub applied: Vec<usize>,
    /// Indices of the fixes skipped because an edit collides with an applied one, in text order.
    /// They may apply in the next round.
    pub skipped: Vec<usize>,
    /// Indices of fixes that cannot apply to this text at all, ascending: no edits, an edit out of
    /// bounds or not on a character boundary, or edits of the same fix overlapping each other.
    pub invalid: Vec<usize>,
}

/// Why a set of edits cannot be applied to a text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EditError {
    /// The edit's range ends past the end of the text.
    #[error("edit {range:?} lies outside the text ({len} bytes)")]
    OutOfBounds { range: TextRange, len: usize },
    /// The edit's range starts or ends inside a multi-byte character.
    #[error("edit {range:?} does not start and end on a character boundary")]
    NotCharBoundary { range: TextRange },
    /// Two edits share a byte, or one is an insertion strictly inside the other.
    #[error("edits {first:?} and {second:?} overlap")]
    Overlap { first: TextRange, second: TextRange },
}

/// Applies `edits` (all of them, as one change) to `text`.
///
/// The edits may come in any order; they are sorted by range. Insertions at the same offset are
/// kept in the order given, and an insertion at the start of a replaced range goes before the
/// replacement. Edits must not overlap each other.
pub fn apply_edits(text: &str, edits: &[Edit]) -> Result<String, EditError> {
    let sorted = checked_sorted(text, edits)?;
    Ok(splice(text, &sorted))
}

/// Applies the non-colliding subset of `fixes` to `text`.
///
/// Fixes are considered in order of their first edit (ties by position in `fixes`); a fix is
/// taken only if none of its edits collides with an edit already taken. See the module docs for
/// what collides.
pub fn apply_fixes(text: &str, fixes: &[&Fix]) -> Applied {
    let mut invalid = Vec::new();
    let mut candidates: Vec<(usize, Vec<&Edit>)> = Vec::with_capacity(fixes.len());
    for (index, fix) in fixes.iter().enumerate() {
        match checked_sorted(text, &fix.edits) {
            Ok(edits) if !edits.is_empty() => candidates.push((index, edits)),
            _ => invalid.push(index),
        }
    }
    candidates.sort_by_key(|(index, edits)| (edits[0].range.start(), edits[0].range.end(), *index));

    let mut taken = Taken::default();
    let mut applied = Vec::new();
    let mut skipped = Vec::new();
    let mut edits: Vec<&Edit> = Vec::new();
    for (index, fix_edits) in candidates {
        if fix_edits.iter().any(|edit| taken.collides(edit.range)) {
            skipped.push(index);
            continue;
        }
        for edit in &fix_edits {
            taken.insert(edit.range);
        }
        edits.extend(fix_edits);
        applied.push(index);
    }
    // Stable: edits with equal ranges can only come from the same fix (two fixes with equal
    // ranges collide), and there they keep the fix's own order.
    edits.sort_by_key(|edit| (edit.range.start(), edit.range.end()));

    Applied {
        text: splice(text, &edits),
        applied,
        skipped,
        invalid,
    }
}

/// Whether two edit ranges from different fixes collide.
pub(crate) fn collide(a: TextRange, b: TextRange) -> bool {
    // An insertion at either end of another fix's replacement was computed against the text
    // that replacement changes (a key appended to a block value that another fix rewrites):
    // it waits for the next round, computed again on the new text.
    let touches = |insert: TextRange, other: TextRange| {
        insert.is_empty() && (insert.start() == other.start() || insert.start() == other.end())
    };
    a.overlaps(b) || touches(a, b) || touches(b, a)
}

/// Checks `edits` against `text` and returns them sorted by range (stable).
fn checked_sorted<'e>(text: &str, edits: &'e [Edit]) -> Result<Vec<&'e Edit>, EditError> {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|edit| (edit.range.start(), edit.range.end()));
    for edit in &sorted {
        let range = edit.range;
        if range.end() as usize > text.len() {
            return Err(EditError::OutOfBounds {
                range,
                len: text.len(),
            });
        }
        if !text.is_char_boundary(range.start() as usize)
            || !text.is_char_boundary(range.end() as usize)
        {
            return Err(EditError::NotCharBoundary { range });
        }
    }
    for pair in sorted.windows(2) {
        if pair[0].range.end() > pair[1].range.start() {
            return Err(EditError::Overlap {
                first: pair[0].range,
                second: pair[1].range,
            });
        }
    }
    Ok(sorted)
}

/// Copies `text` with `edits` (checked, sorted, non-overlapping) spliced in.
fn splice(text: &str, edits: &[&Edit]) -> String {
    let added: usize = edits.iter().map(|edit| edit.content.len()).sum();
    let mut out = String::with_capacity(text.len() + added);
    let mut copied = 0;
    for edit in edits {
        out.push_str(&text[copied..edit.range.start() as usize]);
        out.push_str(&edit.content);
        copied = edit.range.end() as usize;
    }
    out.push_str(&text[copied..]);
    out
}

/// The ranges of the edits taken so far, for collision checks in `O(log n)`.
///
/// Taken edits never collide with each other, so sorted by `(start, end)` their ends never
/// decrease either: walking back from the last edit starting at or before a range's end, the
/// first edit ending before the range's start proves that no earlier one can collide.
#[derive(Default)]
struct Taken(BTreeSet<(u32, u32)>);

impl Taken {
    fn collides(&self, range: TextRange) -> bool {
        for &(start, end) in self.0.range(..=(range.end(), u32::MAX)).rev() {
            if end < range.start() {
                return false;
            }
            if collide(TextRange::new(start, end), range) {
                return true;
            }
        }
        false
    }

    fn insert(&mut self, range: TextRange) {
        self.0.insert((range.start(), range.end()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(start: u32, end: u32) -> TextRange {
        TextRange::new(start, end)
    }

    fn fix(edits: Vec<Edit>) -> Fix {
        Fix::safe("test", edits)
    }

    #[test]
    fn applies_in_text_order_whatever_the_input_order() {
        let text = "a: tru\nb: fals\n";
        let f1 = fix(vec![Edit::replace(r(10, 14), "false")]);
        let f2 = fix(vec![Edit::replace(r(3, 6), "true")]);
        let out = apply_fixes(text, &[&f1, &f2]);
        assert_eq!(out.text, "a: true\nb: false\n");
        assert_eq!(out.applied, vec![1, 0]);
        assert!(out.skipped.is_empty() && out.invalid.is_empty());
    }

    #[test]
    fn overlapping_fix_is_skipped_first_one_wins() {
        let text = "0123456789";
        let first = fix(vec![Edit::replace(r(2, 5), "X")]);
        let overlapping = fix(vec![Edit::replace(r(4, 7), "Y")]);
        let adjacent = fix(vec![Edit::replace(r(5, 6), "Z")]);
        let out = apply_fixes(text, &[&overlapping, &first, &adjacent]);
        assert_eq!(out.text, "01XZ6789");
        assert_eq!(out.applied, vec![1, 2]);
        assert_eq!(out.skipped, vec![0]);
    }

    #[test]
    fn a_fix_is_all_or_nothing() {
        // The second fix's later edit collides, so its first edit must not be applied either.
        let text = "0123456789";
        let a = fix(vec![Edit::replace(r(6, 8), "A")]);
        let b = fix(vec![
            Edit::replace(r(1, 2), "B"),
            Edit::replace(r(7, 9), "B"),
        ]);
        let out = apply_fixes(text, &[&a, &b]);
        assert_eq!(out.applied, vec![1]);
        assert_eq!(out.skipped, vec![0]);
        assert_eq!(out.text, "0B23456B9");
    }

    #[test]
    fn far_apart_edits_do_not_block_fixes_in_between() {
        let text = "0123456789";
        let wide = fix(vec![Edit::insert(0, "<"), Edit::insert(10, ">")]);
        let middle = fix(vec![Edit::replace(r(4, 5), "_")]);
        let out = apply_fixes(text, &[&wide, &middle]);
        assert_eq!(out.text, "<0123_56789>");
        assert_eq!(out.applied, vec![0, 1]);
    }

    #[test]
    fn two_insertions_at_one_offset_collide() {
        let text = "ab";
        let x = fix(vec![Edit::insert(1, "x")]);
        let y = fix(vec![Edit::insert(1, "y")]);
        let out = apply_fixes(text, &[&x, &y]);
        assert_eq!(out.text, "axb");
        assert_eq!(out.applied, vec![0]);
        assert_eq!(out.skipped, vec![1]);
    }

    #[test]
    fn insertion_strictly_inside_a_replacement_collides() {
        let text = "abcdef";
        let replace = fix(vec![Edit::replace(r(1, 4), "X")]);
        let inside = fix(vec![Edit::insert(2, "i")]);
        let out = apply_fixes(text, &[&inside, &replace]);
        assert_eq!(out.applied, vec![1]);
        assert_eq!(out.skipped, vec![0]);
        assert_eq!(out.text, "aXef");
    }

    #[test]
    fn insertions_at_the_edges_of_another_fix_wait_for_the_next_round() {
        // Computed against the bytes the other fix replaces (MESH101 appending to a block value
        // that MESH104 rewrites), they would duplicate or misplace what they add.
        let text = "abcdef";
        let replace = fix(vec![Edit::replace(r(1, 4), "X")]);
        let before = fix(vec![Edit::insert(1, "[")]);
        let after = fix(vec![Edit::insert(4, "]")]);
        let out = apply_fixes(text, &[&replace, &after, &before]);
        assert_eq!(out.text, "a[bcd]ef");
        assert_eq!(out.applied, vec![2, 1]);
        assert_eq!(out.skipped, vec![0]);

        let delete = fix(vec![Edit::delete(r(1, 4))]);
        let out = apply_fixes(text, &[&delete, &after]);
        assert_eq!(out.text, "aef");
        assert_eq!(out.skipped, vec![1]);
        // Within one fix, edits at a replacement's edges are its own design: they apply.
        let both = Fix::safe("wrap", [Edit::insert(1, "["), Edit::replace(r(1, 4), "X")]);
        assert_eq!(apply_fixes(text, &[&both]).text, "a[Xef");
    }

    #[test]
    fn insertions_of_one_fix_at_one_offset_keep_their_order() {
        let text = "ab";
        let f = Fix::safe("two", [Edit::insert(1, "1"), Edit::insert(1, "2")]);
        assert_eq!(apply_fixes(text, &[&f]).text, "a12b");
        let edits = [
            Edit::insert(1, "2"),
            Edit::replace(r(0, 1), "A"),
            Edit::insert(1, "3"),
        ];
        assert_eq!(apply_edits(text, &edits).unwrap(), "A23b");
    }

    #[test]
    fn bytes_outside_edits_are_unchanged() {
        let text = "\u{feff}kind: Pod\r\nspec:\r\n  x: \"é\"\r\n  y: 1";
        let start = text.find('1').unwrap() as u32;
        let f = fix(vec![Edit::replace(r(start, start + 1), "2")]);
        let out = apply_fixes(text, &[&f]).text;
        assert_eq!(&out[..start as usize], &text[..start as usize]);
        assert_eq!(out, text.replace("y: 1", "y: 2"));
    }

    #[test]
    fn invalid_fixes_are_reported_not_applied() {
        let text = "é!";
        let out_of_bounds = fix(vec![Edit::replace(r(2, 9), "x")]);
        let mid_char = fix(vec![Edit::replace(r(1, 2), "x")]);
        let self_overlap = Fix {
            applicability: crate::diagnostic::Applicability::Safe,
            message: "bad".into(),
            edits: vec![Edit::replace(r(2, 3), "x"), Edit::replace(r(0, 3), "y")],
        };
        let empty = fix(vec![]);
        let good = fix(vec![Edit::replace(r(2, 3), "?")]);
        let out = apply_fixes(
            text,
            &[&out_of_bounds, &mid_char, &self_overlap, &empty, &good],
        );
        assert_eq!(out.text, "é?");
        assert_eq!(out.invalid, vec![0, 1, 2, 3]);
        assert_eq!(out.applied, vec![4]);

        assert_eq!(
            apply_edits(text, &[Edit::insert(1, "x")]),
            Err(EditError::NotCharBoundary { range: r(1, 1) })
        );
        assert!(matches!(
            apply_edits(text, &[Edit::delete(r(0, 3)), Edit::insert(2, "x")]),
            Err(EditError::Overlap { .. })
        ));
        assert!(matches!(
            apply_edits(text, &[Edit::insert(4, "x")]),
            Err(EditError::OutOfBounds { len: 3, .. })
        ));
    }

    #[test]
    fn collision_index_matches_a_pairwise_check() {
        // Deterministic sweep over small ranges: the BTreeSet walk must agree with a scan.
        let mut ranges = Vec::new();
        for start in 0..6 {
            for end in start..6 {
                ranges.push(r(start, end));
            }
        }
        for (i, first) in ranges.iter().enumerate() {
            for second in &ranges[i..] {
                for third in &ranges {
                    let mut taken = Taken::default();
                    let mut list = Vec::new();
                    for candidate in [*first, *second] {
                        if !list.iter().any(|t| collide(*t, candidate)) {
                            list.push(candidate);
                            taken.insert(candidate);
                        }
                    }
                    let expected = list.iter().any(|t| collide(*t, *third));
                    assert_eq!(taken.collides(*third), expected, "{list:?} vs {third:?}");
                }
            }
        }
    }
}
