//! MESH308: a pod annotation value the sidecar injector validates and rejects, other than the
//! capture lists (MESH301–MESH307) and `proxy.istio.io/config` (MESH103).
//!
//! The validators are those of istio/istio `pkg/kube/inject/validate.go` `AnnotationValidation`
//! (rules/MESH308-annotation-value-invalid.md): the interception mode, the status port, the readiness probe
//! settings, `prometheus.istio.io/merge-metrics`, the proxy resource quantities and the
//! interface-name lists. The webhook runs them on the pod's own metadata before injecting and
//! denies the pod on any error, so only the pod metadata is read here (a workload's own
//! metadata is MESH201's, another kind's MESH206's). Every pod is checked, injected or not.
//! Values that are not strings are MESH501's; once quoted they are checked here.

use crate::diagnostic::{Diagnostic, Edit, Fix, FixAvailability, RuleMeta, Severity};
use crate::go::quantity::validate_resource_quantity;
use crate::go::strconv::{parse_bool, parse_uint, quote as go_quote};
use crate::istio::interfaces::check_interface_names;
use crate::k8s::{is_placeholder, scalar_string};
use crate::rules::ResourceCheck;
use crate::yaml::edit::{prefers_double, quote, rewrite_scalar};
use crate::yaml::resolve::{resolve, resolve_scalar, ScalarType};
use crate::yaml::{NodeRef, ScalarStyle};

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH308",
    name: "annotation-value-invalid",
    severity: Severity::Error,
    fix: FixAvailability::SometimesSafe,
    summary: "An Istio annotation value the injector validates is invalid, so the pod is denied",
    page: include_str!("../../../rules/MESH308-annotation-value-invalid.md"),
};

/// Which of the injector's validators an annotation goes through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Validator {
    /// `validateInterceptionMode`: `REDIRECT`, `TPROXY` or `NONE`, case-sensitive, untrimmed.
    InterceptionMode,
    /// `validateStatusPort` → `parsePort`: `ParseUint(TrimSpace(v), 10, 16)`.
    StatusPort,
    /// `validateUInt32`: `ParseUint(v, 10, 32)`, untrimmed.
    UInt32,
    /// `validateBool`: Go `strconv.ParseBool`, untrimmed.
    Bool,
    /// `validateResourceQuantity`: no control characters, then `resource.ParseQuantity`.
    Quantity,
    /// `ValidateExcludeInterfaces` → `netutil.ValidateInterfaceNames`.
    Interfaces,
}

/// The annotations of `AnnotationValidation` this rule checks.
const CHECKED: &[(&str, Validator)] = &[
    (
        "sidecar.istio.io/interceptionMode",
        Validator::InterceptionMode,
    ),
    ("status.sidecar.istio.io/port", Validator::StatusPort),
    (
        "readiness.status.sidecar.istio.io/initialDelaySeconds",
        Validator::UInt32,
    ),
    (
        "readiness.status.sidecar.istio.io/periodSeconds",
        Validator::UInt32,
    ),
    (
        "readiness.status.sidecar.istio.io/failureThreshold",
        Validator::UInt32,
    ),
    ("prometheus.istio.io/merge-metrics", Validator::Bool),
    ("sidecar.istio.io/proxyCPU", Validator::Quantity),
    ("sidecar.istio.io/proxyMemory", Validator::Quantity),
    ("sidecar.istio.io/proxyCPULimit", Validator::Quantity),
    ("sidecar.istio.io/proxyMemoryLimit", Validator::Quantity),
    (
        "traffic.sidecar.istio.io/excludeInterfaces",
        Validator::Interfaces,
    ),
    (
        "traffic.sidecar.istio.io/kubevirtInterfaces",
        Validator::Interfaces,
    ),
    ("istio.io/reroute-virtual-interfaces", Validator::Interfaces),
];

const MODES: [&str; 3] = ["REDIRECT", "TPROXY", "NONE"];

/// Why Istio rejects a value, and the value it was surely meant to be (the safe fix).
struct Problem {
    reason: String,
    meant: Option<String>,
}

/// Go's `strings.TrimSpace` (Unicode white space; Rust's `trim` uses the same property).
fn trim_space(v: &str) -> &str {
    v.trim()
}

