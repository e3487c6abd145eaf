//! The YAML layer's own tests: exact spans for every pitfall of `research/yaml-libs.md`.

use super::resolve::{resolve, ScalarType};
use super::*;

fn one(text: &str) -> Document<'_> {
    let mut docs = parse(text);
    assert_eq!(docs.len(), 1, "{docs:?}");
    docs.remove(0).expect("parses")
}

fn slice<'t>(text: &'t str, node: NodeRef<'_, '_>) -> &'t str {
    node.range().slice(text)
}

#[test]
fn scalar_spans_include_quotes_not_tags_or_anchors() {
    let text = "a: &x !!str 1\nb: 'q'\nc: \"d\\n\"\nd: *x\n";
    let doc = one(text);
    let root = doc.root().unwrap();
    assert_eq!(slice(text, root.get("a").unwrap()), "1");
    assert_eq!(root.get("a").unwrap().node().props_start, 3);
    assert_eq!(root.get("a").unwrap().node().tag, Some(Tag::Str));
    assert_eq!(slice(text, root.get("b").unwrap()), "'q'");
    assert_eq!(slice(text, root.get("c").unwrap()), "\"d\\n\"");
    assert_eq!(root.get("c").unwrap().as_str(), Some("d\n"));
    let alias = root.get("d").unwrap();
    assert!(alias.is_alias());
    assert_eq!(slice(text, alias), "*x");
    assert_eq!(alias.resolved().as_str(), Some("1"));
}

#[test]
fn block_scalar_span_runs_from_indicator_to_last_content_line() {
    let text = "a:\n  b: |-\n    one\n    two\n\n  c: >\n    x\n";
    let doc = one(text);
    let a = doc.root().unwrap().get("a").unwrap();
    assert_eq!(slice(text, a.get("b").unwrap()), "|-\n    one\n    two");
    assert_eq!(a.get("b").unwrap().as_str(), Some("one\ntwo"));
    assert_eq!(slice(text, a.get("c").unwrap()), ">\n    x");
}

#[test]
fn block_scalar_with_comment_and_properties_before_indicator() {
    let text = "k: &a !!str | # note\n  body\nz: 1\n";
    let doc = one(text);
    assert_eq!(
        slice(text, doc.root().unwrap().get("k").unwrap()),
        "| # note\n  body"
    );
    let seq = "- |\n  x\n- >-\n  y\n";
    let doc = one(seq);
    let items: Vec<_> = doc.root().unwrap().items().collect();
    assert_eq!(slice(seq, items[0]), "|\n  x");
    assert_eq!(slice(seq, items[1]), ">-\n  y");
}

#[test]
fn block_collection_ends_at_last_child_not_next_comment() {
    let text = "a:\n  b: 1\n  c: 2\n# about d\nd: 3\n";
    let doc = one(text);
    assert_eq!(
        slice(text, doc.root().unwrap().get("a").unwrap()),
        "b: 1\n  c: 2"
    );
}

#[test]
fn indentless_sequence_starts_at_dash() {
    let text = "e:\n- f\n- g\nh:\n  - i\n";
    let doc = one(text);
    let root = doc.root().unwrap();
    assert_eq!(slice(text, root.get("e").unwrap()), "- f\n- g");
    assert_eq!(slice(text, root.get("h").unwrap()), "- i");
}

#[test]
fn empty_value_is_zero_width_after_colon() {
    let text = "g:\nk:   # c\nz: 1\n";
    let doc = one(text);
    let root = doc.root().unwrap();
    let g = root.get("g").unwrap();
    assert_eq!(g.range(), crate::source::TextRange::new(2, 2));
    assert!(g.is_null());
    let k = root.get("k").unwrap();
    assert_eq!(k.range().start(), 5);
    assert!(k.range().is_empty());
}

#[test]
fn flow_collections_span_their_brackets() {
    let text = "k: {x: 1, y: [a, b]}\nm: {}\n";
    let doc = one(text);
    let root = doc.root().unwrap();
    assert_eq!(slice(text, root.get("k").unwrap()), "{x: 1, y: [a, b]}");
    assert_eq!(slice(text, root.path(&["k", "y"]).unwrap()), "[a, b]");
    assert_eq!(slice(text, root.get("m").unwrap()), "{}");
    assert_eq!(
        root.get("m").unwrap().collection_style(),
        Some(CollectionStyle::Flow)
    );
}

#[test]
fn multi_document_streams() {
    let text = "a: 1\n---\nb: 2\n...\n---\nc: 3\n";
    let docs = parse(text);
    assert_eq!(docs.len(), 3);
    let c = docs[2].as_ref().unwrap();
    assert_eq!(c.index, 2);
    assert_eq!(slice(text, c.root().unwrap().get("c").unwrap()), "3");
}

#[test]
fn syntax_error_in_one_document_keeps_the_others() {
    let text = "a: 1\n---\nb: {c: 1\n---\nd: 2\n";
    let docs = parse(text);
    assert!(docs[0].is_ok());
    let err = docs[1].as_ref().unwrap_err();
    assert!(err.offset >= 9, "{err:?}");
    assert!(
        docs.iter()
            .filter_map(|d| d.as_ref().ok())
            .any(|d| d.root().unwrap().get("d").is_some()),
        "{docs:?}"
    );
}

