//! MESH401: the Vault agent runs as an init container while Istio already captures the pod's
//! outbound traffic, and nothing takes Vault's traffic out of capture. A classic sidecar does
//! not run during the init phase, so `vault-agent-init` gets connection refused and the pod
//! hangs in `Init` (hashicorp/vault-k8s#41, istio/istio#23802).

use crate::context::Profile;
use crate::context::Requires;
use crate::diagnostic::{Diagnostic, Edit, Fix, FixAvailability, RuleMeta, Severity};
use crate::go::strconv::{parse_bool, parse_uint};
use crate::istio::lists::{check_ip_list, check_port_list, IpListKind, PortListKind};
use crate::k8s::edit::add_to_pod;
use crate::k8s::MetaMap;
use crate::k8s::{scalar_string, PodInjection, PodTemplate};
use crate::rules::capture::EXCLUDE_IPS;
use crate::rules::startup::native_sidecar;
use crate::rules::ResourceCheck;
use crate::yaml::edit::edit_inside;
use crate::yaml::edit::quote;
use crate::yaml::resolve::{resolve, ScalarType};
use crate::yaml::{CollectionStyle, NodeRef, ScalarStyle};
use ipnet::IpNet;
use std::fmt::Write as _;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH401",
    name: "vault-init-race",
    severity: Severity::Warning,
    fix: FixAvailability::SometimesSafeOrUnsafe,
    summary: "Vault's init container cannot reach Vault because its traffic is captured by the not-yet-running proxy",
    page: include_str!("../../../rules/MESH401-vault-init-race.md"),
};

const AGENT_INJECT: &str = "vault.hashicorp.com/agent-inject";
const PRE_POPULATE: &str = "vault.hashicorp.com/agent-pre-populate";
const INIT_FIRST: &str = "vault.hashicorp.com/agent-init-first";
const EXCLUDE_PORTS: &str = "traffic.sidecar.istio.io/excludeOutboundPorts";

/// A Vault annotation as vault-k8s reads it (Go `strconv.ParseBool`).
fn vault_bool(pod: &PodTemplate<'_, '_>, name: &str) -> Option<bool> {
    pod.meta
        .annotation_str(name)
        .and_then(|s| parse_bool(s).ok())
}

/// The valid networks of an exclusion list, canonical (iptables matches networks).
fn networks(value: &str, kind: IpListKind) -> Vec<IpNet> {
    check_ip_list(value, kind)
        .valid
        .iter()
        .map(|e| e.net.trunc())
        .collect()
}

/// The Vault addresses `value` does not exclude.
fn uncovered(value: &str, kind: IpListKind, addresses: &[IpNet]) -> Vec<IpNet> {
    let nets = networks(value, kind);
    addresses
        .iter()
        .filter(|a| !nets.iter().any(|n| n.contains(*a)))
        .copied()
        .collect()
}

/// Whether an IP exclusion takes Vault out of capture: it covers every configured Vault
/// address, or, with none configured, it is not blank.
fn ips_cover(value: &str, kind: IpListKind, addresses: &[IpNet]) -> bool {
    !value.trim().is_empty() && uncovered(value, kind, addresses).is_empty()
}

/// Whether a port exclusion contains a Vault port, elements trimmed as Istio trims them
/// (`parsePorts`: the whole value, then each element, `ParseUint(e, 10, 16)`).
fn ports_cover(value: &str, ports: &[u16]) -> bool {
    value.trim().split(',').any(|e| {
        parse_uint(e.trim(), 10, 16)
            .ok()
            .and_then(|p| u16::try_from(p).ok())
            .is_some_and(|p| ports.contains(&p))
    })
}

/// One exclusion that applies to the pod: the pod's own annotation (its presence wins, even
/// empty: `getAnnotation`, `pkg/kube/inject/template.go`) or the mesh-wide value.
struct Exclusion<'d, 'a> {
    value: String,
    /// The pod's annotation `(key, value)`, when the pod sets it.
    own: Option<(NodeRef<'d, 'a>, NodeRef<'d, 'a>)>,
    /// Where the mesh-wide value comes from, when it applies.
    mesh_origin: Option<String>,
}

