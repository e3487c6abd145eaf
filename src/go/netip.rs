//! Go `net/netip` address and prefix parsing, reimplemented byte for byte: [`parse_addr`]
//! is `netip.ParseAddr` and [`parse_prefix`] is `netip.ParsePrefix`, accepting exactly what
//! they accept and failing with exactly their messages. Matches golang/go
//! `src/net/netip/netip.go` at d7a0c45 (current: leading zeros and signs in a prefix length are
//! rejected, at most 4 hex digits an IPv6 group), which is what Istio's webhook, istioctl,
//! istio-init and istio-cni run (`pkg/kube/inject/validate.go` `validateCIDRList` and friends).
//!
//! Rust's `IpAddr` parser is not used for acceptance (its edge cases differ); values are
//! built from the bytes parsed here. A prefix keeps its host bits as written (`10.1.2.3/8`),
//! as Go's does; an IPv4-mapped IPv6 address stays IPv6 (`::ffff:10.0.0.0/104`, up to /128).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

use super::strconv::{atoi, quote};

/// What `netip.ParseAddr` found wrong; [`AddrErrorKind::message`] is Go's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddrErrorKind {
    UnableToParse,
    MissingIpv6Address,
    Ipv4LeadingZero,
    Ipv4FieldTooLarge,
    Ipv4EmptyField,
    Ipv4TooLong,
    Ipv4TooShort,
    UnexpectedCharacter,
    EmptyZone,
    Ipv6GroupTooLong,
    Ipv6FieldOverflow,
    Ipv6EmptyField,
    EmbeddedIpv4Misplaced,
    EmbeddedIpv4NoRoom,
    Ipv6WantColon,
    Ipv6TrailingColon,
    MultipleEllipsis,
    TrailingGarbage,
    Ipv6TooShort,
    EllipsisWithoutZeros,
}

impl AddrErrorKind {
    /// Go's message for this failure.
    pub fn message(self) -> &'static str {
        match self {
            AddrErrorKind::UnableToParse => "unable to parse IP",
            AddrErrorKind::MissingIpv6Address => "missing IPv6 address",
            AddrErrorKind::Ipv4LeadingZero => "IPv4 field has octet with leading zero",
            AddrErrorKind::Ipv4FieldTooLarge => "IPv4 field has value >255",
            AddrErrorKind::Ipv4EmptyField => "IPv4 field must have at least one digit",
            AddrErrorKind::Ipv4TooLong => "IPv4 address too long",
            AddrErrorKind::Ipv4TooShort => "IPv4 address too short",
            AddrErrorKind::UnexpectedCharacter => "unexpected character",
            AddrErrorKind::EmptyZone => "zone must be a non-empty string",
            AddrErrorKind::Ipv6GroupTooLong => "each group must have 4 or less digits",
            AddrErrorKind::Ipv6FieldOverflow => "IPv6 field has value >=2^16",
            AddrErrorKind::Ipv6EmptyField => {
                "each colon-separated field must have at least one digit"
            }
            AddrErrorKind::EmbeddedIpv4Misplaced => {
                "embedded IPv4 address must replace the final 2 fields of the address"
            }
            AddrErrorKind::EmbeddedIpv4NoRoom => {
                "too many hex fields to fit an embedded IPv4 at the end of the address"
            }
            AddrErrorKind::Ipv6WantColon => "unexpected character, want colon",
            AddrErrorKind::Ipv6TrailingColon => "colon must be followed by more characters",
            AddrErrorKind::MultipleEllipsis => "multiple :: in address",
            AddrErrorKind::TrailingGarbage => "trailing garbage after address",
            AddrErrorKind::Ipv6TooShort => "address string too short",
            AddrErrorKind::EllipsisWithoutZeros => {
                "the :: must expand to at least one field of zeros"
            }
        }
    }
}

/// Go's `parseAddrError`: renders as `ParseAddr("<in>"): <msg>` or
/// `ParseAddr("<in>"): <msg> (at "<rest>")`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddrError {
    /// The whole string given to `ParseAddr`.
    pub input: String,
    pub kind: AddrErrorKind,
    /// The unparsed rest where the failure was found, when Go reports it.
    pub at: Option<String>,
}

