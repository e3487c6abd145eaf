//! Tests of the edit toolkit: each helper on the shapes real files have.

use super::*;
use crate::fix::apply_edits;
use crate::yaml::parse;

fn apply(text: &str, edits: &[Edit]) -> String {
    apply_edits(text, edits).expect("edits apply")
}

/// `append_entry(key: value)` on the mapping at `path` of `text`, applied.
fn appended(text: &str, path: &[&str], key: &str, value: &str) -> Option<String> {
    let docs = parse(text);
    let map = docs[0]
        .as_ref()
        .unwrap()
        .root()
        .unwrap()
        .path(path)
        .unwrap();
    append_entry(text, map, key, value).map(|e| apply(text, &[e]))
}

#[test]
fn append_after_a_block_scalar_ending_the_file_keeps_its_value() {
    for (text, fixed) in [
        ("a:\n  n: |\n    hello", "a:\n  n: |-\n    hello\n  k: v"),
        (
            "a:\n  n: |+\n    x\n    y",
            "a:\n  n: |-\n    x\n    y\n  k: v",
        ),
        (
            "a:\n  n: >2 # c\n     x",
            "a:\n  n: >-2 # c\n     x\n  k: v",
        ),
        ("a:\n  n: |-\n    hello", "a:\n  n: |-\n    hello\n  k: v"),
        // With a final line break the value is unchanged by what follows.
        ("a:\n  n: |\n    hello\n", "a:\n  n: |\n    hello\n  k: v\n"),
    ] {
        let out = appended(text, &["a"], "k", "v").unwrap();
        assert_eq!(out, fixed, "{text:?}");
        let value = |t: &str| {
            let docs = parse(t);
            let root = docs[0].as_ref().unwrap().root().unwrap();
            root.path(&["a", "n"]).unwrap().as_str().unwrap().to_owned()
        };
        assert_eq!(value(&out), value(text), "{text:?}");
    }
}

#[test]
fn append_beside_explicit_keys_uses_the_entry_column() {
    let text = "a:\n  ? x\n  : '1'\n";
    assert_eq!(
        appended(text, &["a"], "k", "v").unwrap(),
        "a:\n  ? x\n  : '1'\n  k: v\n"
    );
    let text = "a:\n  &k x: '1'\n";
    assert_eq!(
        appended(text, &["a"], "k", "v").unwrap(),
        "a:\n  &k x: '1'\n  k: v\n"
    );
}

#[test]
fn append_to_block_mapping_keeps_indent_and_crlf() {
    let text = "metadata:\r\n    annotations:\r\n        a: '1' # c\r\n    labels: {}\r\n";
    let docs = parse(text);
    let doc = docs[0].as_ref().unwrap();
    let ann = doc
        .root()
        .unwrap()
        .path(&["metadata", "annotations"])
        .unwrap();
    let e = append_entry(text, ann, "b", "'2'").unwrap();
    assert_eq!(apply(text, &[e]), "metadata:\r\n    annotations:\r\n        a: '1' # c\r\n        b: '2'\r\n    labels: {}\r\n");
    let labels = doc.root().unwrap().path(&["metadata", "labels"]).unwrap();
    let e = append_entry(text, labels, "x", "'y'").unwrap();
    assert!(apply(text, &[e]).contains("labels: {x: 'y'}"));
}

#[test]
fn nested_metadata_goes_first() {
    let text = "spec:\n  template:\n    spec:\n      containers: []\n";
    let docs = parse(text);
    let doc = docs[0].as_ref().unwrap();
    let tpl = doc.root().unwrap().path(&["spec", "template"]).unwrap();
    let e = insert_nested(text, tpl, &["metadata", "annotations"], "k", "'v'").unwrap();
    assert_eq!(
        apply(text, &[e]),
        "spec:\n  template:\n    metadata:\n      annotations:\n        k: 'v'\n    spec:\n      containers: []\n"
    );
}

