//! Properties of the fixer: applying edits never touches bytes outside them, the result does not
//! depend on the order fixes are given in, only colliding fixes are skipped, and the fixpoint
//! loop converges on a simple rule.

use meshlint::diagnostic::{Diagnostic, Edit, Fix, FixAvailability, RuleMeta, Severity};
use meshlint::fix::{apply_edits, apply_fixes, fix_text, FixOptions, LintResult};
use meshlint::source::TextRange;
use proptest::prelude::*;

/// Text with multi-byte characters and both line endings.
fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("a".to_owned()),
            Just("key: ".to_owned()),
            Just("\n".to_owned()),
            Just("\r\n".to_owned()),
            Just("é".to_owned()),
            Just("😀".to_owned()),
            Just(" ".to_owned()),
        ],
        0..40,
    )
    .prop_map(|pieces| pieces.concat())
}

fn boundaries(text: &str) -> Vec<u32> {
    (0..=text.len())
        .filter(|&i| text.is_char_boundary(i))
        .map(|i| i as u32)
        .collect()
}

fn content() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("X".to_owned()),
        Just("ü\r\n".to_owned())
    ]
}

/// A text and sorted, pairwise non-overlapping edits on char boundaries (insertions at distinct
/// offsets, possibly at the edges of replacements).
fn text_and_edits() -> impl Strategy<Value = (String, Vec<Edit>)> {
    text().prop_flat_map(|text| {
        let points = boundaries(&text);
        let n = points.len();
        (
            Just(text),
            Just(points),
            proptest::collection::vec((0..n, 0..n, content()), 0..8),
        )
            .prop_map(|(text, points, raw)| {
                let mut edits: Vec<Edit> = Vec::new();
                let mut candidates: Vec<(u32, u32, String)> = raw
                    .into_iter()
                    .map(|(a, b, c)| (points[a.min(b)], points[a.max(b)], c))
                    .collect();
                candidates.sort_by_key(|(s, e, _)| (*s, *e));
                for (start, end, content) in candidates {
                    let range = TextRange::new(start, end);
                    let collides = edits.iter().any(|e| {
                        e.range.overlaps(range)
                            || (e.range.is_empty() && range.is_empty() && e.range.start() == start)
                            || e.range.end() > start
                    });
                    if !collides {
                        edits.push(Edit::replace(range, content));
                    }
                }
                (text, edits)
            })
    })
}

/// Random (possibly colliding) single- or two-edit fixes on char boundaries.
fn text_and_fixes() -> impl Strategy<Value = (String, Vec<Fix>)> {
    text().prop_flat_map(|text| {
        let points = boundaries(&text);
        let n = points.len();
        let edit = (0..n, 0..n, content());
        (
            Just(text),
            Just(points),
            proptest::collection::vec(proptest::collection::vec(edit, 1..3), 0..8),
        )
            .prop_map(|(text, points, raw)| {
                let fixes = raw
                    .into_iter()
                    .map(|edits| {
                        let edits = edits.into_iter().map(|(a, b, c)| {
                            Edit::replace(TextRange::new(points[a.min(b)], points[a.max(b)]), c)
                        });
                        Fix::safe("random", edits)
                    })
                    .collect();
                (text, fixes)
            })
    })
}