impl fmt::Display for AddrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ParseAddr({}): {}",
            quote(&self.input),
            self.kind.message()
        )?;
        match &self.at {
            Some(at) if !at.is_empty() => write!(f, " (at {})", quote(at)),
            _ => Ok(()),
        }
    }
}

impl std::error::Error for AddrError {}

/// A parsed address: the IP and, for IPv6, the zone after `%` if there was one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAddr {
    pub ip: IpAddr,
    pub zone: Option<String>,
}

/// What `netip.ParsePrefix` found wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrefixErrorKind {
    /// `no '/'`
    NoSlash,
    /// The address before the last `/` failed `ParseAddr`.
    Addr(AddrError),
    /// `IPv6 zones cannot be present in a prefix`
    ZoneInPrefix,
    /// `bad bits after slash: "<bits>"` (empty, sign, leading zero, non-digit, overflow).
    BadBits(String),
    /// `prefix length out of range` (above 32 for IPv4, 128 for IPv6).
    OutOfRange,
}

/// Go's `parsePrefixError`: renders as `netip.ParsePrefix("<in>"): <msg>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrefixError {
    /// The whole string given to `ParsePrefix`.
    pub input: String,
    pub kind: PrefixErrorKind,
}

impl PrefixError {
    /// The part after `netip.ParsePrefix("<in>"): `.
    pub fn message(&self) -> String {
        match &self.kind {
            PrefixErrorKind::NoSlash => "no '/'".to_owned(),
            PrefixErrorKind::Addr(e) => e.to_string(),
            PrefixErrorKind::ZoneInPrefix => "IPv6 zones cannot be present in a prefix".to_owned(),
            PrefixErrorKind::BadBits(bits) => format!("bad bits after slash: {}", quote(bits)),
            PrefixErrorKind::OutOfRange => "prefix length out of range".to_owned(),
        }
    }
}

impl fmt::Display for PrefixError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "netip.ParsePrefix({}): {}",
            quote(&self.input),
            self.message()
        )
    }
}

impl std::error::Error for PrefixError {}

fn addr_err(input: &str, kind: AddrErrorKind, at: Option<&str>) -> AddrError {
    AddrError {
        input: input.to_owned(),
        kind,
        at: at.map(str::to_owned),
    }
}

/// `input[from..to]` as an owned string; every caller passes char boundaries, but a wrong
/// offset must never panic the linter.
fn rest(input: &str, from: usize, to: usize) -> String {
    match input.get(from..to) {
        Some(s) => s.to_owned(),
        None => {
            String::from_utf8_lossy(input.as_bytes().get(from..to).unwrap_or_default()).into_owned()
        }
    }
}

/// Go `netip.ParseAddr`: dotted-quad IPv4, IPv6 (with an optional trailing dotted IPv4 and an
/// optional `%zone`). The first `.`, `:` or `%` decides which.
pub fn parse_addr(s: &str) -> Result<ParsedAddr, AddrError> {
    for &b in s.as_bytes() {
        match b {
            b'.' => {
                let f = parse_ipv4_fields(s, 0, s.len())?;
                return Ok(ParsedAddr {
                    ip: IpAddr::V4(Ipv4Addr::from(f)),
                    zone: None,
                });
            }
            b':' => return parse_ipv6(s),
            b'%' => return Err(addr_err(s, AddrErrorKind::MissingIpv6Address, None)),
            _ => {}
        }
    }
    Err(addr_err(s, AddrErrorKind::UnableToParse, None))
}

