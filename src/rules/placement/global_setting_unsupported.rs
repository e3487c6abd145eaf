//! MESH204: with profile `managed` (Google's managed Cloud Service Mesh), the hold or an IP/port
//! exclusion set mesh-wide. Google's "Resolving proxy issues in Cloud Service Mesh" gives these
//! settings per pod only for managed CSM, which is configured through `istio-asm-managed*`
//! `ConfigMap`s and never reads an `IstioOperator`.

use super::managed::{excludes, EXCLUSIONS, HOLD, HOLD_SNAKE};
use crate::context::Profile;
use crate::diagnostic::{Diagnostic, FixAvailability, RuleMeta, Severity};
use crate::istio::schema_check::is_true;
use crate::rules::ResourceCheck;
use crate::source::TextRange;
use crate::yaml::edit::ValueMap;
use crate::yaml::{self, NodeRef};

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH204",
    name: "global-setting-unsupported",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "Managed Cloud Service Mesh ignores a mesh-wide hold or exclusion",
    page: include_str!("../../../rules/MESH204-global-setting-unsupported.md"),
};

/// The hold entry of a `ProxyConfig` mapping, when it is `true`.
fn hold_on<'d, 'a>(pc: NodeRef<'d, 'a>) -> Option<(NodeRef<'d, 'a>, &'d str)> {
    let pc = pc.resolved();
    [HOLD, HOLD_SNAKE]
        .into_iter()
        .find_map(|k| pc.entry(k))
        .filter(|(_, v)| is_true(*v))
        .and_then(|(k, _)| Some((k, k.as_str()?)))
}

const HOLD_ANNOTATION: &str =
    "`proxy.istio.io/config: '{ \"holdApplicationUntilProxyStarts\": true }'`";

fn hold_message(path: &str) -> String {
    format!(
        "`{path}: true` is a mesh-wide hold, which managed Cloud Service Mesh does not honour (pod level only): pods do not wait for Envoy because of it; set the pod annotation {HOLD_ANNOTATION} on each workload instead"
    )
}

fn exclusion_message(path: &str, value: NodeRef<'_, '_>, annotation: &str) -> String {
    let setting = match value.resolved().as_str() {
        Some(v) => format!("`{path}: \"{v}\"`"),
        None => format!("`{path}`"),
    };
    format!(
        "{setting} is a mesh-wide exclusion, which managed Cloud Service Mesh does not honour (pod level only): pods still capture that traffic; set the pod annotation `{annotation}` on each workload that needs it instead"
    )
}

/// Reports a `global.proxy` mapping's hold and exclusions (`prefix` is `spec.values.` or empty).
fn global_proxy(proxy: NodeRef<'_, '_>, prefix: &str, out: &mut Vec<Diagnostic>) {
    let proxy = proxy.resolved();
    if let Some((k, v)) = proxy.entry(HOLD) {
        if is_true(v) {
            out.push(Diagnostic::new(
                &RULE,
                k.range(),
                hold_message(&format!("{prefix}global.proxy.{HOLD}")),
            ));
        }
    }
    for (name, annotation) in EXCLUSIONS {
        if let Some((k, v)) = proxy.entry(name) {
            if excludes(v) {
                out.push(Diagnostic::new(
                    &RULE,
                    k.range(),
                    exclusion_message(&format!("{prefix}global.proxy.{name}"), v, annotation),
                ));
            }
        }
    }
}

/// A `MeshConfig`'s `defaultConfig` and the name it is written under: jsonpb, which reads mesh
/// configuration, accepts the proto name `default_config` too, and the in-cluster profile counts
/// either for MESH101 (`context::default_config`), so either is reported here.
fn default_config_of<'d, 'a>(
    mesh_config: NodeRef<'d, 'a>,
) -> Option<(&'static str, NodeRef<'d, 'a>)> {
    let mesh_config = mesh_config.resolved();
    ["defaultConfig", "default_config"]
        .into_iter()
        .find_map(|name| Some((name, mesh_config.get(name)?)))
}

/// Reports the hold of a `meshConfig.defaultConfig` mapping (`meshConfig` is `mesh_config`).
fn default_config(mesh_config: NodeRef<'_, '_>, prefix: &str, out: &mut Vec<Diagnostic>) {
    let Some((dc_name, dc)) = default_config_of(mesh_config) else {
        return;
    };
    if let Some((k, name)) = hold_on(dc) {
        out.push(Diagnostic::new(
            &RULE,
            k.range(),
            hold_message(&format!("{prefix}meshConfig.{dc_name}.{name}")),
        ));
    }
}

