//! MESH105: the deprecated `values.global.proxy.holdApplicationUntilProxyStarts` (`IstioOperator`
//! `spec.values…`, istiod Helm values `global…`). Deprecated since Istio 1.9
//! (`operator/pkg/apis/values_types.proto`, field 37) and OR-ed with each pod's `ProxyConfig` by
//! the injection template, so a pod cannot switch it off. Only `true` is reported: `false` is
//! the default and, OR-ed, changes nothing.

use crate::diagnostic::{Diagnostic, Edit, Fix, FixAvailability, RuleMeta, Severity};
use crate::istio::schema_check::is_true;
use crate::rules::ResourceCheck;
use crate::yaml::edit::{
    append_entry, column, delete_entry, fill_null, indent_unit, insert_nested, key_written,
    line_start, newline, writes_json,
};
use crate::yaml::resolve::{resolve, ScalarType};
use crate::yaml::{CollectionStyle, NodeRef, ScalarStyle};
use std::fmt::Write as _;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH105",
    name: "hold-global-deprecated",
    severity: Severity::Info,
    fix: FixAvailability::SometimesSafe,
    summary: "The deprecated values.global.proxy.holdApplicationUntilProxyStarts is used",
    page: include_str!("../../../rules/MESH105-hold-global-deprecated.md"),
};

const HOLD: &str = "holdApplicationUntilProxyStarts";

/// One step of the path down to the deprecated key: the mapping, the key and its value.
type Step<'d, 'a> = (NodeRef<'d, 'a>, NodeRef<'d, 'a>, NodeRef<'d, 'a>);

/// Where the mesh-wide settings of this resource live: the mapping holding `meshConfig` and
/// `values` (an `IstioOperator`'s `spec`) or `global` (Helm values: the document root), the path
/// from it to `proxy`, and how paths are written in messages.
fn settings_root<'d, 'a>(
    cx: &ResourceCheck<'_, 'd, 'a>,
) -> Option<(NodeRef<'d, 'a>, &'static [&'static str], &'static str)> {
    if cx.res.is_istio_operator() {
        let spec = cx.res.root.get("spec")?.resolved();
        return spec
            .is_mapping()
            .then_some((spec, &["values", "global", "proxy"][..], "spec."));
    }
    if cx.res.kind.is_empty() {
        return Some((cx.res.root, &["global", "proxy"][..], ""));
    }
    None
}

/// The steps from `base` to the hold key, when every level is a mapping.
fn steps<'d, 'a>(base: NodeRef<'d, 'a>, path: &[&str]) -> Option<Vec<Step<'d, 'a>>> {
    let mut out = Vec::with_capacity(path.len() + 1);
    let mut map = base;
    for key in path {
        let (k, v) = map.entry(key)?;
        out.push((map, k, v));
        map = v.resolved();
        if !map.is_mapping() {
            return None;
        }
    }
    let (k, v) = map.entry(HOLD)?;
    out.push((map, k, v));
    Some(out)
}

/// How the value is written at its new place: its own plain text, else `true`/`false`.
fn value_text(text: &str, value: NodeRef<'_, '_>) -> String {
    if !value.is_alias() && value.style() == Some(ScalarStyle::Plain) {
        return value.range().slice(text).to_owned();
    }
    if is_true(value) { "true" } else { "false" }.to_owned()
}

/// The edit that removes the deprecated key, together with every enclosing mapping it leaves
/// empty (`proxy`, `global`, `values`).
fn removal(text: &str, steps: &[Step<'_, '_>]) -> Option<Edit> {
    let mut i = steps.len() - 1;
    while i > 0 && steps[i].0.literal_entries().count() == 1 && !steps[i - 1].2.is_alias() {
        i -= 1;
    }
    let (map, key, value) = steps[i];
    delete_entry(text, map, key, value)
}