#[test]
fn fill_null_value() {
    let text = "metadata:\n  annotations:\n  name: x\n";
    let docs = parse(text);
    let doc = docs[0].as_ref().unwrap();
    let (k, v) = doc
        .root()
        .unwrap()
        .get("metadata")
        .unwrap()
        .entry("annotations")
        .unwrap();
    let edits = fill_null(text, k, v, "a", "'b'");
    assert_eq!(
        apply(text, &edits),
        "metadata:\n  annotations:\n    a: 'b'\n  name: x\n"
    );
}

#[test]
fn delete_block_and_flow_entries() {
    let text = "m:\n  a: 1\n  b: 2 # c\n  c: 3";
    let docs = parse(text);
    let doc = docs[0].as_ref().unwrap();
    let m = doc.root().unwrap().get("m").unwrap();
    let (k, v) = m.entry("b").unwrap();
    assert_eq!(
        apply(text, &[delete_entry(text, m, k, v).unwrap()]),
        "m:\n  a: 1\n  # c\n  c: 3",
        "the comment on the deleted entry's line stays"
    );
    let (k, v) = m.entry("c").unwrap();
    assert_eq!(
        apply(text, &[delete_entry(text, m, k, v).unwrap()]),
        "m:\n  a: 1\n  b: 2 # c"
    );
    let flow = "m: {a: 1, b: 2}\n";
    let docs = parse(flow);
    let doc = docs[0].as_ref().unwrap();
    let m = doc.root().unwrap().get("m").unwrap();
    let (k, v) = m.entry("a").unwrap();
    assert_eq!(
        apply(flow, &[delete_entry(flow, m, k, v).unwrap()]),
        "m: {b: 2}\n"
    );
    let (k, v) = m.entry("b").unwrap();
    assert_eq!(
        apply(flow, &[delete_entry(flow, m, k, v).unwrap()]),
        "m: {a: 1}\n"
    );
    let one = "m: { a: '' }\n";
    let docs = parse(one);
    let doc = docs[0].as_ref().unwrap();
    let m = doc.root().unwrap().get("m").unwrap();
    let (k, v) = m.entry("a").unwrap();
    let e = delete_entry(one, m, k, v).unwrap();
    assert_eq!(apply(one, std::slice::from_ref(&e)), "m: {}\n");
    // An append after the deleted entry collides with the deletion.
    let append = append_entry(one, m, "b", "1").unwrap();
    let at = append.range.start();
    assert!(e.range.overlaps(append.range) || (e.range.start() <= at && at <= e.range.end()));
}

#[test]
fn quoting() {
    assert_eq!(quote("it's", false), "'it''s'");
    assert_eq!(quote("a\nb", false), "\"a\\nb\"");
    assert_eq!(quote("8200", true), "\"8200\"");
}

/// `text` with the scalar value under `path` rewritten to `new`.
fn rewrite(text: &str, path: &[&str], new: &str) -> String {
    let docs = parse(text);
    let doc = docs[0].as_ref().unwrap();
    let node = doc.root().unwrap().path(path).unwrap();
    let e = rewrite_scalar(text, node, new).expect("an edit");
    let out = apply(text, &[e]);
    let docs = parse(&out);
    let doc = docs[0].as_ref().expect("still parses");
    assert_eq!(
        doc.root().unwrap().path(path).unwrap().as_str(),
        Some(new),
        "{out}"
    );
    out
}

#[test]
fn rewrite_keeps_double_quotes_and_escapes() {
    let text = "a: \"{\\\"x\\\": \\\"\\t\\u00e9\\\"}\" # c\n";
    assert_eq!(
        rewrite(text, &["a"], "{\"x\": \"\t\u{e9}\", \"h\": true}"),
        "a: \"{\\\"x\\\": \\\"\\t\\u00e9\\\", \\\"h\\\": true}\" # c\n"
    );
}

#[test]
fn rewrite_keeps_single_quotes() {
    assert_eq!(
        rewrite("a: '{\"x\": 1}'\r\n", &["a"], "{\"x\": 1, \"y\": 'q'}"),
        "a: '{\"x\": 1, \"y\": ''q''}'\r\n"
    );
}