fn exclusion<'d, 'a>(
    pod: &PodTemplate<'d, 'a>,
    annotation: &str,
    mesh: Option<&crate::context::MeshSetting<String>>,
) -> Option<Exclusion<'d, 'a>> {
    if let Some((k, v)) = pod.meta.annotation(annotation) {
        return Some(Exclusion {
            value: scalar_string(v).unwrap_or_default().to_owned(),
            own: Some((k, v)),
            mesh_origin: None,
        });
    }
    mesh.map(|m| Exclusion {
        value: m.value.clone(),
        own: None,
        mesh_origin: Some(m.origin.clone()),
    })
}

/// `` `key: value` `` as the file writes it, for messages: the value's source on one line
/// (quotes included; `` `key:` `` when empty), else the value re-quoted.
fn as_written(text: &str, key: &str, value: NodeRef<'_, '_>) -> String {
    let src = value.range().slice(text);
    if src.is_empty() {
        format!("`{key}:`")
    } else if src.contains('\n') {
        format!(
            "`{key}: {}`",
            quote(scalar_string(value).unwrap_or(""), true)
        )
    } else {
        format!("`{key}: {src}`")
    }
}

fn join<T: ToString>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Edits adding `key: value` to the pod's annotations. A flow mapping whose keys are
/// double-quoted (a JSON manifest) gets a double-quoted key, so JSON stays JSON.
fn add_annotation(
    text: &str,
    pod: &PodTemplate<'_, '_>,
    key: &str,
    value: &str,
) -> Option<Vec<Edit>> {
    if let Some((_, map)) = pod.meta.annotations {
        let map = map.resolved();
        if map.doc.merge_guarded(map.id) {
            return None;
        }
        let json = map.collection_style() == Some(CollectionStyle::Flow)
            && map
                .literal_entries()
                .next()
                .is_some_and(|(k, _)| k.style() == Some(ScalarStyle::DoubleQuoted));
        if json {
            let (k, v) = map.literal_entries().last()?;
            let end = v.range().end().max(k.range().end());
            return Some(vec![Edit::insert(end, format!(", \"{key}\": {value}"))]);
        }
    }
    add_to_pod(text, pod, MetaMap::Annotations, key, value)
}

/// An edit writing `new` as the string of the pod's annotation value `v` (its old string is
/// `old`): appended in place when `new` extends `old`, else the value replaced.
fn rewrite_value(text: &str, v: NodeRef<'_, '_>, old: &str, new: &str) -> Option<Edit> {
    if v.is_alias()
        || !matches!(resolve(v), ScalarType::Str | ScalarType::Null)
        || crate::yaml::edit::merge_guarded_scalar(v)
    {
        return None;
    }
    if old.is_empty() {
        let r = v.range();
        let quoted = quote(new, true);
        return Some(if r.is_empty() {
            Edit::insert(r.start(), format!(" {quoted}"))
        } else {
            Edit::replace(r, quoted)
        });
    }
    let tail = new.strip_prefix(old)?;
    edit_inside(text, v, old, &(old.len()..old.len()), tail)
}