/// Go `parseIPv4Fields(in, off, end, fields)`: exactly four decimal octets in `in[off..end]`,
/// no empty field, no leading zero, each at most 255.
fn parse_ipv4_fields(input: &str, off: usize, end: usize) -> Result<[u8; 4], AddrError> {
    let s = input.as_bytes().get(off..end).unwrap_or_default();
    let mut fields = [0u8; 4];
    let mut val: u32 = 0;
    let mut pos = 0usize;
    let mut dig_len = 0usize;
    for (i, &c) in s.iter().enumerate() {
        if c.is_ascii_digit() {
            if dig_len == 1 && val == 0 {
                return Err(addr_err(input, AddrErrorKind::Ipv4LeadingZero, None));
            }
            val = val * 10 + u32::from(c - b'0');
            dig_len += 1;
            if val > 255 {
                return Err(addr_err(input, AddrErrorKind::Ipv4FieldTooLarge, None));
            }
        } else if c == b'.' {
            if i == 0 || i == s.len() - 1 || s[i - 1] == b'.' {
                return Err(AddrError {
                    input: input.to_owned(),
                    kind: AddrErrorKind::Ipv4EmptyField,
                    at: Some(rest(input, off + i, end)),
                });
            }
            if pos == 3 {
                return Err(addr_err(input, AddrErrorKind::Ipv4TooLong, None));
            }
            fields[pos] = val as u8;
            pos += 1;
            val = 0;
            dig_len = 0;
        } else {
            return Err(AddrError {
                input: input.to_owned(),
                kind: AddrErrorKind::UnexpectedCharacter,
                at: Some(rest(input, off + i, end)),
            });
        }
    }
    if pos < 3 {
        return Err(addr_err(input, AddrErrorKind::Ipv4TooShort, None));
    }
    fields[3] = val as u8;
    Ok(fields)
}

/// Go `parseIPv6`.
fn parse_ipv6(input: &str) -> Result<ParsedAddr, AddrError> {
    let (mut s, zone) = split_zone(input)?;
    let done = |ip: [u8; 16]| ParsedAddr {
        ip: IpAddr::V6(Ipv6Addr::from(ip)),
        zone: zone.map(str::to_owned),
    };
    let err_at = |kind: AddrErrorKind, at: &str| AddrError {
        input: input.to_owned(),
        kind,
        at: Some(at.to_owned()),
    };

    let mut ip = [0u8; 16];
    let mut ellipsis: Option<usize> = None;

    if s.len() >= 2 && s.as_bytes()[0] == b':' && s.as_bytes()[1] == b':' {
        ellipsis = Some(0);
        s = &s[2..];
        if s.is_empty() {
            return Ok(done(ip));
        }
    }

    let mut i = 0usize;
    while i < 16 {
        let bytes = s.as_bytes();
        let (acc, off) = hex_group(bytes).map_err(|kind| err_at(kind, s))?;

        // Followed by a dot: the trailing embedded IPv4.
        if off < bytes.len() && bytes[off] == b'.' {
            if ellipsis.is_none() && i != 12 {
                return Err(err_at(AddrErrorKind::EmbeddedIpv4Misplaced, s));
            }
            if i + 4 > 16 {
                return Err(err_at(AddrErrorKind::EmbeddedIpv4NoRoom, s));
            }
            let end = input.len() - zone.map_or(0, |z| z.len() + 1);
            let fields = parse_ipv4_fields(input, end - s.len(), end)?;
            ip[i..i + 4].copy_from_slice(&fields);
            s = "";
            i += 4;
            break;
        }

        ip[i] = (acc >> 8) as u8;
        ip[i + 1] = acc as u8;
        i += 2;

        s = &s[off..];
        if s.is_empty() {
            break;
        }
        if s.as_bytes()[0] != b':' {
            return Err(err_at(AddrErrorKind::Ipv6WantColon, s));
        } else if s.len() == 1 {
            return Err(err_at(AddrErrorKind::Ipv6TrailingColon, s));
        }
        s = &s[1..];

        if s.as_bytes()[0] == b':' {
            if ellipsis.is_some() {
                return Err(err_at(AddrErrorKind::MultipleEllipsis, s));
            }
            ellipsis = Some(i);
            s = &s[1..];
            if s.is_empty() {
                break;
            }
        }
    }

    if !s.is_empty() {
        return Err(err_at(AddrErrorKind::TrailingGarbage, s));
    }

    expand_ellipsis(&mut ip, i, ellipsis).map_err(|kind| addr_err(input, kind, None))?;
    Ok(done(ip))
}