fn collide(a: TextRange, b: TextRange) -> bool {
    a.overlaps(b) || (a.is_empty() && b.is_empty() && a.start() == b.start())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn bytes_outside_edits_never_change((text, edits) in text_and_edits()) {
        let out = apply_edits(&text, &edits).unwrap();
        // Walk the gaps between edits: each must appear verbatim at its shifted position.
        let mut old_pos = 0usize;
        let mut new_pos = 0usize;
        for edit in &edits {
            let gap = &text[old_pos..edit.range.start() as usize];
            prop_assert_eq!(&out[new_pos..new_pos + gap.len()], gap);
            new_pos += gap.len();
            prop_assert_eq!(&out[new_pos..new_pos + edit.content.len()], edit.content.as_str());
            new_pos += edit.content.len();
            old_pos = edit.range.end() as usize;
        }
        prop_assert_eq!(&out[new_pos..], &text[old_pos..]);

        // As one-edit fixes, in reverse order, they all apply and give the same text.
        let fixes: Vec<Fix> = edits.iter().rev().map(|e| Fix::safe("e", [e.clone()])).collect();
        let refs: Vec<&Fix> = fixes.iter().collect();
        let applied = apply_fixes(&text, &refs);
        prop_assert_eq!(applied.applied.len(), edits.len());
        prop_assert_eq!(applied.text, out);
    }

    #[test]
    fn only_colliding_fixes_are_skipped((text, fixes) in text_and_fixes()) {
        let refs: Vec<&Fix> = fixes.iter().collect();
        let out = apply_fixes(&text, &refs);
        let mut all: Vec<usize> = out.applied.iter().chain(&out.skipped).chain(&out.invalid).copied().collect();
        all.sort_unstable();
        prop_assert_eq!(all, (0..fixes.len()).collect::<Vec<_>>());

        // Reference: the same greedy choice with a pairwise scan.
        let mut order: Vec<usize> = (0..fixes.len()).filter(|i| !out.invalid.contains(i)).collect();
        order.sort_by_key(|&i| (fixes[i].edits[0].range.start(), fixes[i].edits[0].range.end(), i));
        let mut taken: Vec<TextRange> = Vec::new();
        let mut expected = Vec::new();
        for i in order {
            let ranges: Vec<TextRange> = fixes[i].edits.iter().map(|e| e.range).collect();
            if !ranges.iter().any(|r| taken.iter().any(|t| collide(*t, *r))) {
                taken.extend(ranges);
                expected.push(i);
            }
        }
        prop_assert_eq!(&out.applied, &expected);

        // The applied fixes, applied as one edit list, give the same text.
        let edits: Vec<Edit> = out.applied.iter().flat_map(|&i| fixes[i].edits.clone()).collect();
        prop_assert_eq!(apply_edits(&text, &edits).unwrap(), out.text);
    }

    #[test]
    fn fix_text_replaces_every_tru_and_nothing_else(words in proptest::collection::vec(
        prop_oneof![Just("tru"), Just("true"), Just("x"), Just("é"), Just("tRu")], 0..30),
        seps in proptest::collection::vec(prop_oneof![Just(" "), Just("\n"), Just("\r\n")], 30),
    ) {
        let text: String = words.iter().zip(&seps).flat_map(|(w, s)| [*w, *s]).collect();
        let out = fix_text(&text, &tru_lint, &FixOptions::default());
        let expected: String = words
            .iter()
            .zip(&seps)
            .flat_map(|(w, s)| [if *w == "tru" { "true" } else { *w }, *s])
            .collect();
        prop_assert_eq!(&out.text, &expected);
        prop_assert!(out.rounds <= 1 && !out.hit_limit);
        prop_assert!(out.lint.diagnostics.is_empty());
        prop_assert_eq!(out.applied.len(), words.iter().filter(|w| **w == "tru").count());
        for applied in &out.applied {
            let range = applied.original_range.unwrap();
            prop_assert_eq!(range.slice(&text), "tru");
        }
    }
}

const TRU: RuleMeta = RuleMeta {
    code: "TEST001",
    name: "tru",
    severity: Severity::Warning,
    fix: FixAvailability::Safe,
    summary: "",
    page: "",
};

/// Flags each space-, LF- or CRLF-separated word `tru` with a fix to `true`.
fn tru_lint(text: &str) -> LintResult {
    let mut diagnostics = Vec::new();
    let mut offset = 0;
    for piece in text.split_inclusive([' ', '\n']) {
        let word = piece
            .strip_suffix("\r\n")
            .or_else(|| piece.strip_suffix(['\n', ' ']))
            .unwrap_or(piece);
        if word == "tru" {
            let range = TextRange::from_usize(offset, offset + 3);
            let diag = Diagnostic::new(&TRU, range, "`tru` is not a boolean");
            diagnostics
                .push(diag.with_fix(Fix::safe("use `true`", [Edit::replace(range, "true")])));
        }
        offset += piece.len();
    }
    LintResult {
        parsed: true,
        diagnostics,
    }
}