/// The fix: with Vault addresses configured, the IP exclusion (safe); else the port exclusion
/// (unsafe: it takes the port out of the mesh for every container).
fn fix(
    cx: &ResourceCheck<'_, '_, '_>,
    pod: &PodTemplate<'_, '_>,
    ips: Option<&Exclusion<'_, '_>>,
    ports: Option<&Exclusion<'_, '_>>,
) -> Option<Fix> {
    let vault = &cx.cx.options.vault;
    if !vault.addresses.is_empty() {
        let (base, own) = match ips {
            Some(e) => (e.value.as_str(), e.own),
            None => ("", None),
        };
        let kind = IpListKind::ExcludeAnnotation;
        if !base.trim().is_empty() && !check_ip_list(base, kind).issues.is_empty() {
            return None; // MESH302 first.
        }
        let missing = uncovered(base, kind, &vault.addresses);
        let new = if base.trim().is_empty() {
            join(&missing)
        } else {
            format!("{base},{}", join(&missing))
        };
        let title = format!(
            "exclude Vault's addresses ({}) from capture",
            join(&missing)
        );
        let edits = match own {
            Some((_, v)) => vec![rewrite_value(cx.text, v, base, &new)?],
            None => add_annotation(cx.text, pod, EXCLUDE_IPS, &quote(&new, true))?,
        };
        return Some(Fix::safe(title, edits));
    }
    if vault.ports.is_empty() {
        return None;
    }
    let (base, own) = match ports {
        Some(e) => (e.value.as_str(), e.own),
        None => ("", None),
    };
    if !base.trim().is_empty()
        && !check_port_list(base, PortListKind::ExcludeOutboundAnnotation)
            .issues
            .is_empty()
    {
        return None; // MESH306 first.
    }
    let new = if base.trim().is_empty() {
        join(&vault.ports)
    } else {
        format!("{base},{}", join(&vault.ports))
    };
    let title = format!(
        "exclude port {} from capture ({EXCLUDE_PORTS})",
        join(&vault.ports)
    );
    let edits = match own {
        Some((_, v)) => vec![rewrite_value(cx.text, v, base, &new)?],
        None => add_annotation(cx.text, pod, EXCLUDE_PORTS, &quote(&new, true))?,
    };
    Some(Fix::unsafe_(title, edits))
}

/// Why the exclusions that are there do not help, for the message.
fn shortfall(
    text: &str,
    ips: Option<&Exclusion<'_, '_>>,
    ports: Option<&Exclusion<'_, '_>>,
    vault_ports: &str,
    addresses: &[IpNet],
) -> String {
    let mut parts = Vec::new();
    let name = |e: &Exclusion<'_, '_>, annotation: &str, mesh: &str| match (&e.own, &e.mesh_origin)
    {
        (Some((_, v)), _) => as_written(text, annotation, *v),
        (None, Some(origin)) => format!("the mesh-wide `{mesh}: \"{}\"` ({origin})", e.value),
        (None, None) => format!("`{annotation}: \"{}\"`", e.value),
    };
    if let Some(e) = ports {
        parts.push(format!(
            "{} does not contain port {vault_ports}",
            name(e, EXCLUDE_PORTS, "excludeOutboundPorts")
        ));
    }
    if let Some(e) = ips {
        let what = name(e, EXCLUDE_IPS, "excludeIPRanges");
        parts.push(if e.value.trim().is_empty() {
            format!("{what} is empty and excludes nothing")
        } else {
            format!(
                "{what} does not cover Vault's addresses ({})",
                join(addresses)
            )
        });
    }
    if parts.is_empty() {
        format!("nothing excludes port {vault_ports} or Vault's addresses")
    } else {
        parts.join(" and ")
    }
}