/// The address and the zone after `%` (Go: an empty zone is an error).
fn split_zone(input: &str) -> Result<(&str, Option<&str>), AddrError> {
    match input.find('%') {
        Some(i) => {
            let zone = &input[i + 1..];
            if zone.is_empty() {
                return Err(addr_err(input, AddrErrorKind::EmptyZone, None));
            }
            Ok((&input[..i], Some(zone)))
        }
        None => Ok((input, None)),
    }
}

/// The hex group at the start of `bytes` (Go: at most four digits, at most 0xFFFF): its value
/// and length.
fn hex_group(bytes: &[u8]) -> Result<(u32, usize), AddrErrorKind> {
    let mut off = 0usize;
    let mut acc: u32 = 0;
    while off < bytes.len() {
        let ch = bytes[off];
        let digit = match ch {
            b'0'..=b'9' => ch - b'0',
            b'a'..=b'f' => ch - b'a' + 10,
            b'A'..=b'F' => ch - b'A' + 10,
            _ => break,
        };
        acc = (acc << 4) + u32::from(digit);
        if off > 3 {
            return Err(AddrErrorKind::Ipv6GroupTooLong);
        }
        if acc > 0xFFFF {
            return Err(AddrErrorKind::Ipv6FieldOverflow);
        }
        off += 1;
    }
    if off == 0 {
        return Err(AddrErrorKind::Ipv6EmptyField);
    }
    Ok((acc, off))
}

/// Fills the `::` at byte `ellipsis` with the zeros that make `filled` bytes sixteen (Go: too
/// short without one, an error with one that stands for no zeros).
fn expand_ellipsis(
    ip: &mut [u8; 16],
    filled: usize,
    ellipsis: Option<usize>,
) -> Result<(), AddrErrorKind> {
    if filled < 16 {
        let Some(at) = ellipsis else {
            return Err(AddrErrorKind::Ipv6TooShort);
        };
        let shift = 16 - filled;
        for j in (at..filled).rev() {
            ip[j + shift] = ip[j];
        }
        for byte in &mut ip[at..at + shift] {
            *byte = 0;
        }
    } else if ellipsis.is_some() {
        return Err(AddrErrorKind::EllipsisWithoutZeros);
    }
    Ok(())
}