#[test]
fn rewrite_literal_block_appends_a_line() {
    let text = "a: | # keep me\r\n    x: 1\r\n    y:\r\n      z: 2\r\nb: 1\r\n";
    assert_eq!(
        rewrite(text, &["a"], "x: 1\ny:\n  z: 2\nh: true\n"),
        "a: | # keep me\r\n    x: 1\r\n    y:\r\n      z: 2\r\n    h: true\r\nb: 1\r\n"
    );
    let text = "a: |-\n  x: 1\n\n  y: 2\nb: 1";
    assert_eq!(
        rewrite(text, &["a"], "x: 1\n\ny: 2\nh: true"),
        "a: |-\n  x: 1\n\n  y: 2\n  h: true\nb: 1"
    );
    // A literal block's final newline cannot go with clip chomping: quoted instead.
    assert_eq!(rewrite("a: |\n  x\n", &["a"], "x"), "a: \"x\"\n");
}

#[test]
fn rewrite_multiline_quoted_and_folds() {
    let text = "a: \"x,\n  y\"\n";
    assert_eq!(rewrite(text, &["a"], "x, y,z"), "a: \"x,\n  y,z\"\n");
    let text = "a: 'one\n\n  two'\n";
    assert_eq!(
        rewrite(text, &["a"], "one\ntwo three"),
        "a: 'one\n\n  two three'\n"
    );
}

#[test]
fn rewrite_plain_stays_plain_when_it_can() {
    assert_eq!(
        rewrite("a: 10.0.0.1 # c\n", &["a"], "10.0.0.1/32"),
        "a: 10.0.0.1/32 # c\n"
    );
    // A value that would read as something else, or cannot be plain, gets quotes.
    assert_eq!(rewrite("a: x\n", &["a"], "true"), "a: \"true\"\n");
    assert_eq!(rewrite("a: x\n", &["a"], "x: y"), "a: \"x: y\"\n");
    assert_eq!(
        rewrite("a: {b: x}\n", &["a", "b"], "x,y"),
        "a: {b: \"x,y\"}\n"
    );
}

#[test]
fn rewrite_multiline_plain_in_place() {
    // The fold between the lines is the space that goes; the lines join.
    let text = "a: 172.16.0.0/12,\n  1.2.3.4/32,5.6.7.8\nb: 1\n";
    assert_eq!(
        rewrite(text, &["a"], "172.16.0.0/12,1.2.3.4/32,5.6.7.8"),
        "a: 172.16.0.0/12,1.2.3.4/32,5.6.7.8\nb: 1\n"
    );
    assert_eq!(
        rewrite(text, &["a"], "172.16.0.0/12, 1.2.3.4/32,5.6.7.8/32"),
        "a: 172.16.0.0/12,\n  1.2.3.4/32,5.6.7.8/32\nb: 1\n"
    );
}

/// The file offsets `value_offsets` gives for the value of `a` in `text`.
fn offsets(text: &str) -> Vec<Option<u32>> {
    let docs = parse(text);
    let doc = docs[0].as_ref().unwrap();
    value_offsets(text, doc.root().unwrap().get("a").unwrap()).expect("maps")
}