pub fn check(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    let res = cx.res;
    let Some(pod) = &res.pod else { return };
    if pod.is_gateway() {
        return; // A gateway runs Envoy, not an application with Vault secrets.
    }
    let native = native_sidecar(cx, pod);
    if native == Some(true) {
        return;
    }
    let Some((inject_key, inject_value)) = pod.meta.annotation(AGENT_INJECT) else {
        return;
    };
    if !matches!(resolve(inject_value), ScalarType::Str | ScalarType::Null) {
        return; // Not a string: the API server rejects the pod (MESH501's), as MESH101 does.
    }
    let Some(inject_text) = scalar_string(inject_value) else {
        return;
    };
    if parse_bool(inject_text) != Ok(true) || vault_bool(pod, PRE_POPULATE) == Some(false) {
        return; // No Vault agent, or no init container.
    }
    let vault = &cx.cx.options.vault;
    let in_cluster = cx.cx.options.profile == Profile::InCluster;
    let mesh = cx.mesh();
    let ips = exclusion(
        pod,
        EXCLUDE_IPS,
        mesh.exclude_ip_ranges.as_ref().filter(|_| in_cluster),
    );
    let ports = exclusion(
        pod,
        EXCLUDE_PORTS,
        mesh.exclude_outbound_ports.as_ref().filter(|_| in_cluster),
    );
    let ip_kind = |e: &Exclusion<'_, '_>| {
        if e.own.is_some() {
            IpListKind::ExcludeAnnotation
        } else {
            IpListKind::OperatorExclude
        }
    };
    if ips
        .as_ref()
        .is_some_and(|e| ips_cover(&e.value, ip_kind(e), &vault.addresses))
        || ports
            .as_ref()
            .is_some_and(|e| ports_cover(&e.value, &vault.ports))
    {
        return;
    }
    let vault_ports = join(&vault.ports);
    let mut message = format!(
        "{} runs the Vault agent as an init container, but its traffic to Vault is still captured by Istio ({}): the sidecar does not run during the init phase, so `vault-agent-init` cannot reach Vault (connection refused) and the pod hangs in `Init`",
        as_written(cx.text, AGENT_INJECT, inject_value),
        shortfall(cx.text, ips.as_ref(), ports.as_ref(), &vault_ports, &vault.addresses)
    );
    if let Some((_, v)) = pod
        .meta
        .annotation(INIT_FIRST)
        .filter(|_| vault_bool(pod, INIT_FIRST) == Some(true))
    {
        let _ = write!(
            message,
            "; {} does not help: with istio-cni (managed Cloud Service Mesh's default) capture is in place before any init container runs",
            as_written(cx.text, INIT_FIRST, v)
        );
    }
    let fix = fix(cx, pod, ips.as_ref(), ports.as_ref());
    pod.explain_missing_fix(&mut message, &fix);
    // A Kustomize patch is a partial object (its exclusions may be in the base); the
    // namespace may be described by another file.
    let requires = Requires {
        injected: PodInjection::of(res),
        whole_object: true,
        not_native: native.is_none(),
        ..Requires::default()
    };
    out.push(
        Diagnostic::new(&RULE, inject_key.range(), message)
            .with_optional_fix(fix)
            .requiring(requires),
    );
}

#[cfg(test)]
mod tests {
    use crate::context::{LintOptions, Profile, VaultOptions};
    use crate::diagnostic::Applicability;
    use crate::rules::test_util::{at, fixed, lint, lint_with, pos};

    const CODE: &str = "MESH401";