#[test]
fn duplicate_keys_are_recorded() {
    let text = "a: 1\nb: 2\na: 3\n";
    let doc = one(text);
    assert_eq!(doc.duplicate_keys.len(), 1);
    let (first, second) = doc.duplicate_keys[0];
    assert_eq!(doc.node(first).range.start(), 0);
    assert_eq!(doc.node(second).range.start(), 10);
    // The last one wins for lookups, as in Kubernetes.
    assert_eq!(doc.root().unwrap().get_str("a"), Some("3"));
}

#[test]
fn many_keys_duplicate_detection() {
    use std::fmt::Write;
    let mut text = String::new();
    for i in 0..100 {
        writeln!(text, "k{i}: {i}").unwrap();
    }
    text.push_str("k7: again\n");
    let doc = one(&text);
    assert_eq!(doc.duplicate_keys.len(), 1);
}

#[test]
fn alias_bomb_costs_nothing() {
    use std::fmt::Write as _;
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
    for i in 1..30 {
        let p = i - 1;
        writeln!(text, "l{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}]").unwrap();
    }
    let doc = one(&text);
    assert!(doc.nodes.len() < 1000);
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let text = "[".repeat(100_000);
    let docs = parse(&text);
    assert!(docs.iter().any(Result::is_err));
    let mut block = String::new();
    for i in 0..2000 {
        block.push_str(&" ".repeat(i));
        block.push_str("a:\n");
    }
    let docs = parse(&block);
    assert!(docs.iter().any(Result::is_err));
}

#[test]
fn crlf_bom_tabs_and_non_ascii() {
    let text = "\u{feff}a: 1\r\nb: 'é'\r\nc:\r\n  - x\r\n";
    let doc = one(text);
    let root = doc.root().unwrap();
    assert_eq!(slice(text, root.get("b").unwrap()), "'é'");
    assert_eq!(slice(text, root.get("c").unwrap()), "- x");
    let tabs = "a:\t1\nb: \"\tx\"\n";
    let doc = one(tabs);
    assert_eq!(doc.root().unwrap().get_str("a"), Some("1"));
}

#[test]
fn comments_are_recorded_by_range() {
    let text = "# head\na: 1 # tail\n";
    let doc = one(text);
    let got: Vec<&str> = doc.comments.iter().map(|r| r.slice(text)).collect();
    assert_eq!(got, ["# head", "# tail"]);
}

#[test]
fn kubernetes_typing_through_the_tree() {
    let text =
        "a: 08\nb: \"08\"\nc: !!str 8\nd: &p 8200\ne: *p\nf: yes\ng:\nh: 2024-01-01\ni: !foo 8\n";
    let doc = one(text);
    let root = doc.root().unwrap();
    let t = |k: &str| resolve(root.get(k).unwrap());
    assert_eq!(t("a"), ScalarType::Float);
    assert_eq!(t("b"), ScalarType::Str);
    assert_eq!(t("c"), ScalarType::Str);
    assert_eq!(t("d"), ScalarType::Int);
    assert_eq!(t("e"), ScalarType::Int);
    assert_eq!(t("f"), ScalarType::Bool);
    assert_eq!(t("g"), ScalarType::Null);
    assert_eq!(t("h"), ScalarType::Str);
    assert_eq!(t("i"), ScalarType::Str);
}

#[test]
fn json_is_yaml() {
    let text = "{\"kind\": \"Pod\", \"metadata\": {\"annotations\": {\"x\": \"1\"}}}";
    let doc = one(text);
    let x = doc
        .root()
        .unwrap()
        .path(&["metadata", "annotations", "x"])
        .unwrap();
    assert_eq!(slice(text, x), "\"1\"");
}

#[test]
fn empty_and_comment_only_streams() {
    assert!(parse("").iter().all(Result::is_ok));
    assert!(parse("# only\n").iter().all(Result::is_ok));
    assert!(parse("---\n---\n").iter().all(Result::is_ok));
}

#[test]
fn block_scalar_at_end_of_input_without_line_break_has_no_final_newline() {
    // libyaml and go-yaml v2: the chomping indicators act on line breaks, and the last line
    // of a file without a final newline has none.
    for (text, want) in [
        ("k: |\n  10.0.0.0/8", "10.0.0.0/8"),
        ("k: |+\n  a", "a"),
        ("k: >\n  a\n  b", "a b"),
        ("k: |\n  a\n  b", "a\nb"),
        ("k: |\n  a\n", "a\n"),
        ("k: |+\n  a\n\n", "a\n\n"),
        ("k: |\r\n  a", "a"),
        ("k: |+\n  a\n ", "a\n"),
        ("k: |+\n  a\n\n ", "a\n\n"),
        ("k: >+\n  a", "a"),
    ] {
        let doc = one(text);
        assert_eq!(doc.root().unwrap().get_str("k"), Some(want), "{text:?}");
    }
}

#[test]
fn a_block_list_ending_the_file_is_not_reported_for_a_newline_it_does_not_have() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    \
                proxy.istio.io/config: '{\"holdApplicationUntilProxyStarts\": true}'\n    \
                traffic.sidecar.istio.io/excludeOutboundIPRanges: |\n      10.0.0.0/8";
    let diags = crate::lint_source(
        text,
        "pod.yaml",
        &crate::context::LintOptions::default(),
        &crate::rules::RuleSelector::default(),
    );
    assert!(diags.is_empty(), "{diags:#?}");
    let with_newline = format!("{text}\n");
    let diags = crate::lint_source(
        &with_newline,
        "pod.yaml",
        &crate::context::LintOptions::default(),
        &crate::rules::RuleSelector::default(),
    );
    assert_eq!(
        diags.iter().map(|d| d.code).collect::<Vec<_>>(),
        ["MESH302"]
    );
}