#[test]
fn value_offsets_of_folded_plain_and_indented_blocks() {
    // `>-` body: the value's first byte is the body's.
    let text = "a: >-\n  x,y\nb: 1\n";
    assert_eq!(offsets(text)[2], Some(text.find(",y").unwrap() as u32 + 1));
    // Multi-line plain: the folded space runs from line 1's end to line 2's content.
    let text = "a: x,\n  y\n";
    let o = offsets(text);
    assert_eq!(o[2], Some(5));
    assert_eq!(o[3], Some(8));
    // An explicit indentation indicator counts from the key's indentation.
    let text = "m:\n  a: |2-\n      x\n";
    let docs = parse(text);
    let doc = docs[0].as_ref().unwrap();
    let v = doc.root().unwrap().path(&["m", "a"]).unwrap();
    assert_eq!(v.as_str(), Some("  x"));
    let o = value_offsets(text, v).expect("maps");
    assert_eq!(o[0], Some(text.find("  x").unwrap() as u32));
    // A block that ends the file without a line break maps whether or not the parser
    // gives it a final newline.
    let text = "a: |\n  x\n  y";
    let docs = parse(text);
    let doc = docs[0].as_ref().unwrap();
    let v = doc.root().unwrap().get("a").unwrap();
    let o = value_offsets(text, v).expect("maps");
    assert_eq!(o.len(), v.as_str().unwrap().len() + 1);
    assert_eq!(o[3], Some(text.len() as u32));
}

#[test]
fn rewrite_of_a_non_string_plain_quotes_it() {
    let text = "a: 8200\n";
    let docs = parse(text);
    let doc = docs[0].as_ref().unwrap();
    let v = doc.root().unwrap().get("a").unwrap();
    let e = rewrite_scalar(text, v, "8200").unwrap();
    assert_eq!(apply(text, &[e]), "a: \"8200\"\n");
    let text = "a: '8200'\n";
    let docs = parse(text);
    let doc = docs[0].as_ref().unwrap();
    assert!(rewrite_scalar(text, doc.root().unwrap().get("a").unwrap(), "8200").is_none());
}

#[test]
fn rename_key_keeps_style() {
    let text = "m:\n  \"excludeOutboundIpRanges\": x\n  b: 1\n";
    let docs = parse(text);
    let doc = docs[0].as_ref().unwrap();
    let (k, _) = doc
        .root()
        .unwrap()
        .get("m")
        .unwrap()
        .entry("excludeOutboundIpRanges")
        .unwrap();
    let e = rename_key(text, k, "excludeOutboundIPRanges").unwrap();
    assert_eq!(e.range.len(), 1);
    assert_eq!(
        apply(text, &[e]),
        "m:\n  \"excludeOutboundIPRanges\": x\n  b: 1\n"
    );
}

fn add(text: &str, path: &[&str]) -> String {
    let docs = parse(text);
    let doc = docs[0].as_ref().unwrap();
    let root = doc.root().unwrap();
    let edits = add_entry_at(text, root, path, "k", "'v'").expect("edits");
    let out = apply(text, &edits);
    let docs = parse(&out);
    let doc = docs[0].as_ref().expect("still parses");
    let mut full: Vec<&str> = path.to_vec();
    full.push("k");
    assert_eq!(
        doc.root().unwrap().path(&full).unwrap().as_str(),
        Some("v"),
        "{out}"
    );
    out
}

#[test]
fn add_entry_creates_what_is_missing() {
    assert_eq!(
        add(
            "apiVersion: v1\nkind: Pod # c\nspec: {}\n",
            &["metadata", "annotations"]
        ),
        "apiVersion: v1\nkind: Pod # c\nmetadata:\n  annotations:\n    k: 'v'\nspec: {}\n"
    );
    assert_eq!(
        add(
            "spec:\n    # the template\n    template:\n        spec: {}\n",
            &["spec", "template", "metadata", "labels"]
        ),
        "spec:\n    # the template\n    template:\n        metadata:\n            labels:\n                k: 'v'\n        spec: {}\n"
    );
    assert_eq!(
        add("t:\n  # about spec\n  spec: {}\n", &["t", "metadata"]),
        "t:\n  metadata:\n    k: 'v'\n  # about spec\n  spec: {}\n"
    );
}

