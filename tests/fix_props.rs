//! Properties of the fixer: applying edits never touches bytes outside them, the result does not
//! depend on the order fixes are given in, only colliding fixes are skipped, and the fixpoint
//! loop converges on a simple rule.
//!
//! On generated manifests (merge keys, anchors, selectors, comments, every line-ending shape)
//! and real ones with defects inserted, `--fix` (with and without unsafe fixes) is idempotent,
//! keeps the file parsing, changes only lines its fixes edit, keeps comments, removes what it
//! fixed without adding errors, changes the merge-resolved meaning of each document only where
//! an applied fix says (a proxy config key, a list element, a moved entry), and never breaks a
//! selector that matched its pod template.

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

/// Two fixes' edits collide when they share a byte, or one is an insertion inside or at either
/// end of the other (`meshlint::fix::apply_fixes`' rule, written out independently).
fn collide(a: TextRange, b: TextRange) -> bool {
    let touches = |i: TextRange, o: TextRange| {
        i.is_empty() && (i.start() == o.start() || i.start() == o.end())
    };
    a.overlaps(b) || touches(a, b) || touches(b, a)
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

        // As one-edit fixes, in reverse order, they all apply and give the same text, unless
        // an insertion touches another edit (then it waits for the next round).
        if !edits.windows(2).any(|w| collide(w[0].range, w[1].range)) {
            let fixes: Vec<Fix> = edits.iter().rev().map(|e| Fix::safe("e", [e.clone()])).collect();
            let refs: Vec<&Fix> = fixes.iter().collect();
            let applied = apply_fixes(&text, &refs);
            prop_assert_eq!(applied.applied.len(), edits.len());
            prop_assert_eq!(applied.text, out);
        }
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

// ─────────────────────────────────────────────────────────────────────────────────────────────
// The fixer on manifests: generated ones, and real ones from `testdata/real` (see its
// PROVENANCE.md) with defects injected. For every text, with and without `--unsafe-fixes`:
// (1) fixing the fixed text again changes nothing; (2) the fixed text parses; (3) every line the
// fixes changed is a line some offered fix edits (nothing else is rewritten, no comment is
// lost); (4) no finding a fix was applied for remains, and no error appears that was not there.

pub mod manifests {
    use meshlint::config::Policy;
    use meshlint::context::{collect_facts, Context, LintOptions};
    use meshlint::diagnostic::{Applicability, Diagnostic, Severity};
    use meshlint::rules::{FileInfo, RuleSelector};
    use proptest::prelude::*;
    use std::collections::{BTreeSet, HashMap};
    use std::path::Path;

    fn fix(
        text: &str,
        name: &str,
        options: &LintOptions,
        unsafe_fixes: bool,
    ) -> meshlint::fix::FixOutcome {
        let mut cx = Context::new(options.clone());
        cx.absorb(collect_facts(text, name));
        let file = FileInfo {
            path: name.to_owned(),
            ..FileInfo::default()
        };
        meshlint::fix_source(
            text,
            &file,
            false,
            &cx,
            &Policy::from_selector(RuleSelector::default()),
            unsafe_fixes,
        )
    }

    fn lint(text: &str, name: &str, options: &LintOptions) -> Vec<Diagnostic> {
        meshlint::lint_source(text, name, options, &RuleSelector::default())
    }

    pub fn parses(text: &str) -> bool {
        meshlint::yaml::parse(text).iter().all(Result::is_ok)
    }

    /// 0-based line of each byte offset's line start, for `text`.
    fn line_of(text: &str, offset: usize) -> usize {
        memchr::memchr_iter(b'\n', &text.as_bytes()[..offset.min(text.len())]).count()
    }

    /// Checks the four properties for one text; `Err` says what failed.
    pub fn check(
        text: &str,
        name: &str,
        options: &LintOptions,
        unsafe_fixes: bool,
    ) -> Result<(), String> {
        let before = lint(text, name, options);
        let outcome = fix(text, name, options, unsafe_fixes);
        let fixed = &outcome.text;
        let show = || format!("\n── input:\n{text}\n── fixed:\n{fixed}");

        // (1) Idempotent.
        let again = fix(fixed, name, options, unsafe_fixes);
        if again.text != *fixed {
            return Err(format!(
                "a second fix changed the text again (applied: {:?}){}\n── second:\n{}",
                again.applied.iter().map(|a| a.code).collect::<Vec<_>>(),
                show(),
                again.text
            ));
        }

        // (2) Parses (when the input did).
        if parses(text) && !parses(fixed) {
            return Err(format!("the fixed text does not parse{}", show()));
        }

        // (3) Only lines that offered fixes edit change. An edit touches the lines its range
        // covers; an insertion also the line it ends (it may add lines after it).
        let mut touched = BTreeSet::new();
        for d in &before {
            let Some(f) = &d.fix else { continue };
            if f.applicability == Applicability::Unsafe && !unsafe_fixes {
                continue;
            }
            for e in &f.edits {
                let (s, t) = (e.range.start() as usize, e.range.end() as usize);
                for l in line_of(text, s)..=line_of(text, t) {
                    touched.insert(l);
                }
            }
        }
        // Untouched lines survive, in order (checked when one round did everything: a later
        // round's fixes are offered on text the first round changed).
        // Lines without their CR: the last line of a file without a final newline has none.
        let old_lines: Vec<&str> = text.split('\n').map(|l| l.trim_end_matches('\r')).collect();
        let new_lines: Vec<&str> = fixed
            .split('\n')
            .map(|l| l.trim_end_matches('\r'))
            .collect();
        if outcome.rounds <= 1 {
            let mut at = 0;
            for (i, line) in old_lines.iter().enumerate() {
                if touched.contains(&i) {
                    continue;
                }
                match new_lines[at..].iter().position(|l| l == line) {
                    Some(p) => at += p + 1,
                    None => {
                        return Err(format!(
                            "line {i} ({line:?}) changed, but no offered fix edits it (touched: {touched:?}){}",
                            show()
                        ))
                    }
                }
            }
        }
        // Full-line comments outside the first round's edits survive, whatever the rounds
        // (but a suppression may become unused in a later round, and MESH903 removes it).
        // A comment may move with the entry it sits above, to another indentation.
        for (i, line) in old_lines.iter().enumerate() {
            let comment = line.trim_start();
            if comment.starts_with('#')
                && !comment.starts_with("# meshlint:")
                && !touched.contains(&i)
                && !new_lines.iter().any(|l| l.trim_start() == comment)
            {
                return Err(format!("comment line {i} was lost{}", show()));
            }
        }

        fixed_and_no_new_error(&before, &outcome, name, options)
            .map_err(|e| format!("{e}{}", show()))?;
        if parses(text) {
            meaning_kept(text, &before, &outcome, unsafe_fixes)
                .map_err(|e| format!("{e}{}", show()))?;
        }
        Ok(())
    }

    /// (4) What was fixed is gone; no new error.
    fn fixed_and_no_new_error(
        before: &[Diagnostic],
        outcome: &meshlint::fix::FixOutcome,
        name: &str,
        options: &LintOptions,
    ) -> Result<(), String> {
        let fixed = &outcome.text;
        // (4) What was fixed is gone; no new error.
        let key = |d: &Diagnostic| (d.code, d.message.clone());
        let mut count: HashMap<(&str, String), isize> = HashMap::new();
        for d in before {
            *count.entry(key(d)).or_default() += 1;
        }
        for a in &outcome.applied {
            *count.entry((a.code, a.message.clone())).or_default() -= 1;
        }
        let after = lint(fixed, name, options);
        let mut seen: HashMap<(&str, String), isize> = HashMap::new();
        for d in &after {
            *seen.entry(key(d)).or_default() += 1;
        }
        for a in &outcome.applied {
            let k = (a.code, a.message.clone());
            let allowed = count.get(&k).copied().unwrap_or(0).max(0);
            if seen.get(&k).copied().unwrap_or(0) > allowed {
                return Err(format!(
                    "{} was fixed but is still reported: {}{}",
                    a.code, a.message, ""
                ));
            }
        }
        let errors = |ds: &[Diagnostic]| {
            let mut m: HashMap<&str, usize> = HashMap::new();
            for d in ds.iter().filter(|d| d.severity == Severity::Error) {
                *m.entry(d.code).or_default() += 1;
            }
            m
        };
        let (was, now) = (errors(before), errors(&after));
        for (code, n) in &now {
            if *n > was.get(code).copied().unwrap_or(0) {
                return Err(format!(
                    "the fixes introduced {code} ({n} now, {} before){}",
                    was.get(code).copied().unwrap_or(0),
                    ""
                ));
            }
        }
        Ok(())
    }

    /// (5) What the manifest means, `<<` merges applied, changes only where the applied fixes
    /// say: every changed leaf is named by one of them. (6) Every selector that matched its pod
    /// template still does.
    fn meaning_kept(
        text: &str,
        before: &[Diagnostic],
        outcome: &meshlint::fix::FixOutcome,
        unsafe_fixes: bool,
    ) -> Result<(), String> {
        let fixed = &outcome.text;
        let named = named_by(text, before, &outcome.applied, unsafe_fixes);
        let (old, new) = (meaning::of(text), meaning::of(fixed));
        for path in meaning::changed(&old, &new) {
            if !meaning::is_named(&path, &named, &old, &new) {
                return Err(format!(
                    "{path:?} changed, but no applied fix names it (applied: {:?}, named: {named:?}){}",
                    outcome.applied.iter().map(|a| a.code).collect::<Vec<_>>(),
                    ""
                ));
            }
        }
        // (6) Every selector that matched its pod template still does.
        for (i, matched) in meaning::selectors_match(text).into_iter().enumerate() {
            if matched && meaning::selectors_match(fixed).get(i) != Some(&true) {
                return Err(format!(
                    "the selector of document {i} no longer matches its pod template{}",
                    ""
                ));
            }
        }
        Ok(())
    }

    /// The names the applied fixes name: the keys and values their messages and titles quote,
    /// what the edits of the fixes offered for those codes write, and the keys around their
    /// findings.
    fn named_by(
        text: &str,
        before: &[Diagnostic],
        applied: &[meshlint::fix::AppliedFix],
        unsafe_fixes: bool,
    ) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut words = |s: &str| {
            for w in s.split(|c: char| !(c.is_alphanumeric() || "./_-:*".contains(c))) {
                let w = w.trim_matches(':');
                if !w.is_empty() {
                    out.insert(w.to_owned());
                    // A dotted path (`spec.values.global.proxy.excludeOutboundPorts`) names
                    // its last key.
                    if let Some((_, last)) = w.rsplit_once('.') {
                        out.insert(last.to_owned());
                    }
                }
            }
        };
        let codes: BTreeSet<&str> = applied.iter().map(|a| a.code).collect();
        for a in applied {
            words(&a.message);
            words(&a.fix_message);
            if let Some(r) = a.original_range {
                words(r.slice(text));
            }
        }
        for d in before.iter().filter(|d| codes.contains(d.code)) {
            let Some(f) = &d.fix else { continue };
            if f.applicability == Applicability::Unsafe && !unsafe_fixes {
                continue;
            }
            words(d.range.slice(text));
            for e in &f.edits {
                words(&e.content);
            }
        }
        out
    }

    /// What a manifest means to Kubernetes and Istio, as flat `path → value` leaves: `<<`
    /// merges applied, null and empty maps dropped (Kubernetes reads them as absent), the
    /// `proxy.istio.io/config` string read as the YAML it holds, and capture lists as sets of
    /// elements (their order and spacing mean nothing).
    mod meaning {
        use meshlint::yaml::resolve::{resolve, ScalarType};
        use meshlint::yaml::NodeRef;
        use std::collections::BTreeMap;

        pub type Leaves = BTreeMap<Vec<String>, String>;

        pub fn of(text: &str) -> Leaves {
            let mut out = Leaves::new();
            for (i, doc) in meshlint::yaml::parse(text).iter().enumerate() {
                if let Ok(doc) = doc {
                    if let Some(root) = doc.root() {
                        walk(root, &mut vec![format!("#{i}")], &mut out, 0);
                    }
                }
            }
            out
        }

        fn is_capture_list(key: &str) -> bool {
            key.starts_with("traffic.sidecar.istio.io/")
                || matches!(
                    key,
                    "excludeIPRanges"
                        | "includeIPRanges"
                        | "excludeOutboundPorts"
                        | "excludeInboundPorts"
                        | "includeInboundPorts"
                )
        }

        fn walk(node: NodeRef<'_, '_>, path: &mut Vec<String>, out: &mut Leaves, depth: usize) {
            let node = node.resolved();
            if depth > 40 {
                return;
            }
            if node.is_mapping() {
                let mut seen = std::collections::BTreeSet::new();
                for (k, v) in node.entries() {
                    let key = k.resolved().as_str().unwrap_or("?").to_owned();
                    if !seen.insert(key.clone()) {
                        continue;
                    }
                    let v = v.resolved();
                    let empty = v.is_null()
                        || (v.is_mapping() && v.entries().next().is_none())
                        || (v.is_sequence() && v.items().next().is_none());
                    if empty {
                        continue;
                    }
                    path.push(key.clone());
                    match v.as_str().filter(|_| v.is_scalar()) {
                        Some(s) if key == "proxy.istio.io/config" => {
                            let docs = meshlint::yaml::parse(s);
                            match docs
                                .first()
                                .and_then(|d| d.as_ref().ok())
                                .and_then(meshlint::yaml::Document::root)
                            {
                                Some(r) if r.is_mapping() => walk(r, path, out, depth + 1),
                                _ => {
                                    out.insert(path.clone(), format!("str:{s}"));
                                }
                            }
                        }
                        Some(s) if is_capture_list(&key) && resolve(v) == ScalarType::Str => {
                            for e in s.split(',').map(str::trim).filter(|e| !e.is_empty()) {
                                path.push(e.to_owned());
                                out.insert(path.clone(), "element".to_owned());
                                path.pop();
                            }
                        }
                        _ => walk(v, path, out, depth + 1),
                    }
                    path.pop();
                }
            } else if node.is_sequence() {
                for (i, item) in node.items().enumerate() {
                    path.push(format!("[{i}]"));
                    walk(item, path, out, depth + 1);
                    path.pop();
                }
            } else {
                out.insert(
                    path.clone(),
                    format!("{:?}:{}", resolve(node), node.as_str().unwrap_or("")),
                );
            }
        }

        /// The paths whose leaf differs (added, removed or changed).
        pub fn changed(old: &Leaves, new: &Leaves) -> Vec<Vec<String>> {
            let mut out: Vec<Vec<String>> = old
                .iter()
                .filter(|(k, v)| new.get(*k) != Some(v))
                .map(|(k, _)| k.clone())
                .collect();
            out.extend(new.keys().filter(|k| !old.contains_key(*k)).cloned());
            out
        }

        /// Whether a fix names the change at `path`: its last mapping key; for an element of a
        /// capture list, the list's key; or the key of an entry around it that was added or
        /// removed as a whole (a moved or deleted entry takes its whole value with it).
        pub fn is_named(
            path: &[String],
            named: &std::collections::BTreeSet<String>,
            old: &Leaves,
            new: &Leaves,
        ) -> bool {
            let is_key = |c: &String| !c.starts_with('[') && !c.starts_with('#');
            let Some(last) = path.iter().rposition(is_key) else {
                return true;
            };
            if named.contains(&path[last]) {
                return true;
            }
            if last > 0 && is_capture_list(&path[last - 1]) && named.contains(&path[last - 1]) {
                return true;
            }
            (2..=last).rev().any(|end| {
                let prefix = &path[..end];
                let within = |l: &Leaves| l.keys().any(|k| k.starts_with(prefix));
                is_key(&path[end - 1])
                    && named.contains(&path[end - 1])
                    && (!within(old) || !within(new))
            })
        }

        /// For each document, whether its workload's selector matches its pod template's labels
        /// (`false` without a selector).
        pub fn selectors_match(text: &str) -> Vec<bool> {
            meshlint::yaml::parse(text)
                .iter()
                .map(|d| {
                    let Ok(doc) = d else { return false };
                    let Some(root) = doc.root() else { return false };
                    matches(root)
                })
                .collect()
        }

        fn get<'d, 'a>(n: NodeRef<'d, 'a>, path: &[&str]) -> Option<NodeRef<'d, 'a>> {
            let mut n = n.resolved();
            for p in path {
                n = n
                    .entries()
                    .find(|(k, _)| k.resolved().as_str() == Some(*p))?
                    .1
                    .resolved();
            }
            Some(n)
        }

        fn string(n: NodeRef<'_, '_>) -> String {
            let n = n.resolved();
            if n.is_null() {
                String::new()
            } else {
                n.as_str().unwrap_or("").to_owned()
            }
        }

        fn matches(root: NodeRef<'_, '_>) -> bool {
            let Some(selector) = get(root, &["spec", "selector"]) else {
                return false;
            };
            let labels: BTreeMap<String, String> =
                get(root, &["spec", "template", "metadata", "labels"])
                    .map(|l| l.entries().map(|(k, v)| (string(k), string(v))).collect())
                    .unwrap_or_default();
            let mut any = false;
            if let Some(ml) = get(selector, &["matchLabels"]) {
                for (k, v) in ml.entries() {
                    any = true;
                    if labels.get(&string(k)) != Some(&string(v)) {
                        return false;
                    }
                }
            }
            if let Some(exprs) = get(selector, &["matchExpressions"]) {
                for e in exprs.items() {
                    any = true;
                    let key = get(e, &["key"]).map(string).unwrap_or_default();
                    let op = get(e, &["operator"]).map(string).unwrap_or_default();
                    let values: Vec<String> = get(e, &["values"])
                        .map(|v| v.items().map(string).collect())
                        .unwrap_or_default();
                    let have = labels.get(&key);
                    let ok = match op.as_str() {
                        "In" => have.is_some_and(|h| values.contains(h)),
                        "NotIn" => !have.is_some_and(|h| values.contains(h)),
                        "Exists" => have.is_some(),
                        "DoesNotExist" => have.is_none(),
                        _ => false,
                    };
                    if !ok {
                        return false;
                    }
                }
            }
            any
        }
    }

    // ── Generated manifests ────────────────────────────────────────────────────────────────

    /// An annotation or label value, as YAML.
    #[derive(Clone, Debug)]
    enum Value {
        /// One-line YAML text (plain, quoted, or a flow collection).
        Inline(&'static str),
        /// A literal block scalar with these lines.
        Block(&'static [&'static str]),
    }

    const ANNOTATIONS: &[(&str, Value)] = &[
        (
            "proxy.istio.io/config",
            Value::Inline("'{\"concurrency\": 2}'"),
        ),
        (
            "proxy.istio.io/config",
            Value::Inline("\"{\\\"concurrency\\\": 2, \\\"x\\\": \\\"\\\\t\\\"}\""),
        ),
        (
            "proxy.istio.io/config",
            Value::Block(&["concurrency: 2", "tracing:", "  sampling: 10"]),
        ),
        (
            "proxy.istio.io/config",
            Value::Inline("'{ \"holdApplicationUntilProxyStarts\": \"true\" }'"),
        ),
        (
            "proxy.istio.io/config",
            Value::Inline("'{\"holdApplicationUntilProxyStarts\": false}'"),
        ),
        (
            "proxy.istio.io/config",
            Value::Inline("'{\"holdApplicationUntilProxyStart\": true}'"),
        ),
        (
            "proxy.istio.io/config",
            Value::Inline("{holdApplicationUntilProxyStarts: true}"),
        ),
        ("proxy.istio.io/config", Value::Inline("\"{}\"")),
        (
            "traffic.sidecar.istio.io/excludeOutboundIPRanges",
            Value::Inline("\"10.0.0.0/8, 172.16.0.0/12\""),
        ),
        (
            "traffic.sidecar.istio.io/excludeOutboundIPRanges",
            Value::Inline("10.8.0.1"),
        ),
        (
            "traffic.sidecar.istio.io/excludeOutboundIPRanges",
            Value::Inline("\"\""),
        ),
        (
            "traffic.sidecar.istio.io/excludeOutboundIPRanges",
            Value::Inline("'10.0.0.0/08,,10.0.0.010/32'"),
        ),
        (
            "traffic.sidecar.istio.io/excludeOutboundIPRanges",
            Value::Inline("10.1.2.3/8,10.0.0.0/8,10.0.0.0/8"),
        ),
        (
            "traffic.sidecar.istio.io/excludeOutboundIPRanges",
            Value::Inline("10.0.0.0/8;172.16.0.0/12"),
        ),
        (
            "traffic.sidecar.istio.io/excludeOutboundIPRanges",
            Value::Block(&["10.0.0.0/8,0.0.0.0/0"]),
        ),
        (
            "traffic.sidecar.istio.io/excludeOutboundIPRanges",
            Value::Inline("[10.0.0.0/8, 172.16.0.0/12]"),
        ),
        (
            "traffic.sidecar.istio.io/includeOutboundIPRanges",
            Value::Inline("''"),
        ),
        (
            "traffic.sidecar.istio.io/includeOutboundIPRanges",
            Value::Inline("\"*\""),
        ),
        (
            "traffic.sidecar.istio.io/excludeOutboundPorts",
            Value::Inline("8200"),
        ),
        (
            "traffic.sidecar.istio.io/excludeOutboundPorts",
            Value::Inline("\"8200, 8201,\""),
        ),
        (
            "traffic.sidecar.istio.io/excludeOutboundPorts",
            Value::Inline("\"80-90\""),
        ),
        (
            "traffic.sidecar.istio.io/excludeInboundPorts",
            Value::Inline("'15020;8080'"),
        ),
        (
            "traffic.sidecar.istio.io/includeInboundPorts",
            Value::Inline("\"8080\""),
        ),
        ("sidecar.istio.io/inject", Value::Inline("true")),
        ("sidecar.istio.io/inject", Value::Inline("\"True\"")),
        ("sidecar.istio.io/inject", Value::Inline("\"false\"")),
        (
            "sidecar.istio.io/interceptionMode",
            Value::Inline("redirect"),
        ),
        ("sidecar.istio.io/proxyCPU", Value::Inline("100m")),
        (
            "traffic.sidecar.istio.io/excludeOutboundIpRanges",
            Value::Inline("\"10.0.0.0/8\""),
        ),
        ("sidecar.istio.io/proxyMemori", Value::Inline("1Gi")),
        (
            "vault.hashicorp.com/agent-inject",
            Value::Inline("\"true\""),
        ),
        (
            "sidecar.istio.io/statsInclusionPrefixes",
            Value::Inline("cluster"),
        ),
        ("prometheus.io/port", Value::Inline("9090")),
        ("team", Value::Inline("payments")),
        ("description", Value::Block(&["Line one.", "", "Line two."])),
    ];

    const LABELS: &[(&str, Value)] = &[
        ("app", Value::Inline("web")),
        ("version", Value::Inline("08")),
        ("sidecar.istio.io/inject", Value::Inline("\"false\"")),
        ("sidecar.istio.io/inject", Value::Inline("\"true\"")),
        ("istio.io/rev", Value::Inline("canary")),
        (
            "traffic.sidecar.istio.io/excludeOutboundPorts",
            Value::Inline("\"8200\""),
        ),
        ("tier", Value::Inline("1")),
    ];

    /// Entries of an IstioOperator's `spec.values.global.proxy`.
    const OPERATOR: &[(&str, Value)] = &[
        ("holdApplicationUntilProxyStarts", Value::Inline("true")),
        ("excludeIPRanges", Value::Inline("\"\"")),
        (
            "excludeIPRanges",
            Value::Inline("\"10.0.0.0/8, 172.16.0.0/12\""),
        ),
        ("excludeIPRanges", Value::Inline("[10.0.0.0/8]")),
        ("includeIPRanges", Value::Inline("\"*\"")),
        ("excludeOutboundPorts", Value::Inline("8200")),
        ("excludeInboundPorts", Value::Inline("'15020;8080'")),
        ("excludeOutboundIPRanges", Value::Inline("\"10.0.0.0/8\"")),
        ("logLevel", Value::Inline("warning")),
        ("lifecycle", Value::Inline("{}")),
    ];

    #[derive(Clone, Debug)]
    enum Map {
        Missing,
        Null,
        Flow(Vec<usize>),
        Block(Vec<usize>),
    }

    #[derive(Clone, Debug)]
    pub struct Manifest {
        kind: usize,
        unit: usize,
        indentless: bool,
        crlf: bool,
        bom: bool,
        final_newline: bool,
        comments: bool,
        outer_annotations: Map,
        outer_labels: Map,
        template_metadata: bool,
        annotations: Map,
        labels: Map,
        pub vault: bool,
        pub unsafe_fixes: bool,
        /// `<<` merge keys: 0 none; 1 `<<: {entry}` in the pod template's annotations; 2
        /// `<<: {annotations: {entry}}` in its metadata; 3 the workload's annotations anchored
        /// and merged into the pod template's (`<<: *outer`).
        merge: usize,
        /// The entry merged (an index into the annotations).
        merged: usize,
        /// The workload's selector: 0 none; 1 `matchLabels` with the pod template's labels; 2
        /// `matchExpressions` (`In`) with them.
        selector: usize,
    }

    const KINDS: &[&str] = &[
        "IstioOperator",
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "Job",
        "CronJob",
        "Pod",
        "List",
    ];

    fn map(pool: usize) -> impl Strategy<Value = Map> {
        prop_oneof![
            1 => Just(Map::Missing),
            1 => Just(Map::Null),
            1 => proptest::collection::vec(0..pool, 0..3).prop_map(Map::Flow),
            4 => proptest::collection::vec(0..pool, 1..5).prop_map(Map::Block),
        ]
    }

    pub fn manifest() -> impl Strategy<Value = Manifest> {
        (
            (
                0..KINDS.len(),
                prop_oneof![Just(2usize), Just(4usize)],
                any::<bool>(),
                any::<bool>(),
                any::<bool>(),
                any::<bool>(),
                any::<bool>(),
            ),
            (
                map(ANNOTATIONS.len()),
                map(LABELS.len()),
                any::<bool>(),
                map(ANNOTATIONS.len()),
                map(LABELS.len()),
                any::<bool>(),
                any::<bool>(),
            ),
            (0..4usize, 0..ANNOTATIONS.len(), 0..3usize),
        )
            .prop_map(
                |(
                    (kind, unit, indentless, crlf, bom, final_newline, comments),
                    (
                        outer_annotations,
                        outer_labels,
                        template_metadata,
                        annotations,
                        labels,
                        vault,
                        unsafe_fixes,
                    ),
                    (merge, merged, selector),
                )| Manifest {
                    kind,
                    unit,
                    indentless,
                    crlf,
                    bom,
                    final_newline,
                    comments,
                    outer_annotations,
                    outer_labels,
                    template_metadata,
                    annotations,
                    labels,
                    vault,
                    unsafe_fixes,
                    merge,
                    merged,
                    selector,
                },
            )
    }

    /// `key: value` of annotation `i` on one line (a block value becomes `'x'`).
    fn inline_entry(i: usize) -> String {
        let (k, v) = &ANNOTATIONS[i];
        let v = match v {
            Value::Inline(t) => *t,
            Value::Block(_) => "'x'",
        };
        format!("{k}: {v}")
    }

    /// The distinct `(key, value)` texts of a label map.
    fn label_pairs(labels: &Map) -> Vec<(&'static str, &'static str)> {
        let (Map::Flow(items) | Map::Block(items)) = labels else {
            return Vec::new();
        };
        let mut out: Vec<(&str, &str)> = Vec::new();
        for &i in items {
            let (k, v) = &LABELS[i];
            if let Value::Inline(t) = v {
                if !out.iter().any(|(o, _)| o == k) {
                    out.push((k, t));
                }
            }
        }
        out
    }

    struct Writer {
        out: String,
        unit: usize,
        comments: bool,
        n: usize,
    }

    impl Writer {
        fn line(&mut self, depth: usize, s: &str) {
            self.out.push_str(&" ".repeat(depth * self.unit));
            self.out.push_str(s);
            self.out.push('\n');
        }

        fn comment(&mut self, depth: usize) {
            if self.comments {
                self.n += 1;
                let n = self.n;
                // Every third comment is a suppression (used or not: MESH903).
                let text = match n % 3 {
                    0 => "# meshlint: ignore[MESH101]".to_owned(),
                    1 if n > 1 => "# meshlint: ignore[MESH302,MESH501] a reason".to_owned(),
                    _ => format!("# comment {n}"),
                };
                self.line(depth, &text);
            }
        }

        fn map(&mut self, depth: usize, key: &str, map: &Map, pool: &[(&str, Value)]) {
            self.map_with(depth, key, map, pool, None, "");
        }

        /// `key:` and `map`, with `first` (`<<: ...`) as its first entry and `props` (an anchor)
        /// after the key.
        fn map_with(
            &mut self,
            depth: usize,
            key: &str,
            map: &Map,
            pool: &[(&str, Value)],
            first: Option<&str>,
            props: &str,
        ) {
            match map {
                Map::Missing | Map::Null if first.is_some() => {
                    self.line(depth, &format!("{key}:"));
                    self.line(depth + 1, first.unwrap_or_default());
                }
                Map::Missing => {}
                Map::Null => self.line(depth, &format!("{key}:")),
                Map::Flow(items) => {
                    let mut items = items.clone();
                    items.sort_by_key(|&i| pool[i].0);
                    items.dedup_by_key(|i| pool[*i].0);
                    let entries: Vec<String> = items
                        .iter()
                        .map(|&i| {
                            let (k, v) = &pool[i];
                            let v = match v {
                                Value::Inline(t) => *t,
                                Value::Block(_) => "'x'",
                            };
                            format!("{k}: {v}")
                        })
                        .collect();
                    let entries: Vec<String> = first
                        .map(str::to_owned)
                        .into_iter()
                        .chain(entries)
                        .collect();
                    self.line(depth, &format!("{key}: {props}{{{}}}", entries.join(", ")));
                }
                Map::Block(items) => {
                    self.comment(depth);
                    self.line(
                        depth,
                        &format!("{key}:{}", props.trim_end().replace('&', " &")),
                    );
                    if let Some(first) = first {
                        self.line(depth + 1, first);
                    }
                    let mut seen = Vec::new();
                    for (n, &i) in items.iter().enumerate() {
                        // No duplicate keys: MESH503 has no fix, and its message names a line.
                        if seen.contains(&pool[i].0) {
                            continue;
                        }
                        seen.push(pool[i].0);
                        let (k, v) = &pool[i];
                        if n == 1 {
                            self.comment(depth + 1);
                        }
                        match v {
                            Value::Inline(t) => {
                                let trailing = if self.comments && n % 2 == 0 {
                                    " # note"
                                } else {
                                    ""
                                };
                                self.line(depth + 1, &format!("{k}: {t}{trailing}"));
                            }
                            Value::Block(lines) => {
                                self.line(depth + 1, &format!("{k}: |"));
                                for l in *lines {
                                    if l.is_empty() {
                                        self.out.push('\n');
                                    } else {
                                        self.line(depth + 2, l);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        fn containers(&mut self, depth: usize, indentless: bool) {
            self.line(depth, "containers:");
            let d = if indentless { depth } else { depth + 1 };
            self.line(d, "- name: app");
            let pad = " ".repeat(2);
            self.out.push_str(&" ".repeat(d * self.unit));
            self.out.push_str(&pad);
            self.out.push_str("image: app:1\n");
        }
    }

    /// An IstioOperator with `spec.values.global.proxy` entries (and a mesh config).
    fn render_operator(w: &mut Writer, m: &Manifest) {
        w.line(0, "apiVersion: install.istio.io/v1alpha1");
        w.line(0, "kind: IstioOperator");
        w.line(0, "spec:");
        if m.template_metadata {
            w.comment(1);
            w.line(1, "meshConfig:");
            w.line(2, "defaultConfig:");
            w.line(3, "concurrency: 2");
        }
        w.line(1, "values:");
        w.line(2, "global:");
        let entries = match &m.annotations {
            Map::Flow(v) | Map::Block(v) => v.iter().map(|i| i % OPERATOR.len()).collect(),
            _ => vec![0],
        };
        w.map(3, "proxy", &Map::Block(entries), OPERATOR);
    }

    /// The workload's selector (see [`Manifest::selector`]) at depth `top + 1`.
    fn write_selector(w: &mut Writer, m: &Manifest, top: usize) {
        let pairs = label_pairs(&m.labels);
        w.line(top + 1, "selector:");
        if m.selector == 1 || pairs.is_empty() {
            w.line(top + 2, "matchLabels:");
            if pairs.is_empty() {
                w.line(top + 3, "app: web");
            }
            for (k, v) in &pairs {
                w.line(top + 3, &format!("{k}: {v}"));
            }
        } else {
            w.line(top + 2, "matchExpressions:");
            for (k, v) in &pairs {
                w.line(
                    top + 3,
                    &format!("- {{key: {k}, operator: In, values: [{v}]}}"),
                );
            }
        }
    }

    /// Turns the object written from `start` into the item of a List: `- ` replaces the first
    /// indentation.
    fn as_list_item(w: &mut Writer, start: usize, m: &Manifest) {
        // Turn the object into a sequence item: `- ` replaces the first indentation.
        let body = w.out.split_off(start);
        let unit = m.unit;
        let item_indent = if m.indentless { 0 } else { unit };
        let mut first = true;
        for line in body.split_inclusive('\n') {
            let rest = line.strip_prefix(&" ".repeat(unit)).unwrap_or(line);
            if first {
                w.out.push_str(&" ".repeat(item_indent));
                w.out.push_str("- ");
                w.out.push_str(rest.trim_start());
                first = false;
            } else if rest.trim().is_empty() {
                w.out.push_str(rest);
            } else {
                w.out.push_str(&" ".repeat(item_indent + 2));
                w.out.push_str(rest);
            }
        }
    }

    pub fn render(m: &Manifest) -> String {
        let mut w = Writer {
            out: String::new(),
            unit: m.unit,
            comments: m.comments,
            n: 0,
        };
        let kind = KINDS[m.kind];
        if kind == "IstioOperator" {
            render_operator(&mut w, m);
            return finish(w.out, m);
        }
        let (top, kind_name) = if kind == "List" {
            w.line(0, "apiVersion: v1");
            w.line(0, "kind: List");
            w.line(0, "items:");
            (1usize, "Deployment")
        } else {
            (0usize, kind)
        };
        // Items of a List are written `- key:` at depth 1 (indented) or 0 (indentless); their
        // keys then sit 2 columns further. Keep it simple: render the object at depth `top` and
        // prefix the first line with `- `.
        let start = w.out.len();
        let api = match kind_name {
            "Pod" => "v1",
            "Job" | "CronJob" => "batch/v1",
            _ => "apps/v1",
        };
        w.line(top, &format!("apiVersion: {api}"));
        w.line(top, &format!("kind: {kind_name}"));
        w.line(top, "metadata:");
        w.line(top + 1, "name: web");
        let anchored = m.merge == 3 && matches!(m.outer_annotations, Map::Block(_) | Map::Flow(_));
        let anchor = if anchored { "&outer " } else { "" };
        w.map_with(
            top + 1,
            "annotations",
            &m.outer_annotations,
            ANNOTATIONS,
            None,
            anchor,
        );
        w.map(top + 1, "labels", &m.outer_labels, LABELS);
        w.line(top, "spec:");
        if m.selector > 0 && matches!(kind_name, "Deployment" | "StatefulSet" | "DaemonSet") {
            write_selector(&mut w, m, top);
        }
        let tdepth = match kind_name {
            "Pod" => top + 1,
            "CronJob" => {
                w.line(top + 1, "schedule: \"@daily\"");
                w.line(top + 1, "jobTemplate:");
                w.line(top + 2, "spec:");
                w.line(top + 3, "template:");
                top + 4
            }
            _ => {
                w.line(top + 1, "template:");
                top + 2
            }
        };
        if kind_name == "Pod" {
            w.containers(top + 1, m.indentless);
        } else {
            w.comment(tdepth);
            if m.template_metadata {
                w.line(tdepth, "metadata:");
                let entry = inline_entry(m.merged);
                if m.merge == 2 {
                    w.line(tdepth + 1, &format!("<<: {{annotations: {{{entry}}}}}"));
                }
                let first = match m.merge {
                    1 => Some(format!("<<: {{{entry}}}")),
                    3 if anchored => Some("<<: *outer".to_owned()),
                    _ => None,
                };
                w.map_with(
                    tdepth + 1,
                    "annotations",
                    &m.annotations,
                    ANNOTATIONS,
                    first.as_deref(),
                    "",
                );
                w.map(tdepth + 1, "labels", &m.labels, LABELS);
                if matches!((&m.annotations, &m.labels), (Map::Missing, Map::Missing)) {
                    w.line(tdepth + 1, "labels: {app: web}");
                }
            }
            w.line(tdepth, "spec:");
            if kind_name == "Job" || kind_name == "CronJob" {
                w.line(tdepth + 1, "restartPolicy: Never");
            }
            w.containers(tdepth + 1, m.indentless);
        }
        if kind == "List" {
            as_list_item(&mut w, start, m);
        }
        finish(w.out, m)
    }

    fn finish(mut text: String, m: &Manifest) -> String {
        if !m.final_newline {
            text.pop();
        }
        if m.crlf {
            text = text.replace('\n', "\r\n");
        }
        if m.bom {
            text.insert(0, '\u{feff}');
        }
        text
    }

    pub fn options(vault: bool) -> LintOptions {
        let mut o = LintOptions::default();
        if vault {
            o.vault.addresses.push("10.20.0.0/16".parse().unwrap());
        }
        o
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 384, ..ProptestConfig::default() })]

        #[test]
        fn generated_manifests_fix_cleanly(m in manifest()) {
            let text = render(&m);
            prop_assume!(parses(&text));
            if let Err(e) = check(&text, "gen.yaml", &options(m.vault), m.unsafe_fixes) {
                prop_assert!(false, "{e}\n── manifest: {m:?}");
            }
        }
    }

    // ── Real manifests ─────────────────────────────────────────────────────────────────────

    fn real() -> Vec<(String, String)> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/real");
        let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("yaml" | "yml" | "json")
                )
            })
            .map(|p| {
                (
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    std::fs::read_to_string(&p).unwrap(),
                )
            })
            .collect();
        out.sort();
        assert!(out.len() >= 20, "testdata/real holds the real manifests");
        out
    }

    #[test]
    fn real_manifests_fix_cleanly_as_they_are() {
        let mut errors = Vec::new();
        for (name, text) in real() {
            for unsafe_fixes in [false, true] {
                for vault in [false, true] {
                    if let Err(e) = check(&text, &name, &options(vault), unsafe_fixes) {
                        errors.push(format!(
                            "{name} (unsafe {unsafe_fixes}, vault {vault}): {e}"
                        ));
                    }
                }
            }
        }
        assert!(errors.is_empty(), "{}", errors.join("\n\n"));
    }

    /// Lines `key:` (a block mapping key with nothing after it, or a comment) in `text` that
    /// are followed by a more indented line: places where an entry can be inserted.
    fn insertion_points(text: &str) -> Vec<(usize, String)> {
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let mut offset = 0;
        let mut out = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            offset += line.len();
            let content = line.trim_end_matches(['\n', '\r']);
            let trimmed = content.trim_start();
            if !(trimmed == "annotations:" || trimmed == "labels:") {
                continue;
            }
            let Some(next) = lines.get(i + 1) else {
                continue;
            };
            let next_indent = next.len() - next.trim_start_matches(' ').len();
            let indent = content.len() - trimmed.len();
            if next_indent > indent && !next.trim_start().starts_with('-') {
                out.push((offset, " ".repeat(next_indent)));
            }
        }
        out
    }

    pub fn real_mutant() -> impl Strategy<Value = (String, String, bool, bool)> {
        let files = real();
        let n = files.len();
        (
            0..n,
            proptest::collection::vec((0..64usize, 0..ANNOTATIONS.len()), 1..4),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(move |(f, inserts, crlf, bom, vault, unsafe_fixes)| {
                let (name, text) = &files[f];
                let mut text = text.clone();
                for (at, entry) in inserts {
                    let points = insertion_points(&text);
                    if points.is_empty() {
                        break;
                    }
                    let (offset, indent) = &points[at % points.len()];
                    let nl = if text.contains("\r\n") { "\r\n" } else { "\n" };
                    let (k, v) = &ANNOTATIONS[entry];
                    if text.contains(&format!("{k}:")) {
                        continue; // No duplicate keys (see the generated manifests).
                    }
                    let line = match v {
                        Value::Inline(t) => format!("{indent}{k}: {t}{nl}"),
                        Value::Block(lines) => {
                            let mut s = format!("{indent}{k}: |{nl}");
                            for l in *lines {
                                if !l.is_empty() {
                                    s.push_str(indent);
                                    s.push_str("  ");
                                    s.push_str(l);
                                }
                                s.push_str(nl);
                            }
                            s
                        }
                    };
                    text.insert_str(*offset, &line);
                }
                if crlf && !text.contains('\r') {
                    text = text.replace('\n', "\r\n");
                }
                if bom {
                    text.insert(0, '\u{feff}');
                }
                (name.clone(), text, vault, unsafe_fixes)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn real_manifests_with_defects_fix_cleanly((name, text, vault, unsafe_fixes) in real_mutant()) {
            prop_assume!(parses(&text));
            if let Err(e) = check(&text, &name, &options(vault), unsafe_fixes) {
                prop_assert!(false, "{name}: {e}");
            }
        }
    }
}
