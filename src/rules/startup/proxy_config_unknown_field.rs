//! MESH104: a key in `proxy.istio.io/config` that `ProxyConfig` does not have. The injector
//! decodes the value with jsonpb strictly, then again with unknown fields allowed, so the key
//! passes admission and is silently ignored (`pkg/util/protomarshal/protomarshal.go`).

use super::pod_proxy_config;
use crate::diagnostic::{Diagnostic, Edit, Fix, FixAvailability, RuleMeta, Severity};
use crate::istio::proxy_config::{self, ProxyConfig};
use crate::istio::schema_check::Issue;
use crate::rules::ResourceCheck;
use crate::source::TextRange;
use crate::yaml::edit::{edit_inside, ValueMap};
use crate::yaml::NodeRef;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH104",
    name: "proxy-config-unknown-field",
    severity: Severity::Warning,
    fix: FixAvailability::SometimesSafe,
    summary: "proxy.istio.io/config has a key Istio does not know and silently ignores",
    page: include_str!("../../../rules/MESH104-proxy-config-unknown-field.md"),
};

/// The edit renaming the unknown key at `key_range` (dotted `path`) to `to`, when it is safe.
fn rename_edit(
    text: &str,
    value: NodeRef<'_, '_>,
    config: &str,
    pc: &ProxyConfig,
    path: &str,
    key_range: TextRange,
    to: &str,
) -> Option<Edit> {
    proxy_config::safe_rename(config, path, key_range, to, pc.invalid.is_none())
        .and_then(|(r, replacement)| edit_inside(text, value, config, &r, &replacement))
}

