//! Interface-name lists: `traffic.sidecar.istio.io/excludeInterfaces`,
//! `traffic.sidecar.istio.io/kubevirtInterfaces` and `istio.io/reroute-virtual-interfaces`,
//! checked as istio/istio `pkg/util/net/ip.go` `ValidateInterfaceNames` checks them (called
//! from `pkg/kube/inject/validate.go` by the webhook and from istio-cni): `""` is valid;
//! otherwise split on `,`, each element trimmed (Go `strings.TrimSpace`), non-empty, at most
//! 15 bytes, and matching `^[a-zA-Z][a-zA-Z0-9_.\-]*$`. Go stops at the first bad element;
//! here every bad element gets its own issue, with ranges as in [`super::lists`]. Istio trims
//! the elements, so spaces are fine and no fix is offered.

use std::ops::Range;

use super::lists::{split_elements, ElementIssue, IssueCause, Stage};
use crate::go::strconv::quote;

/// The result of [`check_interface_names`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InterfaceAnalysis {
    /// Every element's range (split on `,`, nothing trimmed); empty for `""`.
    pub elements: Vec<Range<usize>>,
    /// The valid names, trimmed, with the range of the trimmed name.
    pub names: Vec<(Range<usize>, String)>,
    pub issues: Vec<ElementIssue>,
}

/// Go's `interfaceNameRegex`, `^[a-zA-Z][a-zA-Z0-9_.\-]*$`.
fn matches_name_regex(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// Checks an interface-name list as `netutil.ValidateInterfaceNames` does.
pub fn check_interface_names(value: &str) -> InterfaceAnalysis {
    let mut a = InterfaceAnalysis::default();
    if value.is_empty() {
        return a;
    }
    a.elements = split_elements(value);
    for range in &a.elements {
        let text = &value[range.clone()];
        let name = text.trim();
        let (cause, reason) = if name.is_empty() {
            let what = if text.is_empty() {
                "empty element"
            } else {
                "blank element"
            };
            (
                if text.is_empty() {
                    IssueCause::EmptyElement
                } else {
                    IssueCause::BlankElement
                },
                format!("{what}: empty interface name"),
            )
        } else if name.len() > 15 {
            (
                IssueCause::TooLong,
                format!(
                    "Linux interface names have at most 15 characters: interface name {} too long (max 15 chars)",
                    quote(name)
                ),
            )
        } else if !matches_name_regex(name) {
            (
                IssueCause::Invalid,
                format!(
                    "an interface name starts with a letter and has only letters, digits, '_', '.' \
                     and '-': interface name {} contains invalid characters",
                    quote(name)
                ),
            )
        } else {
            let start = range.start + (text.len() - text.trim_start().len());
            a.names.push((start..start + name.len(), name.to_owned()));
            continue;
        };
        a.issues.push(ElementIssue {
            range: range.clone(),
            reason,
            cause,
            stage: Stage::Admission,
            fix: None,
        });
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_lists() {
        for v in [
            "",
            "eth0",
            "eth0,eth1",
            " eth0 , net1 ",
            "veth-a.b_c",
            "a",
            "abcdefghijklmno",
            "eth0\n",
        ] {
            let a = check_interface_names(v);
            assert!(a.issues.is_empty(), "{v:?}: {:?}", a.issues);
        }
        let a = check_interface_names(" eth0 , net1");
        assert_eq!(
            a.names,
            vec![(1..5, "eth0".to_owned()), (8..12, "net1".to_owned())]
        );
    }

    #[test]
    fn invalid_lists() {
        let a = check_interface_names("eth0,,eth1");
        assert_eq!(a.issues.len(), 1);
        assert_eq!(a.issues[0].range, 5..5);
        assert_eq!(a.issues[0].cause, IssueCause::EmptyElement);
        assert!(a.issues[0].reason.ends_with("empty interface name"));
        assert_eq!(a.issues[0].fix, None);

        let a = check_interface_names(" ");
        assert_eq!(a.issues[0].cause, IssueCause::BlankElement);

        let a = check_interface_names("eth0,abcdefghijklmnop");
        assert_eq!(a.issues[0].range, 5..21);
        assert!(a.issues[0]
            .reason
            .ends_with("interface name \"abcdefghijklmnop\" too long (max 15 chars)"));

        for bad in ["0eth", "_eth", "eth0!", "eth 0", "eth/0", "éth0", "-eth"] {
            let a = check_interface_names(bad);
            assert_eq!(a.issues.len(), 1, "{bad}");
            assert_eq!(a.issues[0].cause, IssueCause::Invalid, "{bad}");
        }
        let a = check_interface_names("eth0!");
        assert!(a.issues[0]
            .reason
            .ends_with("interface name \"eth0!\" contains invalid characters"));
        // Length is counted in bytes, before the character check, as Go does.
        let a = check_interface_names("ééééééééé");
        assert_eq!(a.issues[0].cause, IssueCause::TooLong);
        // Every bad element is reported.
        assert_eq!(check_interface_names("1a,,b!,ok").issues.len(), 3);
    }
}