    fn deployment(annotations: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: payouts\nspec:\n  template:\n    metadata:\n      annotations:\n        proxy.istio.io/config: '{{\"holdApplicationUntilProxyStarts\": true}}'\n{annotations}    spec:\n      containers:\n        - name: payouts\n          image: payouts:1\n"
        )
    }

    const INJECT: &str = "        vault.hashicorp.com/agent-inject: \"true\"\n        vault.hashicorp.com/role: payouts\n";

    fn with_addresses(cidrs: &[&str]) -> LintOptions {
        LintOptions {
            vault: VaultOptions {
                addresses: cidrs.iter().map(|c| c.parse().unwrap()).collect(),
                ..VaultOptions::default()
            },
            ..LintOptions::default()
        }
    }

    /// A gateway runs Envoy alone: no application init race to report.
    #[test]
    fn gateways_are_not_reported() {
        for templates in ["gateway", "gateway,custom"] {
            let text = deployment(&format!(
                "{INJECT}        inject.istio.io/templates: {templates}\n"
            ));
            assert!(lint(&text, CODE).is_empty(), "{text}");
        }
        let text = deployment(INJECT).replace(
            "- name: payouts\n          image: payouts:1",
            "- name: istio-proxy\n          image: auto",
        );
        assert!(lint(&text, CODE).is_empty(), "{text}");
        // `image: auto` on another container: an ordinary pod.
        let text = deployment(INJECT).replace("image: payouts:1", "image: auto");
        assert_eq!(lint(&text, CODE).len(), 1, "{text}");
    }

    #[test]
    fn no_exclusion_adds_port_8200_unsafely() {
        let text = deployment(INJECT);
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, CODE);
        assert_eq!(
            pos(&text, &d[0]),
            at(&text, "vault.hashicorp.com/agent-inject", 1)
        );
        assert_eq!(
            d[0].range.len(),
            "vault.hashicorp.com/agent-inject".len() as u32
        );
        assert!(d[0].message.contains("init container"));
        assert!(d[0].message.contains("8200"));
        assert!(d[0].message.contains("`Init`"));
        assert!(!d[0].message.contains("agent-init-first"));
        let fix = d[0].fix.as_ref().unwrap();
        assert_eq!(fix.applicability, Applicability::Unsafe);
        let want = deployment(&format!(
            "{INJECT}        traffic.sidecar.istio.io/excludeOutboundPorts: \"8200\"\n"
        ));
        assert_eq!(fixed(&text, &d[0]), want);
        assert!(lint(&want, CODE).is_empty());
    }

    /// Audit A8: a non-string `agent-inject` is MESH501's (the API server rejects the pod), as
    /// MESH101 leaves a non-string config to it; messages quote values as written.
    #[test]
    fn a_non_string_inject_is_left_to_mesh501_and_values_are_quoted_as_written() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    proxy.istio.io/config: '{\"holdApplicationUntilProxyStarts\": true}'\n    vault.hashicorp.com/agent-inject: true\nspec:\n  containers: []\n";
        assert!(lint(pod, CODE).is_empty());
        assert_eq!(lint(pod, "MESH501").len(), 1);
        let pod = pod.replace("agent-inject: true", "agent-inject: 'True'\n    vault.hashicorp.com/agent-init-first: \"1\"\n    traffic.sidecar.istio.io/excludeOutboundPorts: '443'");
        let d = lint(&pod, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(
            d[0].message,
            "`vault.hashicorp.com/agent-inject: 'True'` runs the Vault agent as an init container, but its traffic to Vault is still captured by Istio (`traffic.sidecar.istio.io/excludeOutboundPorts: '443'` does not contain port 8200): the sidecar does not run during the init phase, so `vault-agent-init` cannot reach Vault (connection refused) and the pod hangs in `Init`; `vault.hashicorp.com/agent-init-first: \"1\"` does not help: with istio-cni (managed Cloud Service Mesh's default) capture is in place before any init container runs"
        );
        // An empty value is shown as written.
        let pod = pod.replace(" '443'", "");
        assert!(lint(&pod, CODE)[0].message.contains(
            "(`traffic.sidecar.istio.io/excludeOutboundPorts:` does not contain port 8200)"
        ));
    }

    #[test]
    fn a_port_list_without_8200_is_merged() {
        let text = deployment(&format!(
            "{INJECT}        traffic.sidecar.istio.io/excludeOutboundPorts: \"8201\"\n"
        ));
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains(
            "`traffic.sidecar.istio.io/excludeOutboundPorts: \"8201\"` does not contain port 8200"
        ));
        assert_eq!(
            fixed(&text, &d[0]),
            text.replace("\"8201\"", "\"8201,8200\"")
        );
        // An empty value is filled in.
        let text = deployment(&format!(
            "{INJECT}        traffic.sidecar.istio.io/excludeOutboundPorts:\n"
        ));
        let d = lint(&text, CODE);
        assert_eq!(
            fixed(&text, &d[0]),
            text.replace(
                "excludeOutboundPorts:\n",
                "excludeOutboundPorts: \"8200\"\n"
            )
        );
    }

    #[test]
    fn trimmed_ports_and_any_ip_exclusion_count() {
        for extra in [
            "        traffic.sidecar.istio.io/excludeOutboundPorts: \"443, 8200\"\n",
            "        traffic.sidecar.istio.io/excludeOutboundPorts: \" 8200 \"\n",
            "        traffic.sidecar.istio.io/excludeOutboundIPRanges: \"10.0.0.0/8\"\n",
        ] {
            let text = deployment(&format!("{INJECT}{extra}"));
            assert!(lint(&text, CODE).is_empty(), "{extra}");
        }
        // Go's ParseUint takes no sign.
        let text = deployment(&format!(
            "{INJECT}        traffic.sidecar.istio.io/excludeOutboundPorts: \"+8200\"\n"
        ));
        assert_eq!(lint(&text, CODE).len(), 1);
    }

    #[test]
    fn configured_addresses_must_be_covered_and_fix_safely() {
        let options = with_addresses(&["10.8.0.0/16"]);
        let text = deployment(&format!(
            "{INJECT}        traffic.sidecar.istio.io/excludeOutboundIPRanges: '172.16.0.0/12'\n"
        ));
        let d = lint_with(&text, CODE, &options);
        assert_eq!(d.len(), 1);
        assert!(d[0]
            .message
            .contains("does not cover Vault's addresses (10.8.0.0/16)"));
        let fix = d[0].fix.as_ref().unwrap();
        assert_eq!(fix.applicability, Applicability::Safe);
        let want = text.replace("'172.16.0.0/12'", "'172.16.0.0/12,10.8.0.0/16'");
        assert_eq!(fixed(&text, &d[0]), want);
        assert!(lint_with(&want, CODE, &options).is_empty());
        // Covered by a wider range (host bits do not matter).
        let text = deployment(&format!(
            "{INJECT}        traffic.sidecar.istio.io/excludeOutboundIPRanges: \"10.1.2.3/8\"\n"
        ));
        assert!(lint_with(&text, CODE, &options).is_empty());
        // No exclusion at all: the annotation is added.
        let text = deployment(INJECT);
        let d = lint_with(&text, CODE, &options);
        assert_eq!(
            fixed(&text, &d[0]),
            deployment(&format!(
                "{INJECT}        traffic.sidecar.istio.io/excludeOutboundIPRanges: \"10.8.0.0/16\"\n"
            ))
        );
    }

    #[test]
    fn mesh_wide_exclusions_and_pod_overrides() {
        let iop = "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  values:\n    global:\n      proxy:\n        excludeOutboundPorts: \"8200\"\n---\n";
        let text = format!("{iop}{}", deployment(INJECT));
        assert!(lint(&text, CODE).is_empty());
        // Managed CSM ignores the mesh-wide value.
        let managed = LintOptions {
            profile: Profile::Managed,
            ..LintOptions::default()
        };
        assert_eq!(lint_with(&text, CODE, &managed).len(), 1);
        // A pod annotation, even empty, replaces the mesh-wide value for that pod.
        let text = format!(
            "{iop}{}",
            deployment(&format!(
                "{INJECT}        traffic.sidecar.istio.io/excludeOutboundPorts: \"\"\n"
            ))
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("does not contain port 8200"));
        // A mesh-wide value that does not cover: the fix keeps its ports in the pod's value.
        let iop = "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  values:\n    global:\n      proxy:\n        excludeOutboundPorts: \"5432\"\n---\n";
        let text = format!("{iop}{}", deployment(INJECT));
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert!(
            d[0].message
                .contains("mesh-wide `excludeOutboundPorts: \"5432\"`"),
            "{}",
            d[0].message
        );
        assert!(fixed(&text, &d[0]).contains("excludeOutboundPorts: \"5432,8200\"\n"));
    }

    #[test]
    fn init_first_does_not_help_and_says_so() {
        let text = deployment(&format!(
            "{INJECT}        vault.hashicorp.com/agent-init-first: \"true\"\n"
        ));
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("agent-init-first"));
        assert!(d[0].message.contains("istio-cni"));
    }

    #[test]
    fn pre_populate_only_counts_as_init_in_a_cronjob() {
        let text = "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: c\nspec:\n  jobTemplate:\n    spec:\n      template:\n        metadata:\n          annotations:\n            vault.hashicorp.com/agent-inject: 'true'\n            vault.hashicorp.com/agent-pre-populate-only: 'true'\n        spec:\n          containers: []\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(
            pos(text, &d[0]),
            at(text, "vault.hashicorp.com/agent-inject", 1)
        );
        assert_eq!(
            fixed(text, &d[0]),
            text.replace(
                "'true'\n        spec:",
                "'true'\n            traffic.sidecar.istio.io/excludeOutboundPorts: \"8200\"\n        spec:"
            )
        );
    }

    #[test]
    fn json_manifest_and_crlf() {
        let text = r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "annotations": {"vault.hashicorp.com/agent-inject": "true"}}, "spec": {"containers": []}}"#;
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(
            pos(text, &d[0]),
            at(text, "\"vault.hashicorp.com/agent-inject\"", 1)
        );
        let f = fixed(text, &d[0]);
        assert_eq!(
            f,
            text.replace(
                r#"agent-inject": "true""#,
                r#"agent-inject": "true", "traffic.sidecar.istio.io/excludeOutboundPorts": "8200""#
            )
        );
        let text = deployment(INJECT).replace('\n', "\r\n");
        let d = lint(&text, CODE);
        assert_eq!(
            fixed(&text, &d[0]),
            deployment(&format!(
                "{INJECT}        traffic.sidecar.istio.io/excludeOutboundPorts: \"8200\"\n"
            ))
            .replace('\n', "\r\n")
        );
    }

    #[test]
    fn kustomize_patches_are_partial_objects() {
        let text = deployment(INJECT);
        let file = crate::rules::FileInfo {
            path: "vault-patch.yaml".into(),
            partial: true,
            ..Default::default()
        };
        let cx = crate::context::Context::new(LintOptions::default());
        let selector = crate::rules::RuleSelector {
            select: vec![CODE.into()],
            ignore: Vec::new(),
        };
        let policy = crate::config::Policy::from_selector(selector);
        let input = crate::engine::Input::new(&text, &file);
        assert!(crate::engine::lint(input, &cx, &policy, None)
            .visible
            .is_empty());
    }

    #[test]
    fn negatives() {
        for (annotations, labels) in [
            // No init container.
            (
                "        vault.hashicorp.com/agent-inject: \"true\"\n        vault.hashicorp.com/agent-pre-populate: \"false\"\n",
                "",
            ),
            // No Vault agent.
            ("        vault.hashicorp.com/agent-inject: \"false\"\n", ""),
            ("        vault.hashicorp.com/role: x\n", ""),
            // Native sidecar for this pod.
            (
                "        vault.hashicorp.com/agent-inject: \"true\"\n        sidecar.istio.io/nativeSidecar: \"true\"\n",
                "",
            ),
            // Not injected.
            (
                INJECT,
                "      labels:\n        sidecar.istio.io/inject: \"false\"\n",
            ),
        ] {
            let text = deployment(annotations).replace(
                "    metadata:\n      annotations:",
                &format!("    metadata:\n{labels}      annotations:"),
            );
            assert!(lint(&text, CODE).is_empty(), "{text}");
        }
        let native = LintOptions {
            native_sidecars: Some(true),
            ..LintOptions::default()
        };
        assert!(lint_with(&deployment(INJECT), CODE, &native).is_empty());
        let text = deployment(&format!(
            "{INJECT}        sidecar.istio.io/nativeSidecar: \"false\"\n"
        ));
        assert_eq!(lint_with(&text, CODE, &native).len(), 1);
        // On the workload's own metadata the Vault injector never sees it either.
        let outer = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n  annotations:\n    vault.hashicorp.com/agent-inject: \"true\"\nspec:\n  template:\n    spec:\n      containers: []\n";
        assert!(lint(outer, CODE).is_empty());
    }

    /// An exclusion merged in by `<<` is read; no fix writes a local one over it (that would
    /// capture the merged ports again).
    #[test]
    fn a_merged_exclusion_is_read_and_not_hidden() {
        let text = deployment(&format!(
            "        <<: {{traffic.sidecar.istio.io/excludeOutboundPorts: \"443\"}}\n{INJECT}"
        ));
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1, "{text}");
        assert!(d[0].message.contains("\"443\""), "{}", d[0].message);
        assert!(d[0].fix.is_none());
        assert!(d[0].message.contains(crate::k8s::ANNOTATIONS_MERGE_NO_FIX));
        let text = deployment(&format!(
            "        <<: {{traffic.sidecar.istio.io/excludeOutboundPorts: \"443,8200\"}}\n{INJECT}"
        ));
        assert!(lint(&text, CODE).is_empty(), "{text}");
    }
}