/// Reports the hold inside the `mesh` data of the `istio` `ConfigMap`, at the key inside the
/// string when offsets map, else at the `mesh` key.
fn mesh_data(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(name) = cx.res.name else { return };
    if name != "istio" && !name.starts_with("istio-") {
        return;
    }
    let Some((mesh_key, mesh)) = cx.res.root.get("data").and_then(|d| d.entry("mesh")) else {
        return;
    };
    let Some(text) = mesh.resolved().as_str() else {
        return;
    };
    let map = ValueMap::new(cx.text, mesh, text);
    for doc in yaml::DocumentParser::new(text).flatten() {
        let Some((dc_name, dc)) = doc.root().and_then(default_config_of) else {
            continue;
        };
        if let Some((k, key)) = hold_on(dc) {
            let range = map
                .as_ref()
                .map(|m| m.range(&k.range().as_range()))
                .filter(|r: &TextRange| !r.is_empty())
                .unwrap_or_else(|| mesh_key.range());
            out.push(Diagnostic::new(
                &RULE,
                range,
                hold_message(&format!("data.mesh: {dc_name}.{key}")),
            ));
        }
    }
}

pub fn check(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    if cx.cx.options.profile != Profile::Managed {
        return;
    }
    let res = cx.res;
    if res.is_istio_operator() {
        let Some(spec) = res.root.get("spec") else {
            return;
        };
        if let Some(mesh_config) = spec.get("meshConfig") {
            default_config(mesh_config, "spec.", out);
        }
        if let Some(proxy) = spec.path(&["values", "global", "proxy"]) {
            global_proxy(proxy, "spec.values.", out);
        }
    } else if res.kind == "ConfigMap" {
        mesh_data(cx, out);
    } else if res.kind.is_empty() {
        // istiod Helm values: top-level meshConfig and global.
        if let Some(mesh_config) = res.root.get("meshConfig") {
            default_config(mesh_config, "", out);
        }
        if let Some(proxy) = res.root.path(&["global", "proxy"]) {
            global_proxy(proxy, "", out);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::context::{LintOptions, Profile};
    use crate::rules::test_util::{at, iop, lint, lint_with, pos};

    const CODE: &str = "MESH204";

    fn managed() -> LintOptions {
        LintOptions {
            profile: Profile::Managed,
            ..LintOptions::default()
        }
    }

    #[test]
    fn operator_hold_and_exclusions_at_their_keys() {
        let text = iop("  meshConfig:\n    defaultConfig:\n      holdApplicationUntilProxyStarts: true\n  values:\n    global:\n      proxy:\n        holdApplicationUntilProxyStarts: true\n        excludeIPRanges: \"10.8.0.0/16\"\n        excludeOutboundPorts: \"8200\"\n        excludeInboundPorts: \"9000\"\n        includeIPRanges: \"*\"\n");
        let d = lint_with(&text, CODE, &managed());
        assert_eq!(d.len(), 5, "{d:?}");
        assert!(d.iter().all(|d| d.code == CODE && d.fix.is_none()));
        assert_eq!(
            pos(&text, &d[0]),
            at(&text, "holdApplicationUntilProxyStarts", 1)
        );
        assert!(d[0]
            .message
            .contains("spec.meshConfig.defaultConfig.holdApplicationUntilProxyStarts: true"));
        assert!(d[0].message.contains("proxy.istio.io/config"));
        assert_eq!(
            pos(&text, &d[1]),
            at(&text, "holdApplicationUntilProxyStarts", 2)
        );
        assert!(d[1]
            .message
            .contains("spec.values.global.proxy.holdApplicationUntilProxyStarts"));
        assert_eq!(pos(&text, &d[2]), at(&text, "excludeIPRanges", 1));
        assert!(d[2]
            .message
            .contains("traffic.sidecar.istio.io/excludeOutboundIPRanges"));
        assert!(d[2]
            .message
            .contains("`spec.values.global.proxy.excludeIPRanges: \"10.8.0.0/16\"`"));
        assert_eq!(pos(&text, &d[3]), at(&text, "excludeOutboundPorts", 1));
        assert!(d[3]
            .message
            .contains("traffic.sidecar.istio.io/excludeOutboundPorts"));
        assert_eq!(pos(&text, &d[4]), at(&text, "excludeInboundPorts", 1));
        assert!(d[4]
            .message
            .contains("traffic.sidecar.istio.io/excludeInboundPorts"));
        // The default profile: these settings are valid.
        assert!(lint(&text, CODE).is_empty());
    }

    #[test]
    fn mesh_config_map_points_inside_the_string() {
        let text = "apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: istio\r\n  namespace: istio-system\r\ndata:\r\n  mesh: |-\r\n    accessLogFile: /dev/stdout\r\n    defaultConfig:\r\n      holdApplicationUntilProxyStarts: true\r\n";
        let d = lint_with(text, CODE, &managed());
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(
            pos(text, &d[0]),
            at(text, "holdApplicationUntilProxyStarts", 1)
        );
        assert_eq!(
            d[0].range.len(),
            "holdApplicationUntilProxyStarts".len() as u32
        );
        // Escapes map too (a JSON-style double-quoted value).
        let quoted = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: istio-1-22\ndata:\n  mesh: \"defaultConfig:\\n  holdApplicationUntilProxyStarts: true\\n\"\n";
        let d = lint_with(quoted, CODE, &managed());
        assert_eq!(d.len(), 1);
        assert_eq!(
            pos(quoted, &d[0]),
            at(quoted, "holdApplicationUntilProxyStarts", 1)
        );
        // A folded value cannot map: the `mesh` key.
        let folded = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: istio\ndata:\n  mesh: >\n    defaultConfig:\n      holdApplicationUntilProxyStarts: true\n";
        let d = lint_with(folded, CODE, &managed());
        assert_eq!(d.len(), 1);
        assert_eq!(pos(folded, &d[0]), at(folded, "mesh:", 1));
    }

    #[test]
    fn helm_values() {
        let text = "meshConfig:\n  defaultConfig:\n    hold_application_until_proxy_starts: true\nglobal:\n  proxy:\n    excludeIPRanges: 10.0.0.0/8\n";
        let d = lint_with(text, CODE, &managed());
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(pos(text, &d[0]), at(text, "hold_application", 1));
        assert!(d[0]
            .message
            .contains("`meshConfig.defaultConfig.hold_application_until_proxy_starts: true`"));
        assert_eq!(pos(text, &d[1]), at(text, "excludeIPRanges", 1));
    }

    /// Audit C4: the in-cluster profile counts a hold under `default_config` (the proto name)
    /// for MESH101, so the managed profile reports it.
    #[test]
    fn proto_names_are_reported_as_the_in_cluster_profile_counts_them() {
        let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio}\ndata:\n  mesh: |\n    default_config:\n      hold_application_until_proxy_starts: true\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\nspec:\n  template:\n    metadata: {labels: {app: w}}\n    spec: {containers: []}\n";
        let d = lint_with(cm, CODE, &managed());
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(pos(cm, &d[0]), (7, 7));
        assert!(d[0].message.starts_with(
            "`data.mesh: default_config.hold_application_until_proxy_starts: true` is a mesh-wide hold"
        ));
        // In-cluster, the same hold counts: no MESH101.
        assert!(lint(cm, "MESH101").is_empty());
        let camel = cm.replace(
            "hold_application_until_proxy_starts",
            "holdApplicationUntilProxyStarts",
        );
        assert_eq!(pos(&camel, &lint_with(&camel, CODE, &managed())[0]), (7, 7));
        // Helm values and an IstioOperator.
        let values = "meshConfig: {default_config: {hold_application_until_proxy_starts: true}}\n";
        let d = lint_with(values, CODE, &managed());
        assert_eq!(d.len(), 1);
        assert_eq!(pos(values, &d[0]), at(values, "hold_", 1));
        assert!(d[0]
            .message
            .contains("`meshConfig.default_config.hold_application_until_proxy_starts: true`"));
        let text = iop(
            "  meshConfig:\n    default_config:\n      holdApplicationUntilProxyStarts: true\n",
        );
        let d = lint_with(&text, CODE, &managed());
        assert_eq!(d.len(), 1);
        assert!(d[0]
            .message
            .contains("`spec.meshConfig.default_config.holdApplicationUntilProxyStarts: true`"));
    }

    #[test]
    fn negatives() {
        for text in [
            // Off or empty settings are not relied on.
            iop("  meshConfig:\n    defaultConfig:\n      holdApplicationUntilProxyStarts: false\n  values:\n    global:\n      proxy:\n        excludeIPRanges: \"\"\n        excludeOutboundPorts:\n        includeIPRanges: \"*\"\n"),
            // Another ConfigMap; the pod-level annotation is the right place.
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata:\n  mesh: |\n    defaultConfig:\n      holdApplicationUntilProxyStarts: true\n".to_owned(),
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    proxy.istio.io/config: '{ \"holdApplicationUntilProxyStarts\": true }'\n    traffic.sidecar.istio.io/excludeOutboundPorts: \"8200\"\nspec:\n  containers: []\n".to_owned(),
        ] {
            assert!(lint_with(&text, CODE, &managed()).is_empty(), "{text}");
        }
    }
}