#[test]
fn add_entry_fills_nulls_and_flow_mappings() {
    assert_eq!(
        add(
            "metadata:\n  annotations: ~ # none\n  name: x\n",
            &["metadata", "annotations"]
        ),
        "metadata:\n  annotations: # none\n    k: 'v'\n  name: x\n"
    );
    assert_eq!(
        add("metadata: {name: x}\n", &["metadata", "annotations"]),
        "metadata: {name: x, annotations: {k: 'v'}}\n"
    );
    assert_eq!(
        add(
            "metadata: {annotations: , name: x}\n",
            &["metadata", "annotations"]
        ),
        "metadata: {annotations: {k: 'v'}, name: x}\n"
    );
    assert_eq!(
        add(
            "metadata:\n  name: x\n  annotations:\n",
            &["metadata", "annotations", "deep"]
        ),
        "metadata:\n  name: x\n  annotations:\n    deep:\n      k: 'v'\n"
    );
    assert_eq!(
        add("metadata:\n  name: x", &["metadata", "labels"]),
        "metadata:\n  name: x\n  labels:\n    k: 'v'"
    );
}

#[test]
fn add_entry_keeps_json_json() {
    let text = "{\n  \"metadata\": {\n    \"name\": \"x\"\n  }\n}";
    assert_eq!(
        add(text, &["metadata", "annotations"]),
        "{\n  \"metadata\": {\n    \"name\": \"x\",\n    \"annotations\": {\"k\": \"v\"}\n  }\n}"
    );
    let text = "{\"metadata\": {\"annotations\": {}, \"labels\": null}}";
    assert_eq!(
        add(text, &["metadata", "annotations"]),
        "{\"metadata\": {\"annotations\": {\"k\": \"v\"}, \"labels\": null}}"
    );
    assert_eq!(
        add(text, &["metadata", "labels"]),
        "{\"metadata\": {\"annotations\": {}, \"labels\": {\"k\": \"v\"}}}"
    );
}

#[test]
fn add_entry_refuses_aliases() {
    let text = "a: &m {x: 1}\nb: *m\n";
    let docs = parse(text);
    let doc = docs[0].as_ref().unwrap();
    assert!(add_entry_at(text, doc.root().unwrap(), &["b"], "k", "v").is_none());
}

// Comments and list items (MESH903's fix).

fn range_of(text: &str, needle: &str) -> TextRange {
    let s = text.find(needle).unwrap();
    TextRange::from_usize(s, s + needle.len())
}

#[test]
fn a_comment_alone_on_its_line_goes_with_the_line() {
    let text = "a:\n  # meshlint: ignore\n  b: 1\n";
    let e = remove_comment(text, range_of(text, "# meshlint: ignore"));
    assert_eq!(apply_edits(text, &[e]).unwrap(), "a:\n  b: 1\n");
    let crlf = "a:\r\n  # meshlint: ignore\r\n  b: 1\r\n";
    let e = remove_comment(crlf, range_of(crlf, "# meshlint: ignore"));
    assert_eq!(apply_edits(crlf, &[e]).unwrap(), "a:\r\n  b: 1\r\n");
    let last = "a: 1\n# meshlint: ignore";
    let e = remove_comment(last, range_of(last, "# meshlint: ignore"));
    assert_eq!(apply_edits(last, &[e]).unwrap(), "a: 1");
    let cr = "a:\r  # meshlint: ignore\r  b: 1\r";
    let e = remove_comment(cr, range_of(cr, "# meshlint: ignore"));
    assert_eq!(apply_edits(cr, &[e]).unwrap(), "a:\r  b: 1\r");
    let last = "a: 1\r\n# meshlint: ignore";
    let e = remove_comment(last, range_of(last, "# meshlint: ignore"));
    assert_eq!(apply_edits(last, &[e]).unwrap(), "a: 1");
}

#[test]
fn a_trailing_comment_goes_alone() {
    let text = "a: 1   # meshlint: ignore[MESH101]\nb: 2\n";
    let e = remove_comment(text, range_of(text, "# meshlint: ignore[MESH101]"));
    assert_eq!(apply_edits(text, &[e]).unwrap(), "a: 1\nb: 2\n");
}

