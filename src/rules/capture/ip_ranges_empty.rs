//! MESH301: an IP-range exclusion or inclusion that is present but empty.

use super::{operator_proxy, EXCLUDE_IPS, INCLUDE_IPS};
use crate::diagnostic::{Diagnostic, Edit, Fix, FixAvailability, RuleMeta, Severity};
use crate::k8s::scalar_string;
use crate::rules::ResourceCheck;
use crate::yaml::edit::{delete_entry, prefers_double, quote, rewrite_scalar};
use crate::yaml::{NodeRef, ScalarStyle};

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH301",
    name: "ip-ranges-empty",
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
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
        let edit = match value.style() {
            // `''` stays single-quoted, `""` double-quoted.
            Some(ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted) => {
                rewrite_scalar(cx.text, value, &list)?
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
            out.push(
                Diagnostic::new(&RULE, value.range(), message).with_optional_fix(fix(
                    cx,
                    map.resolved(),
                    key,
                    value,
                    exclude,
                )),
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
            out.push(
                Diagnostic::new(&RULE, value.range(), message).with_optional_fix(fix(
                    cx,
                    proxy,
                    key,
                    value,
                    name == "excludeIPRanges",
                )),
            );
        }
    }
}
