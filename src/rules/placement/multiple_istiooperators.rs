//! MESH207: a file holds more than one `IstioOperator`; `istioctl install -f` refuses it.
//!
//! `istioctl install`/`manifest generate` read one `IstioOperator` per file
//! (`operator/pkg/render/manifest.go` `checkNoMultipleIOPs`: `contains multiple IstioOperator
//! CRs, only one per file is supported`; test input `multiple_iops.yaml`). Each `IstioOperator`
//! after the first gets one finding at its `kind` key; documents of other kinds between them
//! do not matter. No fix: merging or splitting is the user's choice.

use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::rules::DocumentCheck;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH207",
    name: "multiple-istiooperators",
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "A file holds more than one IstioOperator",
    page: include_str!("../../../rules/MESH207-multiple-istiooperators.md"),
};

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

pub fn check(cx: &DocumentCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    let mut seen = cx.prior_istio_operators;
    for res in cx.resources.iter().filter(|r| r.is_istio_operator()) {
        seen += 1;
        if seen < 2 {
            continue;
        }
        let Some(kind_key) = res.kind_key else {
            continue;
        };
        let name = res.name.map_or_else(String::new, |n| format!(" `{n}`"));
        out.push(Diagnostic::new(
            &RULE,
            kind_key.range(),
            format!(
                "IstioOperator{name} is the {} in this file: `istioctl install -f` reads one per file and refuses the whole file (contains multiple IstioOperator CRs); merge them or give each its own file",
                ordinal(seen)
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::ordinal;
    use crate::rules::test_util::{at, lint, pos};

    const CODE: &str = "MESH207";

    fn iop(name: &str) -> String {
        format!(
            "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  name: {name}\nspec:\n  profile: minimal\n"
        )
    }

    #[test]
    fn second_and_third_get_one_finding_each() {
        let text = format!("{}---\n{}---\n{}", iop("a"), iop("b"), iop("c"));
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(pos(&text, &d[0]), at(&text, "kind: IstioOperator", 2));
        assert_eq!(pos(&text, &d[1]), at(&text, "kind: IstioOperator", 3));
        assert_eq!(d[0].range.len(), 4, "the `kind` key");
        assert!(d[0].message.contains("`b`") && d[0].message.contains("2nd"));
        assert!(d[1].message.contains("`c`") && d[1].message.contains("3rd"));
        assert!(d[0].message.contains("istioctl install"));
        assert!(d.iter().all(|d| d.fix.is_none()));
    }

    #[test]
    fn other_documents_between_do_not_matter() {
        let text = format!(
            "{}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  a: b\n---\n# comment only\n---\n{}",
            iop("base"),
            iop("egress")
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(&text, &d[0]), at(&text, "kind: IstioOperator", 2));
    }

    #[test]
    fn one_istiooperator_is_fine() {
        let text = format!(
            "{}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: istio\ndata:\n  mesh: ''\n",
            iop("only")
        );
        assert!(lint(&text, CODE).is_empty());
        assert!(lint("", CODE).is_empty());
    }

    #[test]
    fn upstream_multiple_iops_fixture_crlf_and_json() {
        // operator/cmd/mesh/testdata/manifest-generate/input/multiple_iops.yaml, with CRLF.
        let text = "apiVersion: install.istio.io/v1alpha1\r\nkind: IstioOperator\r\nspec:\r\n\r\n---\r\n\r\napiVersion: install.istio.io/v1alpha1\r\nkind: IstioOperator\r\nspec:\r\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(text, &d[0]), (8, 1));
        assert!(
            d[0].message.starts_with("IstioOperator is the 2nd"),
            "no name to quote"
        );
        let json = "{\"apiVersion\": \"install.istio.io/v1alpha1\", \"kind\": \"IstioOperator\"}\n---\n{\"kind\": \"IstioOperator\", \"spec\": {}}\n";
        let d = lint(json, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(json, &d[0]), at(json, "\"kind\"", 2));
    }

    #[test]
    fn list_items_count_too() {
        let text = "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: install.istio.io/v1alpha1\n    kind: IstioOperator\n    spec: {}\n  - apiVersion: install.istio.io/v1alpha1\n    kind: IstioOperator\n    spec: {}\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(text, &d[0]), at(text, "kind: IstioOperator", 2));
    }

    #[test]
    fn ordinals() {
        assert_eq!(ordinal(2), "2nd");
        assert_eq!(ordinal(3), "3rd");
        assert_eq!(ordinal(4), "4th");
        assert_eq!(ordinal(11), "11th");
        assert_eq!(ordinal(12), "12th");
        assert_eq!(ordinal(21), "21st");
        assert_eq!(ordinal(22), "22nd");
    }
}