#[test]
fn list_items() {
    let text = "[A, B,C]";
    let items = [
        range_of(text, "A"),
        range_of(text, "B"),
        range_of(text, "C"),
    ];
    let fix = |i| apply_edits(text, &[remove_list_item(&items, i)]).unwrap();
    assert_eq!(fix(0), "[B,C]");
    assert_eq!(fix(1), "[A, C]");
    assert_eq!(fix(2), "[A, B]");
}

// Moving entries: what goes with them, on the line-ending and file shapes real files have.

/// The root mapping, and the key and value of its entry `name`, of `text`'s first document.
fn entry_of<'d, 'a>(
    doc: &'d crate::yaml::Document<'a>,
    path: &[&str],
) -> (NodeRef<'d, 'a>, NodeRef<'d, 'a>, NodeRef<'d, 'a>) {
    let mut map = doc.root().unwrap();
    for p in &path[..path.len() - 1] {
        map = map.get(p).unwrap().resolved();
    }
    let (k, v) = map.entry(path[path.len() - 1]).unwrap();
    (map, k, v)
}

#[test]
fn leading_comments_are_the_full_line_comments_right_above_at_the_key_column() {
    for nl in ["\n", "\r\n", "\r"] {
        let text = "a:\n  x: 1\n  # one\n  # two\n  b: 2\n".replace('\n', nl);
        let docs = parse(&text);
        let doc = docs[0].as_ref().unwrap();
        let (_, k, _) = entry_of(doc, &["a", "b"]);
        let found: Vec<&str> = leading_comments(&text, k)
            .iter()
            .map(|c| c.slice(&text))
            .collect();
        assert_eq!(found, ["# one", "# two"], "{nl:?}");
    }
    // A blank line, another column or a trailing comment above: not the entry's.
    for text in [
        "a:\n  # one\n\n  b: 2\n",
        "a:\n    # deeper\n  b: 2\n",
        "a:\n  x: 1 # of x\n  b: 2\n",
        "\u{feff}b: 2\n",
    ] {
        let docs = parse(text);
        let doc = docs[0].as_ref().unwrap();
        let path: &[&str] = if text.contains("a:") {
            &["a", "b"]
        } else {
            &["b"]
        };
        let (_, k, _) = entry_of(doc, path);
        assert!(leading_comments(text, k).is_empty(), "{text:?}");
    }
}

#[test]
fn take_entry_with_takes_its_comments_and_keeps_the_others() {
    let text = "a:\n  x: 1\n  # about b\n  b: 2 # trailing\n  c: 3\n";
    let docs = parse(text);
    let doc = docs[0].as_ref().unwrap();
    let (map, k, v) = entry_of(doc, &["a", "b"]);
    let mut carried = leading_comments(text, k);
    carried.extend(trailing_comment_range(text, v.range().end() as usize));
    let e = take_entry_with(text, map, k, v, &carried).unwrap();
    assert_eq!(apply(text, &[e]), "a:\n  x: 1\n  c: 3\n");
    // Not carried: both stay, each on a line of its own.
    let e = delete_entry(text, map, k, v).unwrap();
    assert_eq!(
        apply(text, &[e]),
        "a:\n  x: 1\n  # about b\n  # trailing\n  c: 3\n"
    );
    // The last line of a file without a final line break, CRLF, and a BOM before the first key.
    let text = "\u{feff}# about b\r\nb: 2\r\nc: 3";
    let docs = parse(text);
    let doc = docs[0].as_ref().unwrap();
    let (map, k, v) = entry_of(doc, &["b"]);
    let e = take_entry_with(text, map, k, v, &leading_comments(text, k)).unwrap();
    assert_eq!(apply(text, &[e]), "\u{feff}c: 3");
    let (map, k, v) = entry_of(doc, &["c"]);
    let e = take_entry(text, map, k, v).unwrap();
    assert_eq!(apply(text, &[e]), "\u{feff}# about b\r\nb: 2");
}