/// The trimmed value, when trimming changes it and the trimmed value passes `ok`.
fn trimmed_if(v: &str, ok: impl Fn(&str) -> bool) -> Option<String> {
    let t = trim_space(v);
    (t != v && ok(t)).then(|| t.to_owned())
}

fn validate(validator: Validator, v: &str) -> Option<Problem> {
    match validator {
        Validator::InterceptionMode => {
            if MODES.contains(&v) {
                return None;
            }
            let upper = trim_space(v).to_ascii_uppercase();
            Some(Problem {
                reason: format!(
                    "the mode must be exactly REDIRECT, TPROXY or NONE, in capitals (interceptionMode invalid, use REDIRECT,TPROXY,NONE: {v})"
                ),
                meant: MODES.contains(&upper.as_str()).then_some(upper),
            })
        }
        Validator::StatusPort => {
            let e = parse_uint(trim_space(v), 10, 16).err()?;
            Some(Problem {
                reason: format!(
                    "the status port must be a number from 0 to 65535 (failed parsing port {}: {e})",
                    go_quote(v)
                ),
                meant: None,
            })
        }
        Validator::UInt32 => {
            let e = parse_uint(v, 10, 32).err()?;
            Some(Problem {
                reason: format!(
                    "it must be an unsigned 32-bit decimal integer, without spaces or sign ({e})"
                ),
                meant: trimmed_if(v, |t| parse_uint(t, 10, 32).is_ok()),
            })
        }
        Validator::Bool => {
            let e = parse_bool(v).err()?;
            Some(Problem {
                reason: format!(
                    "Go's ParseBool takes only 1, t, T, TRUE, true, True, 0, f, F, FALSE, false or False ({e})"
                ),
                meant: trimmed_if(v, |t| parse_bool(t).is_ok()),
            })
        }
        Validator::Quantity => {
            let e = validate_resource_quantity(v).err()?;
            let what = if v.is_empty() {
                "an empty value is not a Kubernetes quantity".to_owned()
            } else {
                "it must be a Kubernetes quantity such as 100m or 512Mi".to_owned()
            };
            Some(Problem {
                reason: format!("{what} ({e})"),
                meant: trimmed_if(v, |t| validate_resource_quantity(t).is_ok()),
            })
        }
        Validator::Interfaces => {
            let analysis = check_interface_names(v);
            let first = analysis.issues.first()?;
            let more = match analysis.issues.len() {
                1 => String::new(),
                2 => " (and 1 more bad element)".to_owned(),
                n => format!(" (and {} more bad elements)", n - 1),
            };
            Some(Problem {
                reason: format!("{}{more}", first.reason),
                meant: None,
            })
        }
    }
}

/// The edit writing `meant` in place of `value`, keeping the scalar's style where it can: a
/// plain scalar stays plain when the new text reads back as the same string, quoted stays
/// quoted, a block scalar (whose trailing newline is part of the value) becomes quoted, the
/// comment after its header kept.
fn rewrite(text: &str, value: NodeRef<'_, '_>, meant: &str, double: bool) -> Option<Edit> {
    if value.is_alias() || value.node().tag.is_some() {
        return None;
    }
    match value.style()? {
        ScalarStyle::Plain => {
            let plain_ok = !meant.is_empty()
                && meant.bytes().all(|b| b.is_ascii_alphanumeric())
                && resolve_scalar(meant, ScalarStyle::Plain, None) == ScalarType::Str;
            Some(Edit::replace(
                value.range(),
                if plain_ok {
                    meant.to_owned()
                } else {
                    quote(meant, double)
                },
            ))
        }
        ScalarStyle::Literal | ScalarStyle::Folded => {
            super::block_as_quoted(text, value, &quote(meant, double))
        }
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => rewrite_scalar(text, value, meant),
    }
}