pub fn check(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(pod) = &cx.res.pod else { return };
    let Some((_, value, config, pc)) = pod_proxy_config(pod) else {
        return;
    };
    let map = ValueMap::new(cx.text, value, config);
    for issue in &pc.issues {
        let Issue::UnknownKey {
            path,
            key,
            key_range,
            suggestion,
            case_only,
        } = issue
        else {
            continue;
        };
        let range = map
            .as_ref()
            .map_or(value.range(), |m| m.range(&key_range.as_range()));
        let shown = if path == key {
            format!("`{key}`")
        } else {
            format!("`{key}` (at `{path}`)")
        };
        let mut message = format!(
            "`proxy.istio.io/config` has the key {shown}, which ProxyConfig does not have: Istio silently ignores it, so the setting it was meant to make is not applied"
        );
        let mut fix = None;
        if let Some(to) = suggestion {
            message.push_str("; did you mean `");
            message.push_str(to);
            message.push_str(if *case_only {
                "` (field names are case-sensitive)?"
            } else {
                "`?"
            });
            fix = rename_edit(cx.text, value, config, &pc, path, *key_range, to)
                .map(|e| Fix::safe(format!("rename `{key}` to `{to}`"), [e]));
        }
        out.push(Diagnostic::new(&RULE, range, message).with_optional_fix(fix));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_util::{at, deployment, fixed, lint, pos};

    const CODE: &str = "MESH104";

    #[test]
    fn typo_in_json_points_at_the_key_inside_the_string() {
        let text = deployment(
            "        proxy.istio.io/config: '{\"holdApplicationUntillProxyStarts\": true}'\n",
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, CODE);
        assert_eq!(
            pos(&text, &d[0]),
            at(&text, "\"holdApplicationUntillProxyStarts\"", 1)
        );
        assert_eq!(
            d[0].range.len(),
            "\"holdApplicationUntillProxyStarts\"".len() as u32
        );
        assert!(d[0].message.contains("`holdApplicationUntillProxyStarts`"));
        assert!(d[0]
            .message
            .contains("did you mean `holdApplicationUntilProxyStarts`"));
        assert!(d[0].message.contains("ignores"));
        let fix = d[0].fix.as_ref().unwrap();
        assert_eq!(fix.applicability, crate::diagnostic::Applicability::Safe);
        assert_eq!(fixed(&text, &d[0]), text.replace("Untill", "Until"));
        assert!(lint(&fixed(&text, &d[0]), CODE).is_empty());
    }

    #[test]
    fn the_rename_collides_with_another_fix_to_the_same_value() {
        // MESH101 merges the hold into the same string; applied together with the rename, the
        // key would be written twice. The widened edit makes the fixer take one per round.
        let text = deployment(
            "        proxy.istio.io/config: '{ \"holdApplicationUntilProxyStart\": true }'\n",
        );
        let rename = lint(&text, CODE).remove(0).fix.unwrap();
        let merge = lint(&text, "MESH101").remove(0).fix.unwrap();
        let applied = crate::fix::apply_fixes(&text, &[&rename, &merge]);
        assert_eq!(applied.applied, vec![0]);
        assert_eq!(applied.skipped, vec![1]);
        assert_eq!(applied.text, text.replace("ProxyStart\"", "ProxyStarts\""));
        assert!(lint(&applied.text, "MESH101").is_empty());
    }

    #[test]
    fn case_only_difference_is_renamed() {
        let text = deployment(
            "        proxy.istio.io/config: '{ HoldApplicationUntilProxyStarts: true, concurrency: 2 }'\n",
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(&text, &d[0]), at(&text, "HoldApplication", 1));
        assert!(d[0].message.contains("case-sensitive"));
        assert_eq!(
            fixed(&text, &d[0]),
            text.replace("HoldApplication", "holdApplication")
        );
    }

    #[test]
    fn literal_block_with_crlf_and_a_nested_message() {
        let text = deployment(
            "        proxy.istio.io/config: |\n          concurrency: 2\n          proxyStatsMatcher:\n            inclusionPrefixs: [\"cluster.outbound\"]\n          holdApplicationUntilProxyStart: true\n",
        )
        .replace('\n', "\r\n");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(pos(&text, &d[0]), at(&text, "inclusionPrefixs", 1));
        assert!(d[0].message.contains("proxyStatsMatcher.inclusionPrefixs"));
        assert_eq!(
            fixed(&text, &d[0]),
            text.replace("inclusionPrefixs", "inclusionPrefixes")
        );
        assert_eq!(
            pos(&text, &d[1]),
            at(&text, "holdApplicationUntilProxyStart:", 1)
        );
        assert_eq!(
            fixed(&text, &d[1]),
            text.replace("ProxyStart:", "ProxyStarts:")
        );
    }

    #[test]
    fn json_manifest_with_escaped_quotes() {
        let text = r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "annotations": {"proxy.istio.io/config": "{\"holdApplicationUntilProxyStart\": true}"}}, "spec": {"containers": [{"name": "a", "image": "a"}]}}"#;
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(
            pos(text, &d[0]),
            at(text, r#"\"holdApplicationUntilProxyStart\""#, 1)
        );
        assert_eq!(
            fixed(text, &d[0]),
            text.replace("ProxyStart\\\"", "ProxyStarts\\\"")
        );
    }

    #[test]
    fn folded_scalar_falls_back_to_the_value() {
        let text = deployment(
            "        proxy.istio.io/config: >\n          {\"holdApplicationUntilProxyStart\":\n          true}\n",
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(&text, &d[0]), at(&text, ">", 1));
        // The fix rewrites the scalar as a quoted one.
        let f = fixed(&text, &d[0]);
        assert!(
            f.contains("holdApplicationUntilProxyStarts\\\": true}"),
            "{f}"
        );
        assert!(lint(&f, CODE).is_empty(), "{f}");
    }

    #[test]
    fn no_fix_when_the_field_is_already_set_or_ambiguous() {
        // The target field is present under its snake_case name: renaming would change which
        // value wins.
        let text = deployment(
            "        proxy.istio.io/config: '{holdApplicationUntilProxyStart: false, hold_application_until_proxy_starts: true}'\n",
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert!(d[0].fix.is_none());
        // A wrong type after renaming would make the config invalid (MESH103): no fix.
        let text = deployment(
            "        proxy.istio.io/config: '{holdApplicationUntilProxyStart: \"yes\"}'\n",
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert!(d[0].fix.is_none());
        // Nothing close: a message, no suggestion.
        let text = deployment("        proxy.istio.io/config: '{ somethingElse: 1 }'\n");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert!(!d[0].message.contains("did you mean"));
        assert!(d[0].fix.is_none());
    }

    #[test]
    fn known_fields_maps_and_other_places_are_fine() {
        for config in [
            "'{ \"holdApplicationUntilProxyStarts\": true }'",
            "'hold_application_until_proxy_starts: true'",
            "'{ proxyMetadata: { ANY_NAME_AT_ALL: \"1\" } }'",
            "''",
            "'{}'",
        ] {
            let text = deployment(&format!("        proxy.istio.io/config: {config}\n"));
            assert!(lint(&text, CODE).is_empty(), "{config}");
        }
        // MeshConfig defaultConfig typos are MESH205's, never this rule's.
        let iop = "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  meshConfig:\n    defaultConfig:\n      holdApplicationUntilProxyStart: true\n";
        assert!(lint(iop, CODE).is_empty());
        // A workload's own metadata is MESH201's.
        let outer = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  annotations:\n    proxy.istio.io/config: '{holdApplicationUntilProxyStart: true}'\nspec:\n  template:\n    spec: {}\n";
        assert!(lint(outer, CODE).is_empty());
    }

    #[test]
    fn cronjob_and_not_injected_pods_are_checked() {
        let text = "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: c\n  namespace: kube-system\nspec:\n  jobTemplate:\n    spec:\n      template:\n        metadata:\n          annotations:\n            proxy.istio.io/config: \"drainDurations: 5s\"\n        spec: {}\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(text, &d[0]), at(text, "drainDurations", 1));
        assert_eq!(
            fixed(text, &d[0]),
            text.replace("drainDurations", "drainDuration")
        );
    }
}