#[test]
fn carry_comments_writes_them_above_the_entry_line_at_its_indentation() {
    let mut content = "\n    k: v".to_owned();
    assert!(carry_comments(
        &mut content,
        "k: v",
        &["# one", "# two"],
        "\n"
    ));
    assert_eq!(content, "\n    # one\n    # two\n    k: v");
    let mut content = "annotations:\r\n    k: v\r\n  ".to_owned();
    assert!(carry_comments(&mut content, "k: v", &["# one"], "\r\n"));
    assert_eq!(content, "annotations:\r\n    # one\r\n    k: v\r\n  ");
    // In flow style the entry shares its line: nothing is written.
    let mut content = ", k: v".to_owned();
    assert!(!carry_comments(&mut content, "k: v", &["# one"], "\n"));
    assert_eq!(content, ", k: v");
}

#[test]
fn writes_json_follows_the_document_then_the_keys_then_the_key_of_an_empty_map() {
    let cases: &[(&str, &[&str], Option<&str>, bool)] = &[
        ("{\"a\": {\"k\": 1}}", &["a"], None, true),
        ("a: {\"k\": 1, \"j\": 2}", &["a"], None, true),
        ("a: {\"k\": 1, j: 2}", &["a"], None, false),
        ("\"a\": {}", &["a"], Some("a"), true),
        ("a: {}", &["a"], Some("a"), false),
        ("a:\n  k: 1\n", &["a"], None, false),
    ];
    for (text, path, key, json) in cases {
        let docs = parse(text);
        let doc = docs[0].as_ref().unwrap();
        let (_, k, v) = entry_of(doc, path);
        let hint = key.map(|_| k);
        assert_eq!(writes_json(v, hint), *json, "{text}");
    }
}

#[test]
fn keys_and_values_written_elsewhere_keep_what_they_mean() {
    assert_eq!(
        key_written("sidecar.istio.io/inject", false),
        "sidecar.istio.io/inject"
    );
    assert_eq!(
        key_written("sidecar.istio.io/inject", true),
        "\"sidecar.istio.io/inject\""
    );
    assert_eq!(key_written("has space: x", false), "\"has space: x\"");
    let text = "a: 'x'\nb: \"y\"\nc: !!str 5\nd: &anchor z\ne: |\n  two\n  lines\nf:\ng: 8080\n";
    let docs = parse(text);
    let doc = docs[0].as_ref().unwrap();
    let root = doc.root().unwrap();
    let written = |k: &str| value_text(text, root.get(k).unwrap());
    assert_eq!(written("a").as_deref(), Some("'x'"));
    assert_eq!(written("b").as_deref(), Some("\"y\""));
    // A tag, an anchor or several lines: the string, re-quoted.
    assert_eq!(written("c").as_deref(), Some("\"5\""));
    assert_eq!(written("d").as_deref(), Some("\"z\""));
    assert_eq!(written("e").as_deref(), Some("\"two\\nlines\\n\""));
    assert_eq!(written("g").as_deref(), Some("8080"));
    let (_, k, _) = entry_of(doc, &["a"]);
    assert_eq!(key_like(k, "n"), "n");
    let (_, k, _) = entry_of(doc, &["b"]);
    assert_eq!(key_like(k, "n"), "n");
    let quoted = parse("\"q\": 1\n'r': 2\n");
    let qdoc = quoted[0].as_ref().unwrap();
    assert_eq!(key_like(entry_of(qdoc, &["q"]).1, "n"), "\"n\"");
    assert_eq!(key_like(entry_of(qdoc, &["r"]).1, "it's"), "'it''s'");
}