pub fn check(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(pod) = &cx.res.pod else { return };
    let mut double = None;
    for &(name, validator) in CHECKED {
        let Some((_, value)) = pod.meta.annotation(name) else {
            continue;
        };
        // A number, boolean or collection is MESH501's (the API server rejects it first).
        if !matches!(resolve(value), ScalarType::Str | ScalarType::Null) {
            continue;
        }
        let Some(v) = scalar_string(value).filter(|v| !is_placeholder(v)) else {
            continue;
        };
        let Some(problem) = validate(validator, v) else {
            continue;
        };
        let message = format!(
            "`{name}` value {} is invalid: {}; the sidecar injector rejects it and denies the pod",
            go_quote(v),
            problem.reason
        );
        let fix = problem.meant.as_deref().and_then(|meant| {
            let double = *double.get_or_insert_with(|| prefers_double(cx.doc));
            let edit = rewrite(cx.text, value, meant, double)?;
            let what = if trim_space(v) == meant {
                format!("remove the surrounding white space: {}", go_quote(meant))
            } else {
                format!("write the mode exactly as {meant}")
            };
            Some(Fix::safe(what, [edit]))
        });
        let fix = super::keeping_comments(cx.doc, cx.text, fix);
        out.push(Diagnostic::new(&RULE, value.range(), message).with_optional_fix(fix));
    }
}

#[cfg(test)]
mod tests {
    use super::{validate, Validator};
    use crate::diagnostic::Applicability;
    use crate::rules::test_util::{at, deployment, fixed, lint, pos};

    const CODE: &str = "MESH308";

    fn after(text: &str, needle: &str) -> (u32, u32) {
        let (l, c) = at(text, needle, 1);
        (l, c + u32::try_from(needle.chars().count()).unwrap())
    }

    #[test]
    fn interception_mode_case_variants_are_fixed() {
        for (written, meant, out) in [
            ("tproxy", "TPROXY", "TPROXY"),
            ("Redirect", "REDIRECT", "REDIRECT"),
            ("'none'", "NONE", "'NONE'"),
            ("\"Tproxy\"", "TPROXY", "\"TPROXY\""),
            ("' REDIRECT'", "REDIRECT", "'REDIRECT'"),
        ] {
            let text = deployment(&format!(
                "        sidecar.istio.io/interceptionMode: {written}\n"
            ));
            let d = lint(&text, CODE);
            assert_eq!(d.len(), 1, "{written}: {d:?}");
            assert_eq!(d[0].code, CODE);
            assert_eq!(pos(&text, &d[0]), after(&text, "interceptionMode: "));
            assert_eq!(
                d[0].range.len() as usize,
                written.len(),
                "the value, quotes included"
            );
            assert!(d[0].message.contains("sidecar.istio.io/interceptionMode"));
            assert!(d[0].message.contains("REDIRECT, TPROXY or NONE"));
            assert!(d[0].message.contains("denies the pod"));
            let fix = d[0].fix.as_ref().expect("a fix");
            assert_eq!(fix.applicability, Applicability::Safe);
            assert!(fix.message.contains(meant) || fix.message.contains("white space"));
            assert_eq!(
                fixed(&text, &d[0]),
                text.replace(
                    &format!("interceptionMode: {written}"),
                    &format!("interceptionMode: {out}")
                )
            );
        }
    }

