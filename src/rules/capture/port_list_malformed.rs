//! MESH306: a port list that fails Istio's grammar, or an `IstioOperator` port
//! value that is not a string at all.
//!
//! Severity follows who refuses the value ([`Stage`]): the webhook or istioctl before anything
//! runs (error), or istio-init/istio-cni when the pod starts because nothing checked the list
//! before (warning). A YAML number or list in an `IstioOperator` is always an error: istioctl
//! cannot decode it.

use super::{operator_proxy, port_sites};
use crate::diagnostic::{Diagnostic, Edit, Fix, FixAvailability, RuleMeta, Severity};
use crate::istio::lists::{check_port_list, IssueCause, Stage};
use crate::k8s::is_placeholder_element;
use crate::rules::ResourceCheck;
use crate::yaml::edit::quote;
use crate::yaml::edit::{prefers_double, value_replace_range};
use crate::yaml::resolve::{resolve, ScalarType};
use crate::yaml::{NodeRef, ScalarStyle};

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH306",
    name: "port-list-malformed",
    severity: Severity::Error,
    fix: FixAvailability::SometimesSafe,
    summary: "A port list has an element Istio rejects",
    page: include_str!("../../../rules/MESH306-port-list-malformed.md"),
};

/// The `IstioOperator` port values under `spec.values.global.proxy`.
const OPERATOR_PORT_KEYS: [&str; 4] = [
    "includeInboundPorts",
    "excludeInboundPorts",
    "includeOutboundPorts",
    "excludeOutboundPorts",
];

fn consequence(operator: bool, stage: Stage) -> &'static str {
    match (operator, stage) {
        (false, Stage::Admission) => "the sidecar injector rejects it and denies the pod",
        (true, Stage::Admission) => "istioctl install rejects the IstioOperator",
        (false, Stage::PodStart) => {
            "no admission check reads this list, so the pod is created and then cannot start (istio-init or istio-cni rejects it)"
        }
        (true, Stage::PodStart) => {
            "istioctl does not check this list's content, so it installs and then injected pods that take this mesh-wide value cannot start"
        }
    }
}

fn fix_words(cause: IssueCause) -> &'static str {
    match cause {
        IssueCause::Whitespace => "remove the spaces",
        IssueCause::EmptyElement | IssueCause::BlankElement => "remove the empty element",
        IssueCause::TrailingNewline => "remove the trailing newline",
        IssueCause::Separator => "separate the ports with commas",
        _ => "repair the element",
    }
}

/// The safe "quote a number" fix: only for a plain decimal number written as itself (no alias,
/// no anchor), so the quoted text is the port list that was meant.
fn quote_number(
    cx: &ResourceCheck<'_, '_, '_>,
    key: NodeRef<'_, '_>,
    value: NodeRef<'_, '_>,
) -> Option<Fix> {
    if value.is_alias() || value.node().anchored || value.style() != Some(ScalarStyle::Plain) {
        return None;
    }
    let text = value.as_str()?;
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (range, multiline) = value_replace_range(cx.text, key, value);
    let quoted = quote(text, prefers_double(cx.doc));
    let content = if multiline {
        format!(" {quoted}")
    } else {
        quoted
    };
    Some(Fix::safe(
        format!("quote the number: \"{text}\""),
        [Edit::replace(range, content)],
    ))
}

fn check_types(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(proxy) = operator_proxy(cx) else {
        return;
    };
    for name in OPERATOR_PORT_KEYS {
        let Some((key, value)) = proxy.entry(name) else {
            continue;
        };
        let ty = resolve(value);
        let go = match ty {
            ScalarType::Str | ScalarType::Null => continue,
            ScalarType::Bool => "bool",
            ScalarType::Int | ScalarType::Float => "number",
            ScalarType::Mapping => "object",
            ScalarType::Sequence => "array",
        };
        let shown = value.range().slice(cx.text);
        let shown = if shown.contains('\n') || shown.chars().count() > 40 {
            String::new()
        } else {
            format!(" (`{shown}`)")
        };
        let helm = if name.ends_with("OutboundPorts") {
            "; installed with Helm instead, it makes injection fail for every pod without the matching annotation (error calling ne: incompatible types for comparison)"
        } else {
            ""
        };
        let message = format!(
            "`spec.values.global.proxy.{name}` is {}{shown}, not a comma-separated string: istioctl install rejects the IstioOperator (cannot unmarshal {go} into Go value of type string){helm}",
            ty.describe()
        );
        let fix = if matches!(ty, ScalarType::Int | ScalarType::Float) {
            super::keeping_comments(cx.doc, cx.text, quote_number(cx, key, value))
        } else {
            None
        };
        out.push(Diagnostic::new(&RULE, value.range(), message).with_optional_fix(fix));
    }
}