#[test]
fn append_flow_text_follows_one_line_or_one_entry_per_line() {
    let text = "a: {k: 1}\n";
    let docs = parse(text);
    let doc = docs[0].as_ref().unwrap();
    let e = append_flow_text(text, doc.root().unwrap().get("a").unwrap(), "j: 2").unwrap();
    assert_eq!(apply(text, &[e]), "a: {k: 1, j: 2}\n");
    let text = "{\r\n  \"k\": 1, # one\r\n  \"l\": 2\r\n}";
    let docs = parse(text);
    let doc = docs[0].as_ref().unwrap();
    let e = append_flow_text(text, doc.root().unwrap(), "\"j\": 3").unwrap();
    assert_eq!(
        apply(text, &[e]),
        "{\r\n  \"k\": 1, # one\r\n  \"l\": 2,\r\n  \"j\": 3\r\n}"
    );
    // The last entry's comment stays on its line.
    let text = "a: {\n  k: 1, # one\n  l: 2 # two\n}\n";
    let docs = parse(text);
    let doc = docs[0].as_ref().unwrap();
    let e = append_flow_text(text, doc.root().unwrap().get("a").unwrap(), "j: 3").unwrap();
    let fixed = apply(text, &[e]);
    assert_eq!(fixed, "a: {\n  k: 1, # one\n  l: 2, # two\n  j: 3\n}\n");
    assert!(parse(&fixed)[0].is_ok());
    let text = "a: {}\n";
    let docs = parse(text);
    let doc = docs[0].as_ref().unwrap();
    let e = append_flow_text(text, doc.root().unwrap().get("a").unwrap(), "j: 2").unwrap();
    assert_eq!(apply(text, &[e]), "a: {j: 2}\n");
    // A block mapping is not this helper's.
    let text = "a:\n  k: 1\n";
    let docs = parse(text);
    let doc = docs[0].as_ref().unwrap();
    assert!(append_flow_text(text, doc.root().unwrap().get("a").unwrap(), "j: 2").is_none());
}

/// `relocate_entry` of `path` in `text` to `chain`/`name`, applied.
fn relocated(text: &str, path: &[&str], chain: &[&str], name: &str) -> Option<String> {
    let docs = parse(text);
    let doc = docs[0].as_ref().unwrap();
    let (map, k, v) = entry_of(doc, path);
    let to = Destination { chain, name };
    relocate_entry(text, map, k, v, &to, &|m| m.entry(name).is_some()).map(|e| apply(text, &e))
}

#[test]
fn relocate_renames_nests_and_moves_with_the_file_s_style() {
    // Renamed in place.
    assert_eq!(
        relocated("p:\n  holdApp: true\n", &["p", "holdApp"], &[], "hold").unwrap(),
        "p:\n  hold: true\n"
    );
    // Nested in place, block and flow, the value's further lines moved right.
    assert_eq!(
        relocated("g:\n  env:\n    A: 1\n", &["g", "env"], &["pilot"], "env").unwrap(),
        "g:\n  pilot:\n    env:\n      A: 1\n"
    );
    assert_eq!(
        relocated("g: {hold: true}\n", &["g", "hold"], &["proxy"], "hold").unwrap(),
        "g: {proxy: {hold: true}}\n"
    );
    // Moved into an existing mapping, its trailing comment with it; CRLF kept.
    assert_eq!(
        relocated(
            "g:\r\n  hold: true # why\r\n  proxy:\r\n    x: 1\r\n",
            &["g", "hold"],
            &["proxy"],
            "hold"
        )
        .unwrap(),
        "g:\r\n  proxy:\r\n    x: 1\r\n    hold: true # why\r\n"
    );
    // Into a flow mapping written one entry per line.
    assert_eq!(
        relocated(
            "g:\n  hold: true\n  proxy: {\n    x: 1\n  }\n",
            &["g", "hold"],
            &["proxy"],
            "hold"
        )
        .unwrap(),
        "g:\n  proxy: {\n    x: 1,\n    hold: true\n  }\n"
    );
    // Already set there, or a block scalar with an explicit indentation indicator: no edit.
    assert!(relocated(
        "g:\n  hold: true\n  proxy:\n    hold: false\n",
        &["g", "hold"],
        &["proxy"],
        "hold"
    )
    .is_none());
    assert!(relocated(
        "g:\n  env: |2\n     x\n  pilot:\n    a: 1\n",
        &["g", "env"],
        &["pilot"],
        "env"
    )
    .is_none());
}