    #[test]
    fn block_scalar_rewrite_keeps_the_header_comment() {
        // Audit B1 (`r1b.yaml`).
        let text = deployment(
            "        sidecar.istio.io/interceptionMode: >-  # TPROXY keeps source IPs\n          tproxy\n",
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(
            fixed(&text, &d[0]),
            deployment(
                "        sidecar.istio.io/interceptionMode: \"TPROXY\"  # TPROXY keeps source IPs\n"
            )
        );
        let text = deployment(
            "        readiness.status.sidecar.istio.io/periodSeconds: |  # seconds\n          10\n",
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(
            fixed(&text, &d[0]),
            deployment(
                "        readiness.status.sidecar.istio.io/periodSeconds: \"10\"  # seconds\n"
            )
        );
    }

    #[test]
    fn unknown_modes_have_no_fix() {
        for written in ["REDIRECTS", "'redirect,tproxy'", "''", "", "~", "IPTABLES"] {
            let text = deployment(&format!(
                "        sidecar.istio.io/interceptionMode: {written}\n"
            ));
            let d = lint(&text, CODE);
            assert_eq!(d.len(), 1, "{written}");
            assert!(d[0].fix.is_none(), "{written}");
        }
    }

    #[test]
    fn accepted_values_are_quiet() {
        let text = deployment(concat!(
            "        sidecar.istio.io/interceptionMode: NONE\n",
            "        status.sidecar.istio.io/port: \" 15021 \"\n",
            "        readiness.status.sidecar.istio.io/initialDelaySeconds: \"0\"\n",
            "        readiness.status.sidecar.istio.io/periodSeconds: \"4294967295\"\n",
            "        readiness.status.sidecar.istio.io/failureThreshold: \"030\"\n",
            "        prometheus.istio.io/merge-metrics: \"T\"\n",
            "        sidecar.istio.io/proxyCPU: 100m\n",
            "        sidecar.istio.io/proxyMemory: 1Gi\n",
            "        sidecar.istio.io/proxyCPULimit: \"1.5\"\n",
            "        sidecar.istio.io/proxyMemoryLimit: 1e9\n",
            "        traffic.sidecar.istio.io/excludeInterfaces: \" eth1 , net1\"\n",
            "        traffic.sidecar.istio.io/kubevirtInterfaces: ''\n",
            "        istio.io/reroute-virtual-interfaces: net0ps2\n",
        ));
        assert!(lint(&text, CODE).is_empty(), "{:?}", lint(&text, CODE));
    }

    #[test]
    fn quantity_and_period() {
        let text = deployment(concat!(
            "        sidecar.istio.io/proxyMemoryLimit: \"1 Gi\"\n",
            "        readiness.status.sidecar.istio.io/periodSeconds: \"2.5\"\n",
        ));
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 2);
        assert_eq!(pos(&text, &d[0]), after(&text, "proxyMemoryLimit: "));
        assert!(d[0].message.contains("\"1 Gi\""));
        assert!(d[0].message.contains("quantity"));
        assert!(d[0].fix.is_none(), "no guess at an inner space");
        assert_eq!(pos(&text, &d[1]), after(&text, "periodSeconds: "));
        assert!(d[1]
            .message
            .contains("strconv.ParseUint: parsing \"2.5\": invalid syntax"));
        assert!(d[1].fix.is_none());
    }

    #[test]
    fn surrounding_spaces_are_trimmed_where_istio_does_not() {
        let text = deployment(concat!(
            "        readiness.status.sidecar.istio.io/periodSeconds: \" 30\"\n",
            "        prometheus.istio.io/merge-metrics: 'true '\n",
            "        sidecar.istio.io/proxyCPU: \"100m \"\n",
        ));
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 3, "{d:?}");
        assert_eq!(fixed(&text, &d[0]), text.replace("\" 30\"", "\"30\""));
        assert_eq!(fixed(&text, &d[1]), text.replace("'true '", "'true'"));
        assert_eq!(fixed(&text, &d[2]), text.replace("\"100m \"", "\"100m\""));
        assert!(d[0].fix.as_ref().unwrap().message.contains("white space"));
    }

    #[test]
    fn block_scalar_trailing_newline_becomes_a_quoted_value() {
        let text = deployment(
            "        sidecar.istio.io/proxyMemory: |\n          512Mi\n        sidecar.istio.io/interceptionMode: >-\n          tproxy\n",
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 2, "{d:?}");
        // The value range starts at the block indicator.
        assert_eq!(pos(&text, &d[0]), after(&text, "proxyMemory: "));
        assert!(d[0].message.contains("control characters"));
        let once = fixed(&text, &d[0]);
        assert!(
            once.contains("sidecar.istio.io/proxyMemory: \"512Mi\"\n        sidecar"),
            "{once}"
        );
        assert_eq!(pos(&text, &d[1]), after(&text, "interceptionMode: "));
        assert!(fixed(&text, &d[1]).contains("interceptionMode: \"TPROXY\"\n    spec:"));
    }

