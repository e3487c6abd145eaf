//! MESH301: an IP-range exclusion or inclusion that is present but empty.

use super::{operator_proxy, EXCLUDE_IPS, INCLUDE_IPS};
use crate::context::Requires;
use crate::diagnostic::{Diagnostic, Edit, Fix, FixAvailability, RuleMeta, Severity};
use crate::k8s::scalar_string;
use crate::rules::ResourceCheck;
use crate::source::TextRange;
use crate::yaml::edit::{delete_entry, prefers_double, quote, quote_double, rewrite_scalar};
use crate::yaml::{NodeRef, ScalarStyle};

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH301",
    name: "ip-ranges-empty",
    severity: Severity::Warning,
    fix: FixAvailability::SometimesSafeOrUnsafe,
    summary: "An IP-range exclusion or inclusion is present but empty",
    page: include_str!("../../../rules/MESH301-ip-ranges-empty.md"),
};

fn is_empty_value(v: NodeRef<'_, '_>) -> bool {
    scalar_string(v).is_some_and(str::is_empty)
}

fn fix(
    cx: &ResourceCheck<'_, '_, '_>,
    map: NodeRef<'_, '_>,
    key: NodeRef<'_, '_>,
    value: NodeRef<'_, '_>,
    exclude: bool,
) -> Option<Fix> {
    let addresses = &cx.cx.options.vault.addresses;
    if exclude && !addresses.is_empty() {
        let list = addresses
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let r = value.range();
        let node = value.node();
        let edit = match value.style() {
            // An explicit tag (`!!null ""`) would make the addresses a null that go-yaml cannot
            // decode: it goes, with the value, as MESH501's quote fix drops it.
            Some(style) if node.tag.is_some() && !node.anchored => {
                let text = match style {
                    ScalarStyle::SingleQuoted => quote(&list, false),
                    ScalarStyle::DoubleQuoted => quote_double(&list),
                    _ => quote(&list, prefers_double(cx.doc)),
                };
                Edit::replace(TextRange::new(node.props_start, r.end()), text)
            }
            Some(_) if node.tag.is_some() => return None,
            // `''` stays single-quoted, `""` double-quoted.
            Some(ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted) => {
                rewrite_scalar(cx.text, value, &list)?
            }
            // An empty `|` block: quoted, the comment after its header kept.
            Some(ScalarStyle::Literal | ScalarStyle::Folded) => {
                super::block_as_quoted(cx.text, value, &quote(&list, prefers_double(cx.doc)))?
            }
            _ => {
                let text = quote(&list, prefers_double(cx.doc));
                if r.is_empty() {
                    Edit::insert(r.start(), format!(" {text}"))
                } else {
                    Edit::replace(r, text)
                }
            }
        };
        return Some(Fix::safe(
            format!("exclude the configured Vault addresses ({list})"),
            [edit],
        ));
    }
    delete_entry(cx.text, map, key, value).map(|e| Fix::unsafe_("remove the empty key", [e]))
}

