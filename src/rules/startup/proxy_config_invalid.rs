//! MESH103: a `proxy.istio.io/config` value the injector cannot read, so it denies the pod.

use super::pod_proxy_config;
use crate::diagnostic::{Diagnostic, Fix, FixAvailability, RuleMeta, Severity};
use crate::istio::schema_check::Issue;
use crate::rules::ResourceCheck;
use crate::yaml::edit::rewrite_scalar;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH103",
    name: "proxy-config-invalid",
    severity: Severity::Error,
    fix: FixAvailability::SometimesSafe,
    summary: "proxy.istio.io/config does not parse or has a field of the wrong type, so the pod is denied",
    page: include_str!("../../../rules/MESH103-proxy-config-invalid.md"),
};

pub fn check(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(pod) = &cx.res.pod else { return };
    let Some((_, value, text, pc)) = pod_proxy_config(pod) else {
        return;
    };
    let Some(reason) = &pc.invalid else { return };
    // Quoted "true"/"false" for bool fields is fixable: unquote inside the value.
    let mut inner_edits: Vec<(std::ops::Range<usize>, &str)> = Vec::new();
    let mut all_fixable = true;
    for issue in &pc.issues {
        match issue {
            Issue::WrongType {
                value_range,
                meant_bool: Some(b),
                ..
            } => {
                inner_edits.push((value_range.as_range(), if *b { "true" } else { "false" }));
            }
            Issue::WrongType { .. } => all_fixable = false,
            Issue::UnknownKey { .. } => {}
        }
    }
    let fix = (all_fixable && !inner_edits.is_empty())
        .then(|| {
            let mut new = text.to_owned();
            inner_edits.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
            for (r, s) in &inner_edits {
                new.replace_range(r.clone(), s);
            }
            rewrite_scalar(cx.text, value, &new)
        })
        .flatten()
        .map(|e| Fix::safe("write the boolean unquoted", [e]));
    let message = format!(
        "`proxy.istio.io/config` is invalid: {reason}; the sidecar injector rejects it and denies the pod (failed to convert to apply proxy config)"
    );
    out.push(Diagnostic::new(&RULE, value.range(), message).with_optional_fix(fix));
}

#[cfg(test)]
mod tests {
    use crate::rules::test_util::lint;

    /// Audit A5: Istio reads the first document of the value (go-yaml v2 `Unmarshal`), so a
    /// second one is ignored, not an error; the first document's hold counts.
    #[test]
    fn a_second_document_is_ignored_as_istio_does() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    proxy.istio.io/config: |\n      holdApplicationUntilProxyStarts: true\n      ---\n      concurrency: 2\nspec:\n  containers: []\n";
        assert!(lint(text, "MESH103").is_empty());
        assert!(lint(text, "MESH101").is_empty());
        // An invalid first document is still reported, a broken second one is not.
        let bad = text.replace("Starts: true", "Starts: \"true\"");
        assert_eq!(lint(&bad, "MESH103").len(), 1);
        let broken = text.replace("concurrency: 2", "{ concurrency");
        assert!(lint(&broken, "MESH103").is_empty());
    }
}