    #[test]
    fn status_port_and_probe_settings() {
        let text = deployment(concat!(
            "        status.sidecar.istio.io/port: \"65536\"\n",
            "        readiness.status.sidecar.istio.io/initialDelaySeconds: \"-1\"\n",
            "        readiness.status.sidecar.istio.io/failureThreshold: \"+3\"\n",
        ));
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 3);
        assert!(d[0].message.contains("0 to 65535"));
        assert!(d[0].message.contains("value out of range"));
        assert!(d.iter().all(|d| d.fix.is_none()));
    }

    #[test]
    fn merge_metrics_takes_go_booleans_only() {
        for (v, bad) in [
            ("\"yes\"", true),
            ("\"on\"", true),
            ("\"tRUE\"", true),
            ("\"1\"", false),
            ("\"False\"", false),
            ("\"f\"", false),
        ] {
            let text = deployment(&format!("        prometheus.istio.io/merge-metrics: {v}\n"));
            assert_eq!(lint(&text, CODE).len(), usize::from(bad), "{v}");
        }
        // A YAML boolean is MESH501's, not this rule's.
        let text = deployment("        prometheus.istio.io/merge-metrics: yes\n");
        assert!(lint(&text, CODE).is_empty());
    }

    #[test]
    fn interface_lists() {
        let text = deployment(
            "        traffic.sidecar.istio.io/excludeInterfaces: \"eth0,,0bad,averyveryverylongname\"\n",
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1, "one finding per annotation");
        assert_eq!(pos(&text, &d[0]), after(&text, "excludeInterfaces: "));
        assert!(d[0].message.contains("empty interface name"));
        assert!(d[0].message.contains("and 2 more bad elements"));
        assert!(d[0].fix.is_none());
    }

    #[test]
    fn empty_quantity_is_rejected() {
        let text = deployment("        sidecar.istio.io/proxyCPU: \"\"\n");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("empty value"));
        let null = deployment("        sidecar.istio.io/proxyCPU:\n");
        assert_eq!(lint(&null, CODE).len(), 1, "null is the empty string");
    }

    #[test]
    fn only_the_pod_metadata_is_read() {
        // The workload's own metadata (MESH201), a Namespace (MESH206): not checked here.
        let text = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: q\n  annotations:\n    sidecar.istio.io/interceptionMode: tproxy\nspec:\n  template:\n    spec:\n      containers: []\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: n\n  annotations:\n    sidecar.istio.io/proxyCPU: lots\n";
        assert!(lint(text, CODE).is_empty());
    }

    #[test]
    fn every_pod_is_checked_injected_or_not() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: kube-system\n  labels:\n    sidecar.istio.io/inject: \"false\"\n  annotations:\n    sidecar.istio.io/interceptionMode: tproxy\nspec:\n  hostNetwork: true\n  containers: []\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(text, &d[0]), after(text, "interceptionMode: "));
    }

    #[test]
    fn cronjob_list_crlf_and_json() {
        let cron = "apiVersion: v1\r\nkind: List\r\nitems:\r\n  - apiVersion: batch/v1\r\n    kind: CronJob\r\n    metadata:\r\n      name: c\r\n      annotations:\r\n        sidecar.istio.io/proxyCPU: nope\r\n    spec:\r\n      jobTemplate:\r\n        metadata:\r\n          annotations:\r\n            sidecar.istio.io/proxyCPU: nope\r\n        spec:\r\n          template:\r\n            metadata:\r\n              annotations:\r\n                sidecar.istio.io/interceptionMode: redirect\r\n            spec:\r\n              containers: []\r\n";
        let d = lint(cron, CODE);
        assert_eq!(d.len(), 1, "only the pod template: {d:?}");
        assert_eq!(pos(cron, &d[0]), after(cron, "interceptionMode: "));
        assert_eq!(
            fixed(cron, &d[0]),
            cron.replace(
                "interceptionMode: redirect\r\n",
                "interceptionMode: REDIRECT\r\n"
            )
        );
        let json = "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"p\", \"annotations\": {\"sidecar.istio.io/interceptionMode\": \"tproxy\"}}, \"spec\": {\"containers\": []}}\n";
        let d = lint(json, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(json, &d[0]), at(json, "\"tproxy\"", 1));
        assert_eq!(fixed(json, &d[0]), json.replace("\"tproxy\"", "\"TPROXY\""));
    }

    #[test]
    fn validators_match_go() {
        assert!(validate(Validator::StatusPort, "0").is_none());
        assert!(validate(Validator::StatusPort, "\t80\n").is_none());
        assert!(validate(Validator::StatusPort, "").is_some());
        assert!(validate(Validator::UInt32, "4294967296").is_some());
        assert!(validate(Validator::UInt32, "0x10").is_some());
        assert!(validate(Validator::UInt32, "1_0").is_some());
        assert!(validate(Validator::Bool, "").is_some());
        assert!(validate(Validator::Quantity, "1\t").is_some());
        assert!(validate(Validator::Quantity, "0").is_none());
        assert!(validate(Validator::Interfaces, "").is_none());
        assert!(validate(Validator::InterceptionMode, "REDIRECT").is_none());
        assert!(validate(Validator::InterceptionMode, "redirect")
            .unwrap()
            .meant
            .is_some());
    }
}