/// Go `netip.ParsePrefix`: split on the **last** `/`; `ParseAddr` on the left; no zone; the
/// length is decimal digits only, without a leading zero unless it is `0` itself (`/08`,
/// `/00`, `/+8` fail), at most 32 for IPv4 and 128 for IPv6 (IPv4-mapped included).
/// Host bits are kept as written.
pub fn parse_prefix(s: &str) -> Result<IpNet, PrefixError> {
    let fail = |kind: PrefixErrorKind| PrefixError {
        input: s.to_owned(),
        kind,
    };
    let Some(slash) = s.rfind('/') else {
        return Err(fail(PrefixErrorKind::NoSlash));
    };
    let addr = parse_addr(&s[..slash]).map_err(|e| fail(PrefixErrorKind::Addr(e)))?;
    if addr.zone.is_some() {
        return Err(fail(PrefixErrorKind::ZoneInPrefix));
    }
    let bits_str = &s[slash + 1..];
    let bad_bits = || fail(PrefixErrorKind::BadBits(bits_str.to_owned()));
    if bits_str.len() > 1 && !(b'1'..=b'9').contains(&bits_str.as_bytes()[0]) {
        return Err(bad_bits());
    }
    let bits = atoi(bits_str).map_err(|_| bad_bits())?;
    let max_bits = if addr.ip.is_ipv6() { 128 } else { 32 };
    if !(0..=max_bits).contains(&bits) {
        return Err(fail(PrefixErrorKind::OutOfRange));
    }
    u8::try_from(bits)
        .ok()
        .and_then(|bits| IpNet::new(addr.ip, bits).ok())
        .ok_or_else(|| fail(PrefixErrorKind::OutOfRange))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> IpNet {
        parse_prefix(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn err(s: &str) -> String {
        match parse_prefix(s) {
            Ok(n) => panic!("{s:?} parsed as {n}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn valid_prefixes() {
        assert_eq!(ok("10.0.0.0/8").to_string(), "10.0.0.0/8");
        assert_eq!(ok("192.168.0.0/16").to_string(), "192.168.0.0/16");
        assert_eq!(ok("0.0.0.0/0").prefix_len(), 0);
        assert_eq!(ok("255.255.255.255/32").prefix_len(), 32);
        // Host bits are kept as written.
        let n = ok("10.1.2.3/8");
        assert_eq!(n.addr().to_string(), "10.1.2.3");
        assert_eq!(n.trunc().to_string(), "10.0.0.0/8");
        assert_eq!(ok("fd00::/8").to_string(), "fd00::/8");
        assert_eq!(ok("2001:db8::1/128").prefix_len(), 128);
        assert_eq!(ok("::/0").prefix_len(), 0);
        assert_eq!(ok("::/128").prefix_len(), 128);
        assert_eq!(ok("1:2:3:4:5:6:7:8/64").prefix_len(), 64);
        assert_eq!(ok("1::/16").prefix_len(), 16);
        assert_eq!(ok("ABCD:ef01::/32").prefix_len(), 32);
        assert_eq!(ok("0001::/16").prefix_len(), 16);
        // IPv4-mapped IPv6 is IPv6: lengths up to 128.
        let m = ok("::ffff:10.0.0.0/104");
        assert!(matches!(m, IpNet::V6(_)));
        assert_eq!(m.prefix_len(), 104);
        assert_eq!(ok("::ffff:10.0.0.0/128").prefix_len(), 128);
        assert_eq!(ok("1:2:3:4:5:6:1.2.3.4/96").prefix_len(), 96);
        assert_eq!(ok("::1.2.3.4/128").prefix_len(), 128);
        // The last '/' splits.
        assert!(parse_prefix("10.0.0.0/8/8").is_err());
    }

    #[test]
    fn istio_table_rows() {
        // Go's netip.ParsePrefix on IP-range elements, element by element.
        assert_eq!(err(""), r#"netip.ParsePrefix(""): no '/'"#);
        assert_eq!(err(" "), r#"netip.ParsePrefix(" "): no '/'"#);
        assert_eq!(
            err(" 192.168.0.0/16"),
            r#"netip.ParsePrefix(" 192.168.0.0/16"): ParseAddr(" 192.168.0.0"): unexpected character (at " 192.168.0.0")"#
        );
        assert_eq!(
            err("10.0.0.0/8\n"),
            r#"netip.ParsePrefix("10.0.0.0/8\n"): bad bits after slash: "8\n""#
        );
        assert_eq!(
            err("10.0.0.0/8 "),
            r#"netip.ParsePrefix("10.0.0.0/8 "): bad bits after slash: "8 ""#
        );
        assert_eq!(err("10.0.0.1"), r#"netip.ParsePrefix("10.0.0.1"): no '/'"#);
        assert_eq!(err("*"), r#"netip.ParsePrefix("*"): no '/'"#);
        assert_eq!(
            err("10.0.0.0/33"),
            r#"netip.ParsePrefix("10.0.0.0/33"): prefix length out of range"#
        );
        assert_eq!(
            err("3.3.0.0/33"),
            r#"netip.ParsePrefix("3.3.0.0/33"): prefix length out of range"#
        );
        assert_eq!(
            err("::/129"),
            r#"netip.ParsePrefix("::/129"): prefix length out of range"#
        );
        assert_eq!(
            err("010.0.0.0/8"),
            r#"netip.ParsePrefix("010.0.0.0/8"): ParseAddr("010.0.0.0"): IPv4 field has octet with leading zero"#
        );
        assert_eq!(
            err("10.0.0.0/08"),
            r#"netip.ParsePrefix("10.0.0.0/08"): bad bits after slash: "08""#
        );
        assert_eq!(
            err("10.0.0.0/00"),
            r#"netip.ParsePrefix("10.0.0.0/00"): bad bits after slash: "00""#
        );
        assert_eq!(
            err("10.0.0.0/+8"),
            r#"netip.ParsePrefix("10.0.0.0/+8"): bad bits after slash: "+8""#
        );
        assert_eq!(
            err("10.0.0.0/-1"),
            r#"netip.ParsePrefix("10.0.0.0/-1"): bad bits after slash: "-1""#
        );
        assert_eq!(ok("10.0.0.0/0").prefix_len(), 0);
        assert_eq!(
            err("fe80::1%eth0/64"),
            r#"netip.ParsePrefix("fe80::1%eth0/64"): IPv6 zones cannot be present in a prefix"#
        );
        assert_eq!(
            err("00001::/16"),
            r#"netip.ParsePrefix("00001::/16"): ParseAddr("00001::"): each group must have 4 or less digits (at "00001::")"#
        );
        assert_eq!(
            err("10.0.0.0/8;172.16.0.0/12"),
            r#"netip.ParsePrefix("10.0.0.0/8;172.16.0.0/12"): ParseAddr("10.0.0.0/8;172.16.0.0"): unexpected character (at "/8;172.16.0.0")"#
        );
    }

    #[test]
    fn edge_cases() {
        assert_eq!(
            err("1::2::3/64"),
            r#"netip.ParsePrefix("1::2::3/64"): ParseAddr("1::2::3"): multiple :: in address (at ":3")"#
        );
        assert_eq!(
            err("1.2.3/8"),
            r#"netip.ParsePrefix("1.2.3/8"): ParseAddr("1.2.3"): IPv4 address too short"#
        );
        assert_eq!(
            err("1.2.3.4.5/8"),
            r#"netip.ParsePrefix("1.2.3.4.5/8"): ParseAddr("1.2.3.4.5"): IPv4 address too long"#
        );
        assert_eq!(
            err("256.0.0.0/8"),
            r#"netip.ParsePrefix("256.0.0.0/8"): ParseAddr("256.0.0.0"): IPv4 field has value >255"#
        );
        assert_eq!(
            err("1..2.3/8"),
            r#"netip.ParsePrefix("1..2.3/8"): ParseAddr("1..2.3"): IPv4 field must have at least one digit (at ".2.3")"#
        );
        assert_eq!(
            err(".1.2.3/8"),
            r#"netip.ParsePrefix(".1.2.3/8"): ParseAddr(".1.2.3"): IPv4 field must have at least one digit (at ".1.2.3")"#
        );
        assert_eq!(
            err("1.2.3./8"),
            r#"netip.ParsePrefix("1.2.3./8"): ParseAddr("1.2.3."): IPv4 field must have at least one digit (at ".")"#
        );
        assert_eq!(
            err("1.2.3.00/32"),
            r#"netip.ParsePrefix("1.2.3.00/32"): ParseAddr("1.2.3.00"): IPv4 field has octet with leading zero"#
        );
        assert_eq!(
            err("\t10.0.0.0/8"),
            r#"netip.ParsePrefix("\t10.0.0.0/8"): ParseAddr("\t10.0.0.0"): unexpected character (at "\t10.0.0.0")"#
        );
    }

    #[test]
    fn edge_cases_of_characters_and_lengths() {
        // Unicode digits are not digits.
        assert_eq!(
            err("１0.0.0.0/8"),
            r#"netip.ParsePrefix("１0.0.0.0/8"): ParseAddr("１0.0.0.0"): unexpected character (at "１0.0.0.0")"#
        );
        assert_eq!(
            err("10.0.0.0/８"),
            r#"netip.ParsePrefix("10.0.0.0/８"): bad bits after slash: "８""#
        );
        assert_eq!(
            err("10.0.0.0/"),
            r#"netip.ParsePrefix("10.0.0.0/"): bad bits after slash: """#
        );
        assert_eq!(
            err("/8"),
            r#"netip.ParsePrefix("/8"): ParseAddr(""): unable to parse IP"#
        );
        assert_eq!(
            err("example.com/32"),
            r#"netip.ParsePrefix("example.com/32"): ParseAddr("example.com"): unexpected character (at "example.com")"#
        );
        assert_eq!(
            err("vault/32"),
            r#"netip.ParsePrefix("vault/32"): ParseAddr("vault"): unable to parse IP"#
        );
        assert_eq!(
            err("%eth0/8"),
            r#"netip.ParsePrefix("%eth0/8"): ParseAddr("%eth0"): missing IPv6 address"#
        );
        assert_eq!(
            err("fe80::1%/64"),
            r#"netip.ParsePrefix("fe80::1%/64"): ParseAddr("fe80::1%"): zone must be a non-empty string"#
        );
        assert_eq!(
            err("1:2:3:4:5:6:7:8:9/64"),
            r#"netip.ParsePrefix("1:2:3:4:5:6:7:8:9/64"): ParseAddr("1:2:3:4:5:6:7:8:9"): trailing garbage after address (at "9")"#
        );
        assert_eq!(
            err("1:2:3/64"),
            r#"netip.ParsePrefix("1:2:3/64"): ParseAddr("1:2:3"): address string too short"#
        );
        assert_eq!(
            err("1:2:3:4:5:6:7::8/64"),
            r#"netip.ParsePrefix("1:2:3:4:5:6:7::8/64"): ParseAddr("1:2:3:4:5:6:7::8"): the :: must expand to at least one field of zeros"#
        );
        assert_eq!(
            err("1:/64"),
            r#"netip.ParsePrefix("1:/64"): ParseAddr("1:"): colon must be followed by more characters (at ":")"#
        );
        assert_eq!(
            err(":1/64"),
            r#"netip.ParsePrefix(":1/64"): ParseAddr(":1"): each colon-separated field must have at least one digit (at ":1")"#
        );
        assert_eq!(
            err("1:2.3.4.5/64"),
            r#"netip.ParsePrefix("1:2.3.4.5/64"): ParseAddr("1:2.3.4.5"): embedded IPv4 address must replace the final 2 fields of the address (at "2.3.4.5")"#
        );
        assert_eq!(
            err("::ffff:010.0.0.0/104"),
            r#"netip.ParsePrefix("::ffff:010.0.0.0/104"): ParseAddr("::ffff:010.0.0.0"): IPv4 field has octet with leading zero"#
        );
        assert_eq!(
            err("::ffff:1.2.3/104"),
            r#"netip.ParsePrefix("::ffff:1.2.3/104"): ParseAddr("::ffff:1.2.3"): IPv4 address too short"#
        );
        assert_eq!(
            err("1g::/16"),
            r#"netip.ParsePrefix("1g::/16"): ParseAddr("1g::"): unexpected character, want colon (at "g::")"#
        );
        assert!(err("10.0.0.0/99999999999999999999").contains("bad bits"));
        assert!(err("10.0.0.0/9223372036854775807").ends_with("prefix length out of range"));
    }

    #[test]
    fn parse_addr_values() {
        let a = parse_addr("fe80::1%eth0").unwrap();
        assert_eq!(a.zone.as_deref(), Some("eth0"));
        assert_eq!(a.ip, "fe80::1".parse::<IpAddr>().unwrap());
        assert_eq!(
            parse_addr("::ffff:1.2.3.4").unwrap().ip,
            "::ffff:1.2.3.4".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            parse_addr("1:2:3:4:5:6:7:8").unwrap().ip,
            "1:2:3:4:5:6:7:8".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            parse_addr("1::8").unwrap().ip,
            "1::8".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            parse_addr("::").unwrap().ip,
            "::".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            parse_addr("1:2:3:4:5:6::").unwrap().ip,
            "1:2:3:4:5:6::".parse::<IpAddr>().unwrap()
        );
        assert!(parse_addr("1.2.3.4%eth0").is_err());
        assert!(parse_addr("").is_err());
    }
}