pub fn check(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    if let Some(pod) = &cx.res.pod {
        let Some((_, map)) = pod.meta.annotations else {
            return;
        };
        for name in [EXCLUDE_IPS, INCLUDE_IPS] {
            let Some((key, value)) = map.entry(name) else {
                continue;
            };
            if !is_empty_value(value) {
                continue;
            }
            let exclude = name == EXCLUDE_IPS;
            let message = if exclude {
                let mesh = match &cx.mesh().exclude_ip_ranges {
                    Some(m) => format!(" (\"{}\", {})", m.value, m.origin),
                    None => String::new(),
                };
                format!(
                    "`{name}` is empty: it excludes nothing, and because the key is present it overrides the mesh-wide excludeIPRanges{mesh} for this pod, so traffic to Vault and other excluded addresses still goes through the not-yet-ready proxy"
                )
            } else {
                format!("`{name}` is empty: the pod captures no outbound traffic at all, so nothing it sends goes through the mesh")
            };
            let fix = fix(cx, map.resolved(), key, value, exclude);
            out.push(
                Diagnostic::new(&RULE, value.range(), message)
                    .with_optional_fix(super::keeping_comments(cx.doc, cx.text, fix)),
            );
        }
    }
    if let Some(proxy) = operator_proxy(cx) {
        for name in ["excludeIPRanges", "includeIPRanges"] {
            let Some((key, value)) = proxy.entry(name) else {
                continue;
            };
            if !is_empty_value(value) {
                continue;
            }
            let message = if name == "excludeIPRanges" {
                "`spec.values.global.proxy.excludeIPRanges` is empty: it excludes nothing mesh-wide, so init containers that must reach an address outside the mesh (Vault's agent, for one) still cannot; list the CIDRs to exclude or remove the key".to_owned()
            } else {
                "`spec.values.global.proxy.includeIPRanges` is empty: no pod captures outbound traffic, so nothing goes through the mesh".to_owned()
            };
            let fix = fix(cx, proxy, key, value, name == "excludeIPRanges");
            // An empty mesh-wide exclusion is the default written out (an `istioctl profile
            // dump`): a finding only where Vault's agent must get past the proxy. An empty
            // inclusion is no default (that is `*`): it always is one.
            let requires = Requires {
                vault_in_scope: name == "excludeIPRanges",
                ..Requires::default()
            };
            out.push(
                Diagnostic::new(&RULE, value.range(), message)
                    .with_optional_fix(super::keeping_comments(cx.doc, cx.text, fix))
                    .requiring(requires),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::context::LintOptions;
    use crate::diagnostic::Applicability;
    use crate::rules::test_util::{at, fixed, lint, lint_with, pos};

    const CODE: &str = "MESH301";

    fn pod(annotation: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    traffic.sidecar.istio.io/excludeOutboundIPRanges:{annotation}\n    owner: a\nspec:\n  containers: []\n"
        )
    }

    fn vault() -> LintOptions {
        let mut options = LintOptions::default();
        options.vault.addresses.push("10.0.0.0/8".parse().unwrap());
        options
    }

    #[test]
    fn fill_in_drops_a_null_tag() {
        // Audit B9: `!!null "10.0.0.0/8"` would not decode; the tag goes with the value.
        let text = pod(" !!null \"\"");
        let d = lint_with(&text, CODE, &vault());
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(pos(&text, &d[0]), at(&text, "\"\"", 1));
        let fix = d[0].fix.as_ref().unwrap();
        assert_eq!(fix.applicability, Applicability::Safe);
        assert_eq!(fixed(&text, &d[0]), pod(" \"10.0.0.0/8\""));
        // A tag with no value at all; single quotes stay single.
        let text = pod(" !!null");
        let d = lint_with(&text, CODE, &vault());
        assert_eq!(d.len(), 1);
        assert_eq!(fixed(&text, &d[0]), pod(" \"10.0.0.0/8\""));
        let text = pod(" !!str ''");
        let d = lint_with(&text, CODE, &vault());
        assert_eq!(fixed(&text, &d[0]), pod(" '10.0.0.0/8'"));
        // Untagged values keep their form.
        let text = pod(" ''");
        let d = lint_with(&text, CODE, &vault());
        assert_eq!(fixed(&text, &d[0]), pod(" '10.0.0.0/8'"));
    }

    #[test]
    fn fill_in_of_an_empty_block_keeps_its_header_comment() {
        let text = pod(" |  # Vault, later");
        let d = lint_with(&text, CODE, &vault());
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(fixed(&text, &d[0]), pod(" \"10.0.0.0/8\"  # Vault, later"));
    }

    #[test]
    fn no_fix_that_would_lose_a_comment() {
        // The value sits on the next line, after a comment the edit would replace.
        let text = pod(" !!null # empty on purpose\n      ''");
        let d = lint_with(&text, CODE, &vault());
        assert_eq!(d.len(), 1);
        assert!(d[0].fix.is_none(), "{:?}", d[0].fix);
        // Without the option, the unsafe removal deletes the key's lines and keeps the comment
        // between them, at the key's indentation.
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(
            fixed(&text, &d[0]),
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    # empty on purpose\n    owner: a\nspec:\n  containers: []\n"
        );
        // A comment on the key's own line is kept by the removal.
        let text = pod(" \"\" # why");
        let d = lint(&text, CODE);
        assert_eq!(
            d[0].fix.as_ref().unwrap().applicability,
            Applicability::Unsafe
        );
        assert_eq!(
            fixed(&text, &d[0]),
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    # why\n    owner: a\nspec:\n  containers: []\n"
        );
    }
}