/// The edit that writes `holdApplicationUntilProxyStarts: <v>` under `meshConfig.defaultConfig`
/// of `base`, creating what is missing; in block style a new `meshConfig` goes before `before`
/// (the `values` or `global` key), so it never touches the lines the removal deletes.
fn insertion(
    text: &str,
    base: NodeRef<'_, '_>,
    before: NodeRef<'_, '_>,
    v: &str,
) -> Option<Vec<Edit>> {
    let Some((mk, mv)) = base.entry("meshConfig") else {
        if base.collection_style()? == CollectionStyle::Flow {
            let json = writes_json(base, None);
            let value = format!(
                "{{{}: {{{}: {v}}}}}",
                key_written("defaultConfig", json),
                key_written(HOLD, json)
            );
            return append_entry(text, base, "meshConfig", &value).map(|e| vec![e]);
        }
        let ks = before.range().start() as usize;
        let start = line_start(text, ks);
        if !text[start..ks].trim().is_empty() {
            return None;
        }
        let nl = newline(text);
        let indent = column(text, ks);
        let unit = indent_unit(text, base);
        let pad = |n: usize| " ".repeat(indent + n * unit);
        let block = format!(
            "{}meshConfig:{nl}{}defaultConfig:{nl}{}{HOLD}: {v}{nl}",
            pad(0),
            pad(1),
            pad(2)
        );
        return Some(vec![Edit::insert(start as u32, block)]);
    };
    if mv.is_alias() {
        return None;
    }
    if mv.is_null() {
        return Some(fill_null(
            text,
            mk,
            mv,
            "defaultConfig",
            &format!("{{{HOLD}: {v}}}"),
        ));
    }
    if !mv.is_mapping() {
        return None;
    }
    // jsonpb reads the proto name `default_config` too, and with both names present the JSON
    // name's block replaces the other: so an existing `default_config` gets the key, never a
    // new `defaultConfig` beside it.
    match mv
        .entry("defaultConfig")
        .or_else(|| mv.entry("default_config"))
    {
        None => match mv.collection_style()? {
            CollectionStyle::Block => insert_nested(text, mv, &["defaultConfig"], HOLD, v),
            CollectionStyle::Flow => {
                let value = format!("{{{}: {v}}}", key_written(HOLD, writes_json(mv, None)));
                append_entry(text, mv, "defaultConfig", &value)
            }
        }
        .map(|e| vec![e]),
        Some((dk, dv)) if dv.is_null() && !dv.is_alias() => Some(fill_null(text, dk, dv, HOLD, v)),
        Some((_, dv)) if dv.is_mapping() => append_entry(text, dv, HOLD, v).map(|e| vec![e]),
        Some(_) => None,
    }
}

pub fn check(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    let Some((base, path, prefix)) = settings_root(cx) else {
        return;
    };
    let Some(steps) = steps(base, path) else {
        return;
    };
    let (_, key, value) = steps[steps.len() - 1];
    if resolve(value) != ScalarType::Bool {
        return; // Null sets nothing; other types are MESH205's schema check.
    }
    if !is_true(value) {
        // `false` is the default (the istiod chart's own values say so): OR-ed with a pod's
        // value it changes nothing, so no pod loses a say and nothing needs moving.
        return;
    }
    let v = value_text(cx.text, value);
    let mesh_config = base.get("meshConfig");
    let dc_name = match mesh_config {
        Some(m) if m.entry("defaultConfig").is_none() && m.entry("default_config").is_some() => {
            "default_config"
        }
        _ => "defaultConfig",
    };
    // A hold under either name: jsonpb reads both.
    let already = ["defaultConfig", "default_config"]
        .into_iter()
        .find_map(|name| {
            let d = mesh_config?.get(name)?;
            d.entry(HOLD)
                .or_else(|| d.entry("hold_application_until_proxy_starts"))
                .map(|(k, _)| (name, k))
        });
    let values = if prefix.is_empty() { "" } else { "values." };
    let mut message = format!(
        "`{prefix}{values}global.proxy.{HOLD}: {v}` is deprecated since Istio 1.9: the injector OR-s it with each pod's ProxyConfig, so no pod can switch the hold off with its own annotation; set `{prefix}meshConfig.defaultConfig.{HOLD}` instead, which pods can override"
    );
    let fix = if let Some((name, k)) = already {
        let _ = write!(
            message,
            " (`{prefix}meshConfig.{name}` already sets `{}`: check that both agree, then delete this one)",
            k.as_str().unwrap_or(HOLD)
        );
        None
    } else {
        (|| {
            let mut edits = insertion(cx.text, base, steps[0].1, &v)?;
            edits.push(removal(cx.text, &steps)?);
            Some(Fix::safe(
                format!("move it to {prefix}meshConfig.{dc_name}.{HOLD}"),
                edits,
            ))
        })()
    };
    out.push(Diagnostic::new(&RULE, key.range(), message).with_optional_fix(fix));
}

#[cfg(test)]
mod tests {
    use crate::context::LintOptions;
    use crate::diagnostic::{Applicability, Severity};
    use crate::rules::test_util::{at, fixed, iop, lint, pos};
    use crate::rules::RuleSelector;

    const CODE: &str = "MESH105";

