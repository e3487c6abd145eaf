//! Values that are one whole placeholder of a templating or deployment tool: filled in before
//! anything (the API server, the injector) reads them, so there is nothing to judge yet.

/// Whether `value`, trimmed, is exactly one placeholder: `{{ x }}` (Go, Jinja, Argo), `${X}`
/// (envsubst, OpenShift `Template` parameters, `${{X}}` for their non-string ones, FreeMarker), `$(X)` (Kubernetes variable
/// expansion, kustomize vars), `%X%` (Windows-style tokens) or `<%= x %>` (ERB). A value with
/// text around the placeholder (`10.0.0.0/8,${MORE}`) is not: its written part can be judged.
pub fn is_placeholder(value: &str) -> bool {
    let v = value.trim();
    // The opening, the closing, and what the inside may not hold (a second closing would make
    // two placeholders with text between them).
    let one = |open: &str, close: &str| {
        v.len() >= open.len() + close.len() && v.starts_with(open) && v.ends_with(close) && {
            let inside = &v[open.len()..v.len() - close.len()];
            !inside.trim().is_empty() && !inside.contains(close)
        }
    };
    one("{{", "}}")
        || one("${{", "}}")
        || one("${", "}")
        || one("$(", ")")
        || one("<%", "%>")
        || one("%", "%")
            && v[1..v.len() - 1]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// Whether one element of a list value (a port or CIDR of a comma-separated list) is a
/// placeholder: a whole one ([`is_placeholder`]), a bare `$VAULT_PORT` (envsubst, Flux, shell),
/// or an upper-case name with an underscore such as `MYSQL_PORT_PLACEHOLDER` (Kustomize
/// `replacements`, `sed`).
pub fn is_placeholder_element(element: &str) -> bool {
    let t = element.trim();
    if is_placeholder(t) {
        return true;
    }
    if let Some(name) = t.strip_prefix('$') {
        return name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    }
    t.contains('_')
        && t.bytes().next().is_some_and(|b| b.is_ascii_uppercase())
        && t.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::is_placeholder;
    use crate::rules::test_util::lint;

    #[test]
    fn whole_placeholders_of_each_tool() {
        for v in [
            "{{ tg_sidecar }}",
            "{{.Values.inject}}",
            " {{ x }} ",
            "${INJECT}",
            "${{REPLICAS}}",
            "$(SIDECAR_INJECT)",
            "%INJECT%",
            "%octopus.var%",
            "<%= @inject %>",
            "<% inject %>",
        ] {
            assert!(is_placeholder(v), "{v}");
        }
    }

    #[test]
    fn values_with_written_parts_are_not_placeholders() {
        for v in [
            "",
            "true",
            "{{}}",
            "${}",
            "%%",
            "50%",
            "%a b%",
            "{{ a }}-{{ b }}",
            "10.0.0.0/8,${MORE}",
            "${A}${B}",
            "$(A) $(B)",
            "{ \"holdApplicationUntilProxyStarts\": true }",
            "<%= a %>,<%= b %>",
        ] {
            assert!(!is_placeholder(v), "{v}");
        }
    }

    /// Each value rule, on a value it reports, then on a placeholder in the same place.
    #[test]
    fn the_value_rules_skip_whole_placeholders() {
        let pod = |annotations: &str| {
            format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n{annotations}spec:\n  containers: []\n")
        };
        let hold = "    proxy.istio.io/config: '{ \"holdApplicationUntilProxyStarts\": true }'\n";
        let cases = [
            (
                "MESH504",
                format!("{hold}    sidecar.istio.io/inject: \"yes\"\n"),
                "\"yes\"",
                "\"{{ tg_sidecar }}\"",
            ),
            (
                "MESH302",
                format!("{hold}    traffic.sidecar.istio.io/excludeOutboundIPRanges: \"10.0.0\"\n"),
                "\"10.0.0\"",
                "\"${EXCLUDE_CIDRS}\"",
            ),
            (
                "MESH306",
                format!("{hold}    traffic.sidecar.istio.io/excludeInboundPorts: \"80-\"\n"),
                "\"80-\"",
                "$(EXCLUDED_PORTS)",
            ),
            (
                "MESH308",
                format!("{hold}    sidecar.istio.io/interceptionMode: \"tproxy\"\n"),
                "\"tproxy\"",
                "\"<%= @mode %>\"",
            ),
            (
                "MESH103",
                "    proxy.istio.io/config: '{ \"concurrency\": \"two\" }'\n".to_owned(),
                "'{ \"concurrency\": \"two\" }'",
                "\"%PROXY_CONFIG%\"",
            ),
        ];
        for (code, annotations, bad, placeholder) in cases {
            let text = pod(&annotations);
            assert_eq!(lint(&text, code).len(), 1, "{code}: {text}");
            let text = text.replace(bad, placeholder);
            assert!(lint(&text, code).is_empty(), "{code}: {text}");
        }
        // A placeholder proxy config may set the hold, and a placeholder inject value may keep
        // the pod out of the mesh: nothing is missing yet.
        let text = pod("    proxy.istio.io/config: \"${PROXY_CONFIG}\"\n");
        assert!(lint(&text, "MESH101").is_empty());
        let text = pod("    sidecar.istio.io/inject: \"{{ tg_sidecar }}\"\n");
        assert!(lint(&text, "MESH101").is_empty());
        assert_eq!(
            lint(&text.replace("{{ tg_sidecar }}", "true"), "MESH101").len(),
            1
        );
    }
}
