//! MESH503: the same key twice in one mapping.

use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::rules::shown;
use crate::rules::DocumentCheck;
use crate::yaml::ScalarStyle;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH503",
    name: "duplicate-key",
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "A mapping has the same key twice",
    page: include_str!("../../../rules/MESH503-duplicate-key.md"),
};

pub fn check(cx: &DocumentCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    if cx.doc.duplicate_keys.is_empty() {
        return;
    }
    for &(first, second) in &cx.doc.duplicate_keys {
        let second = cx.doc.get(second);
        let first = cx.doc.get(first);
        // A plain `<<` is YAML 1.1's merge key: go-yaml merges each one, none is stored.
        if second.as_str() == Some("<<") && second.style() == Some(ScalarStyle::Plain) {
            continue;
        }
        let name = shown(second.as_str().unwrap_or_default());
        let line = cx.doc.line_of(cx.text, first.range().start());
        out.push(Diagnostic::new(
            &RULE,
            second.range(),
            format!(
                "key `{name}` is repeated in this mapping (first on line {line}): kubectl and Helm (go-yaml v2) reject the document with \"key already set in map\", and tools that accept it silently keep only the last value"
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_util::{at, lint, pos};

    const CODE: &str = "MESH503";

    #[test]
    fn second_occurrence_with_first_line() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: r\nspec:\n  replicas: 2\n  selector: {}\n  replicas: 4\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(text, &d[0]), at(text, "replicas", 2));
        assert!(d[0].message.contains("`replicas`"));
        assert!(d[0].message.contains("first on line 6"));
        assert!(d[0].fix.is_none());
    }

    #[test]
    fn quoted_and_plain_are_the_same_key_and_three_give_two() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations:\n    \"a\": x\n    a: y\n    'a': z\ndata: {}\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 2);
        assert_eq!(pos(text, &d[0]), at(text, "a: y", 1));
        assert_eq!(pos(text, &d[1]), at(text, "'a'", 1));
        assert!(d[1].message.contains("first on line 6"));
    }

    #[test]
    fn not_duplicates() {
        // Different case, sibling mappings, sequence items, merge keys.
        let text = "base: &b {x: 1}\nother: &o {y: 1}\nm:\n  App: 1\n  app: 2\n  <<: *b\n  <<: *o\nl:\n  - name: a\n  - name: b\nn:\n  a: 1\no:\n  a: 1\n";
        assert!(lint(text, CODE).is_empty());
    }

    #[test]
    fn flow_json_crlf_and_multidoc() {
        let text = "{\"a\": 1, \"b\": {\"c\": 1, \"c\": 2}}\r\n---\r\nk: 1\r\nk: 2\r\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 2);
        assert_eq!(pos(text, &d[0]), at(text, "\"c\"", 2));
        assert_eq!(pos(text, &d[1]), at(text, "k: 2", 1));
        assert!(d[1].message.contains("first on line 3"));
    }

    /// A key written beside a `<<` that merges the same key overrides it: no duplicate.
    #[test]
    fn a_local_key_over_a_merged_one_is_no_duplicate() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: &l {app: a}\n  annotations:\n    <<: [*l, {app: b}]\n    app: c\n";
        assert!(lint(text, CODE).is_empty());
    }
}