    #[test]
    fn moves_the_value_creating_mesh_config_before_values() {
        let text = iop("  profile: default\n  values:\n    global:\n      proxy:\n        logLevel: warning\n        holdApplicationUntilProxyStarts: true\n");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, CODE);
        assert_eq!(d[0].severity, Severity::Info);
        assert_eq!(
            pos(&text, &d[0]),
            at(&text, "holdApplicationUntilProxyStarts", 1)
        );
        assert!(d[0].message.contains("deprecated"));
        assert!(d[0]
            .message
            .contains("spec.values.global.proxy.holdApplicationUntilProxyStarts: true"));
        assert!(d[0].message.contains("spec.meshConfig.defaultConfig"));
        let fix = d[0].fix.as_ref().unwrap();
        assert_eq!(fix.applicability, Applicability::Safe);
        assert_eq!(
            fixed(&text, &d[0]),
            iop("  profile: default\n  meshConfig:\n    defaultConfig:\n      holdApplicationUntilProxyStarts: true\n  values:\n    global:\n      proxy:\n        logLevel: warning\n")
        );
        assert!(lint(&fixed(&text, &d[0]), CODE).is_empty());
        // The moved value still counts mesh-wide.
        let with_pod = format!(
            "{}---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers: []\n",
            fixed(&text, &d[0])
        );
        assert!(lint(&with_pod, "MESH101").is_empty());
    }

    #[test]
    fn removes_mappings_left_empty_and_keeps_crlf() {
        let text = iop("  values:\n    global:\n      proxy:\n        holdApplicationUntilProxyStarts: true\n  components:\n    cni:\n      enabled: true\n").replace('\n', "\r\n");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(
            fixed(&text, &d[0]),
            iop("  meshConfig:\n    defaultConfig:\n      holdApplicationUntilProxyStarts: true\n  components:\n    cni:\n      enabled: true\n").replace('\n', "\r\n")
        );
    }

    #[test]
    fn appends_to_an_existing_default_config() {
        let text = iop("  meshConfig:\n    accessLogFile: /dev/stdout\n    defaultConfig:\n      concurrency: 2\n  values:\n    global:\n      logging:\n        level: info\n      proxy:\n        holdApplicationUntilProxyStarts: yes\n");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(
            fixed(&text, &d[0]),
            iop("  meshConfig:\n    accessLogFile: /dev/stdout\n    defaultConfig:\n      concurrency: 2\n      holdApplicationUntilProxyStarts: yes\n  values:\n    global:\n      logging:\n        level: info\n")
        );
        // meshConfig without defaultConfig.
        let text = iop("  meshConfig:\n    accessLogFile: /dev/stdout\n  values:\n    global:\n      proxy:\n        holdApplicationUntilProxyStarts: true\n        logLevel: info\n");
        let d = lint(&text, CODE);
        assert_eq!(
            fixed(&text, &d[0]),
            iop("  meshConfig:\n    accessLogFile: /dev/stdout\n    defaultConfig:\n      holdApplicationUntilProxyStarts: true\n  values:\n    global:\n      proxy:\n        logLevel: info\n")
        );
    }

    #[test]
    fn no_fix_when_default_config_already_holds() {
        let text = iop("  meshConfig:\n    defaultConfig:\n      holdApplicationUntilProxyStarts: true\n  values:\n    global:\n      proxy:\n        holdApplicationUntilProxyStarts: true\n");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(
            pos(&text, &d[0]),
            at(&text, "holdApplicationUntilProxyStarts", 2)
        );
        assert!(d[0].fix.is_none());
        assert!(d[0].message.contains("already sets"));
    }

    /// Audit A3: a `defaultConfig` written next to an existing `default_config` would replace
    /// it (jsonpb lets the JSON name win), dropping its settings.
    #[test]
    fn merges_into_an_existing_default_config_under_its_proto_name() {
        let text = iop("  meshConfig:\n    default_config:\n      concurrency: 2\n  values:\n    global:\n      proxy:\n        holdApplicationUntilProxyStarts: true\n");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        let fix = d[0].fix.as_ref().unwrap();
        assert_eq!(fix.applicability, Applicability::Safe);
        assert_eq!(
            fix.message,
            "move it to spec.meshConfig.default_config.holdApplicationUntilProxyStarts"
        );
        assert_eq!(
            fixed(&text, &d[0]),
            iop("  meshConfig:\n    default_config:\n      concurrency: 2\n      holdApplicationUntilProxyStarts: true\n")
        );
        // Flow and null forms too; Helm values the same.
        let text = iop("  meshConfig: {default_config: {concurrency: 2}}\n  values:\n    global:\n      proxy:\n        holdApplicationUntilProxyStarts: true\n");
        assert_eq!(
            fixed(&text, &lint(&text, CODE)[0]),
            iop("  meshConfig: {default_config: {concurrency: 2, holdApplicationUntilProxyStarts: true}}\n")
        );
        let text = "meshConfig:\n  default_config:\nglobal:\n  proxy:\n    holdApplicationUntilProxyStarts: true\n";
        let f = fixed(text, &lint(text, CODE)[0]);
        assert_eq!(
            f,
            "meshConfig:\n  default_config:\n    holdApplicationUntilProxyStarts: true\n"
        );
        assert!(lint(&f, CODE).is_empty());
        // No fix when `default_config` already holds, and the message names it.
        let text = iop("  meshConfig:\n    default_config:\n      hold_application_until_proxy_starts: true\n  values:\n    global:\n      proxy:\n        holdApplicationUntilProxyStarts: true\n");
        let d = lint(&text, CODE);
        assert!(d[0].fix.is_none());
        assert!(
            d[0].message.contains("(`spec.meshConfig.default_config` already sets `hold_application_until_proxy_starts`"),
            "{}",
            d[0].message
        );
    }

    #[test]
    fn json_operator_stays_json() {
        let text = r#"{"apiVersion": "install.istio.io/v1alpha1", "kind": "IstioOperator", "spec": {"profile": "default", "values": {"global": {"proxy": {"holdApplicationUntilProxyStarts": true}}}}}"#;
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(
            pos(text, &d[0]),
            at(text, "\"holdApplicationUntilProxyStarts\"", 1)
        );
        assert_eq!(
            fixed(text, &d[0]),
            r#"{"apiVersion": "install.istio.io/v1alpha1", "kind": "IstioOperator", "spec": {"profile": "default", "meshConfig": {"defaultConfig": {"holdApplicationUntilProxyStarts": true}}}}"#
        );
        let text = r#"{"kind": "IstioOperator", "spec": {"meshConfig": {"defaultConfig": {"concurrency": 2}}, "values": {"global": {"proxy": {"holdApplicationUntilProxyStarts": true, "logLevel": "info"}}}}}"#;
        let d = lint(text, CODE);
        assert_eq!(
            fixed(text, &d[0]),
            r#"{"kind": "IstioOperator", "spec": {"meshConfig": {"defaultConfig": {"concurrency": 2, "holdApplicationUntilProxyStarts": true}}, "values": {"global": {"proxy": {"logLevel": "info"}}}}}"#
        );
    }

    #[test]
    fn helm_values_file() {
        let text =
            "global:\n  proxy:\n    holdApplicationUntilProxyStarts: true\n    image: proxyv2\n";
        let d = crate::lint_source(
            text,
            "values.yaml",
            &LintOptions::default(),
            &RuleSelector {
                select: vec![CODE.into()],
                ignore: Vec::new(),
            },
        );
        assert_eq!(d.len(), 1);
        assert!(d[0]
            .message
            .contains("`global.proxy.holdApplicationUntilProxyStarts: true`"));
        assert!(d[0].message.contains("`meshConfig.defaultConfig"));
        assert_eq!(
            fixed(text, &d[0]),
            "meshConfig:\n  defaultConfig:\n    holdApplicationUntilProxyStarts: true\nglobal:\n  proxy:\n    image: proxyv2\n"
        );
        // The istiod chart's own default, `false`, is no finding.
        let text = text.replace(": true", ": false");
        let d = crate::lint_source(
            &text,
            "values.yaml",
            &LintOptions::default(),
            &RuleSelector {
                select: vec![CODE.into()],
                ignore: Vec::new(),
            },
        );
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn negatives() {
        for text in [
            // The supported place.
            iop("  meshConfig:\n    defaultConfig:\n      holdApplicationUntilProxyStarts: true\n"),
            // Null sets nothing; a string is a type error (MESH205's).
            iop("  values:\n    global:\n      proxy:\n        holdApplicationUntilProxyStarts:\n"),
            iop("  values:\n    global:\n      proxy:\n        holdApplicationUntilProxyStarts: \"true\"\n"),
            // False is the default: OR-ed with a pod's value it changes nothing.
            iop("  values:\n    global:\n      proxy:\n        holdApplicationUntilProxyStarts: false\n"),
            iop("  values:\n    global:\n      proxy:\n        holdApplicationUntilProxyStarts: no\n"),
            iop("  values: {global: {proxy: {holdApplicationUntilProxyStarts: False}}}\n"),
            // Not an IstioOperator, or not under values.global.proxy.
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  global: |\n    proxy:\n      holdApplicationUntilProxyStarts: true\n".to_owned(),
            iop("  global:\n    proxy:\n      holdApplicationUntilProxyStarts: true\n"),
        ] {
            assert!(lint(&text, CODE).is_empty(), "{text}");
        }
    }
}