pub fn check(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    for (site, kind) in port_sites(cx) {
        let analysis = check_port_list(site.text, kind);
        for issue in &analysis.issues {
            if issue.cause == IssueCause::Invalid
                && is_placeholder_element(&site.text[issue.range.clone()])
            {
                continue;
            }
            let severity = match issue.stage {
                Stage::Admission => Severity::Error,
                Stage::PodStart => Severity::Warning,
            };
            let written = site.text[issue.range.clone()].trim();
            let subject = if written.is_empty() || written.chars().count() > 60 {
                format!("`{}` is invalid", site.name)
            } else {
                format!("`{written}` in `{}` is invalid", site.name)
            };
            let message = format!(
                "{subject}: {}; {}",
                issue.reason,
                consequence(site.operator, issue.stage)
            );
            let fix = issue.fix.as_ref().and_then(|f| {
                site.edits(cx.text, &[f])
                    .map(|edits| Fix::safe(fix_words(issue.cause), edits))
            });
            out.push(
                Diagnostic::new(&RULE, site.range_of(cx.text, &issue.range), message)
                    .with_severity(severity)
                    .with_optional_fix(fix),
            );
        }
    }
    check_types(cx, out);
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::{Applicability, Severity};
    use crate::rules::test_util::{at, deployment, fixed, lint, pos};

    const CODE: &str = "MESH306";
    const EOP: &str = "traffic.sidecar.istio.io/excludeOutboundPorts";

    fn annotation(name: &str, v: &str) -> String {
        deployment(&format!("        {name}: \"{v}\"\n"))
    }

    fn iop(proxy: &str) -> String {
        format!("apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  name: mesh\nspec:\n  values:\n    global:\n      proxy:\n{proxy}")
    }

    #[test]
    fn semicolon_separator() {
        let text = annotation(EOP, "5432;6379");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, CODE);
        assert_eq!(d[0].severity, Severity::Error);
        assert_eq!(pos(&text, &d[0]), at(&text, "5432;6379", 1));
        assert_eq!(d[0].range.len(), 9);
        assert!(d[0].message.contains("`5432;6379`"));
        assert!(d[0].message.contains("denies the pod"));
        let fix = d[0].fix.as_ref().unwrap();
        assert_eq!(fix.applicability, Applicability::Safe);
        assert_eq!(fixed(&text, &d[0]), annotation(EOP, "5432,6379"));
    }

    #[test]
    fn whitespace_separator_and_spaces_included_in_the_range() {
        let text = annotation(EOP, "443, 8200 8201 ");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        // The element with its surrounding spaces.
        assert_eq!(pos(&text, &d[0]), at(&text, " 8200 8201 ", 1));
        assert_eq!(d[0].range.len(), " 8200 8201 ".len() as u32);
        assert_eq!(fixed(&text, &d[0]), annotation(EOP, "443,8200,8201"));
    }

    #[test]
    fn empty_and_blank_elements() {
        let text = annotation(EOP, "8200,");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        // Zero-width, right after the comma.
        let (line, column) = at(&text, "8200,", 1);
        assert_eq!(pos(&text, &d[0]), (line, column + 5));
        assert_eq!(d[0].range.len(), 0);
        assert!(d[0].message.contains("empty element"));
        assert_eq!(fixed(&text, &d[0]), annotation(EOP, "8200"));

        let text = annotation(EOP, "80, ,443");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(fixed(&text, &d[0]), annotation(EOP, "80,443"));
    }

    #[test]
    fn no_fix_for_ranges_out_of_range_and_garbage() {
        for v in ["8200-8300", "65536", "-1", "+80", "http", "*"] {
            let text = annotation(EOP, v);
            let d = lint(&text, CODE);
            assert_eq!(d.len(), 1, "{v}");
            assert_eq!(d[0].severity, Severity::Error, "{v}");
            assert!(d[0].fix.is_none(), "{v}");
            assert_eq!(pos(&text, &d[0]), at(&text, v, 1), "{v}");
        }
        let text = annotation(EOP, "8200-8300");
        assert!(lint(&text, CODE)[0]
            .message
            .contains("port ranges are not supported"));
    }

    #[test]
    fn wildcard_only_as_the_whole_include_value() {
        let ii = "traffic.sidecar.istio.io/includeInboundPorts";
        assert!(lint(&annotation(ii, "*"), CODE).is_empty());
        let text = annotation(ii, "8080,*");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Error);
        assert_eq!(pos(&text, &d[0]), at(&text, "*", 1));
        assert!(d[0].fix.is_none());
        let ei = "traffic.sidecar.istio.io/excludeInboundPorts";
        let d = lint(&annotation(ei, "*"), CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Error);
    }

    #[test]
    fn include_outbound_is_a_warning() {
        let io = "traffic.sidecar.istio.io/includeOutboundPorts";
        let text = annotation(io, "443;8443");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Warning);
        assert_eq!(pos(&text, &d[0]), at(&text, "443;8443", 1));
        assert!(d[0].message.contains("no admission check"));
        assert_eq!(fixed(&text, &d[0]), annotation(io, "443,8443"));
        // `*` is accepted as the whole value of includeOutboundPorts.
        assert!(lint(&annotation(io, "*"), CODE).is_empty());
        assert_eq!(lint(&annotation(io, "*,80"), CODE).len(), 1);
    }

    #[test]
    fn valid_forms() {
        let text = deployment(
            "        traffic.sidecar.istio.io/excludeOutboundPorts: \" 5432 , 6379 \"\n        traffic.sidecar.istio.io/includeInboundPorts: \"*\"\n        traffic.sidecar.istio.io/excludeInboundPorts: \"0080,15020\"\n        traffic.sidecar.istio.io/includeOutboundPorts: \"*\"\n",
        );
        assert!(lint(&text, CODE).is_empty());
        for v in ["", " ", "0", "65535", "80,443"] {
            assert!(lint(&annotation(EOP, v), CODE).is_empty(), "{v:?}");
        }
        // A `|` block keeps a trailing newline, which the annotation rule trims.
        let text = deployment(&format!("        {EOP}: |\n          8200,8201\n"));
        assert!(lint(&text, CODE).is_empty());
        // A number as a port annotation is MESH501's, not this rule's.
        let text = deployment(&format!("        {EOP}: 8200\n"));
        assert!(lint(&text, CODE).is_empty());
        // Not a pod's annotations: the Deployment's own metadata is MESH201's business.
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\n  annotations:\n    traffic.sidecar.istio.io/excludeOutboundPorts: \"80;443\"\nspec:\n  template:\n    spec:\n      containers: []\n";
        assert!(lint(text, CODE).is_empty());
    }

    #[test]
    fn operator_number_is_quoted() {
        let text = iop("        excludeInboundPorts: 15090\n");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].severity, Severity::Error);
        assert_eq!(pos(&text, &d[0]), at(&text, "15090", 1));
        assert!(d[0].message.contains("istioctl install rejects"));
        assert!(d[0].message.contains("cannot unmarshal number"));
        let fix = d[0].fix.as_ref().unwrap();
        assert_eq!(fix.applicability, Applicability::Safe);
        assert_eq!(
            fixed(&text, &d[0]),
            iop("        excludeInboundPorts: \"15090\"\n")
        );
        // Outbound: the Helm consequence too; an explicit tag is replaced with the quotes.
        let text = iop("        excludeOutboundPorts: !!int 8200 # vault\n");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("error calling ne"));
        assert_eq!(
            fixed(&text, &d[0]),
            iop("        excludeOutboundPorts: \"8200\" # vault\n")
        );
    }

    #[test]
    fn operator_list_or_odd_number_has_no_fix() {
        let text = iop("        excludeOutboundPorts: [8200, 8201]\n");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Error);
        assert_eq!(pos(&text, &d[0]), at(&text, "[8200", 1));
        assert!(d[0].message.contains("a sequence"));
        assert!(d[0].fix.is_none());
        let text = iop("        includeInboundPorts:\n          - 80\n          - 443\n");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(&text, &d[0]), at(&text, "- 80", 1));
        for v in ["0x1F", "1e3", "true"] {
            let text = iop(&format!("        excludeOutboundPorts: {v}\n"));
            let d = lint(&text, CODE);
            assert_eq!(d.len(), 1, "{v}");
            assert!(d[0].fix.is_none(), "{v}");
        }
        // Strings and null are fine.
        let text = iop("        excludeOutboundPorts: \"8200\"\n        includeInboundPorts: '*'\n        excludeInboundPorts:\n");
        assert!(lint(&text, CODE).is_empty());
    }

    #[test]
    fn operator_string_content() {
        // Inbound lists: istioctl does not trim (error, fixable).
        let text = iop("        includeInboundPorts: \"80, 443\"\n");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Error);
        assert_eq!(pos(&text, &d[0]), at(&text, " 443", 1));
        assert!(d[0].message.contains("istioctl install rejects"));
        assert_eq!(
            fixed(&text, &d[0]),
            iop("        includeInboundPorts: \"80,443\"\n")
        );
        // The documented grammar: inbound lists allow empty and `*` elements and a sign (istioctl's
        // ParseInt); `*` is allowed as the whole of an outbound value (audit B5).
        let text = iop(concat!(
            "        excludeOutboundPorts: \"*\"\n",
            "        excludeInboundPorts: \"80,,443\"\n",
            "        includeInboundPorts: \"*,8080,+8443\"\n",
        ));
        assert!(lint(&text, CODE).is_empty(), "{:?}", lint(&text, CODE));
        assert!(lint(&iop("        excludeInboundPorts: \"*\"\n"), CODE).is_empty());
        // Spaces around a whole-value `*`: a warning that does not refuse `*`, with the fix.
        let text = iop("        includeOutboundPorts: \" * \"\n");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Warning);
        assert_eq!(pos(&text, &d[0]), at(&text, " * ", 1));
        assert_eq!(
            d[0].message,
            "`*` in `spec.values.global.proxy.includeOutboundPorts` is invalid: leading space and \
             trailing space around `*` (the wildcard must be exactly `*`): failed parsing port ' * ': \
             strconv.ParseUint: parsing \"*\": invalid syntax; istioctl does not check this list's \
             content, so it installs and then injected pods that take this mesh-wide value cannot start"
        );
        assert_eq!(
            fixed(&text, &d[0]),
            iop("        includeOutboundPorts: \"*\"\n")
        );
        // Inbound: no trimming, so ` *` is an error, and the fix drops the space.
        let text = iop("        includeInboundPorts: \"80, *\"\n");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Error);
        assert_eq!(
            fixed(&text, &d[0]),
            iop("        includeInboundPorts: \"80,*\"\n")
        );
        // Outbound content is not checked by istioctl: warning.
        let text = iop("        excludeOutboundPorts: \"8200;8201\"\n");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Warning);
        assert!(d[0].message.contains("istioctl does not check"));
        assert_eq!(
            fixed(&text, &d[0]),
            iop("        excludeOutboundPorts: \"8200,8201\"\n")
        );
        // A `|` block's trailing newline is not trimmed by istioctl's inbound rule.
        let text = iop("        excludeInboundPorts: |\n          8080\n");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Error);
        assert_eq!(
            fixed(&text, &d[0]),
            iop("        excludeInboundPorts: \"8080\"\n")
        );
        assert!(lint(&iop("        includeOutboundPorts: \"*\"\n"), CODE).is_empty());
        assert!(lint(&iop("        includeInboundPorts: \"*\"\n"), CODE).is_empty());
    }

    #[test]
    fn json_statefulset_crlf_and_cronjob() {
        let json = "{\"apiVersion\": \"apps/v1\", \"kind\": \"StatefulSet\", \"metadata\": {\"name\": \"c\"},\n \"spec\": {\"template\": {\"metadata\": {\"annotations\": {\n  \"traffic.sidecar.istio.io/excludeInboundPorts\": \"9042;9160\"}}, \"spec\": {\"containers\": []}}}}\n";
        let d = lint(json, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(json, &d[0]), at(json, "9042;9160", 1));
        assert_eq!(fixed(json, &d[0]), json.replace("9042;9160", "9042,9160"));

        let crlf = "apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  annotations:\r\n    traffic.sidecar.istio.io/excludeOutboundPorts: '8200,'\r\nspec:\r\n  containers: []\r\n";
        let d = lint(crlf, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(fixed(crlf, &d[0]), crlf.replace("'8200,'", "'8200'"));

        let cron = "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: c\nspec:\n  jobTemplate:\n    spec:\n      template:\n        metadata:\n          annotations:\n            traffic.sidecar.istio.io/excludeOutboundPorts: 80;443\n        spec:\n          containers: []\n";
        let d = lint(cron, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(cron, &d[0]), at(cron, "80;443", 1));
        assert_eq!(fixed(cron, &d[0]), cron.replace("80;443", "80,443"));
    }

    #[test]
    fn non_injected_pods_are_checked_too() {
        // A latent defect: a namespace label change turns it into a denied pod.
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  namespace: kube-system\n  labels:\n    sidecar.istio.io/inject: \"false\"\n  annotations:\n    traffic.sidecar.istio.io/excludeInboundPorts: \"80;443\"\nspec:\n  hostNetwork: true\n  containers: []\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Error);
    }

    #[test]
    fn substitution_placeholders_are_not_ports() {
        // kubeflow/manifests: Kustomize `replacements` fill this in from a ConfigMap.
        for v in [
            "MYSQL_PORT_PLACEHOLDER",
            "${VAULT_PORT}",
            "$(VAULT_PORT)",
            "$VAULT_PORT",
            "443, ${EXTRA_PORT}",
        ] {
            assert!(lint(&annotation(EOP, v), CODE).is_empty(), "{v}");
        }
        for v in ["VAULT", "vault_port", "${}", "$1", "PORT-1"] {
            assert_eq!(lint(&annotation(EOP, v), CODE).len(), 1, "{v}");
        }
    }

    #[test]
    fn an_alias_is_checked_and_reported_at_the_alias_without_a_fix() {
        // Audit B3 (`r3.yaml`).
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    ports: &ports \"80;443\"\n  annotations:\n    traffic.sidecar.istio.io/excludeInboundPorts: *ports\nspec:\n  containers: []\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(pos(text, &d[0]), at(text, "*ports", 1));
        assert_eq!(d[0].range.len(), 6);
        assert!(d[0].message.contains("`80;443`"));
        assert!(d[0].fix.is_none());
    }

    #[test]
    fn elements_in_folded_blocks_and_header_comments() {
        // Audit B4: `>-` with `81,,82` points right after the first comma; B1: the fix keeps
        // the comment after the header.
        let text = deployment(&format!("        {EOP}: >-  # db\n          81,,82\n"));
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1, "{d:?}");
        let (line, column) = at(&text, "81,,82", 1);
        assert_eq!(pos(&text, &d[0]), (line, column + 3));
        assert_eq!(d[0].range.len(), 0);
        assert_eq!(
            fixed(&text, &d[0]),
            deployment(&format!("        {EOP}: \"81,82\"  # db\n"))
        );
        // `|-4` (content indented four past the key).
        let text = deployment(&format!("        {EOP}: |-4\n            81;82\n"));
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(pos(&text, &d[0]), at(&text, "81;82", 1));
        assert_eq!(d[0].range.len(), 5);
    }

    #[test]
    fn quote_fix_is_dropped_when_it_would_lose_a_comment() {
        // The number sits on the next line after a tag, with a comment between them.
        let text = iop("        excludeOutboundPorts: !!int # vault\n          8200\n");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert!(d[0].fix.is_none(), "{:?}", d[0].fix);
    }

    #[test]
    fn one_finding_per_bad_element() {
        let text = annotation(EOP, "80;443,,8200-8300");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 3);
        assert_eq!(pos(&text, &d[0]), at(&text, "80;443", 1));
        assert_eq!(pos(&text, &d[2]), at(&text, "8200-8300", 1));
    }
}
