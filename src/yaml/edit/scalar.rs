//! Where each byte of a scalar's value comes from in the source, so that a changed value can be
//! written as the smallest edit in the scalar's own style: a merge into a double-quoted
//! `proxy.istio.io/config` keeps its escapes, a literal block keeps its header, indentation and
//! the lines the change does not touch.
//!
//! [`decode`] re-reads a scalar's source (single- and double-quoted, plain on one line, literal
//! block) and returns its value together with a map from every byte boundary of the value to a
//! source offset where a cut there is unambiguous (not inside an escape sequence, a line fold or
//! a block's indentation). [`encode`] writes a piece of new value in the style. The caller checks
//! every edit by decoding the new source again, so a wrong guess falls back to a whole rewrite,
//! never to a wrong value.

use crate::yaml::ScalarStyle;
use std::fmt::Write as _;

/// A scalar's value and, for each byte offset `0..=value.len()` of it, the source offset (relative
/// to the scalar's first byte) where a cut at that value offset may be made.
#[derive(Debug)]
pub(super) struct Decoded {
    pub value: String,
    pub cuts: Vec<Option<usize>>,
    /// A literal block's content indentation (spaces).
    pub indent: usize,
}

impl Decoded {
    fn new() -> Self {
        Self {
            value: String::new(),
            cuts: Vec::new(),
            indent: 0,
        }
    }

    /// Appends `s`, produced by source bytes ending at `raw_end`: a cut after it maps there,
    /// cuts inside it (within a multi-byte character or an escape's result) do not map.
    fn push(&mut self, s: &str, raw_end: Option<usize>) {
        for _ in 1..s.len() {
            self.cuts.push(None);
        }
        if !s.is_empty() {
            self.cuts.push(raw_end);
        }
        self.value.push_str(s);
    }
}

/// Decodes `src` (exactly the scalar's source range: quotes included, a block from its header
/// indicator) in `style`. `None` for forms this does not map (folded blocks, multi-line plain
/// scalars, explicit indentation indicators, anything surprising).
pub(super) fn decode(src: &str, style: ScalarStyle) -> Option<Decoded> {
    match style {
        ScalarStyle::Plain => {
            if src.contains(['\n', '\r']) {
                return None;
            }
            let mut d = Decoded::new();
            d.cuts.push(Some(0));
            for (i, c) in src.char_indices() {
                d.push(c.encode_utf8(&mut [0; 4]), Some(i + c.len_utf8()));
            }
            Some(d)
        }
        ScalarStyle::SingleQuoted => decode_quoted(src, false),
        ScalarStyle::DoubleQuoted => decode_quoted(src, true),
        ScalarStyle::Literal => decode_literal(src),
        ScalarStyle::Folded => None,
    }
}

fn is_break(b: u8) -> bool {
    b == b'\n' || b == b'\r'
}

/// Skips one line break (`\n`, `\r\n` or `\r`) at `i`.
fn skip_break(b: &[u8], i: usize) -> usize {
    if b[i] == b'\r' && i + 1 < b.len() && b[i + 1] == b'\n' {
        i + 2
    } else {
        i + 1
    }
}

fn decode_quoted(src: &str, double: bool) -> Option<Decoded> {
    let b = src.as_bytes();
    let quote = if double { b'"' } else { b'\'' };
    if b.len() < 2 || b[0] != quote || b[b.len() - 1] != quote {
        return None;
    }
    let end = b.len() - 1;
    let mut dec = Decoded::new();
    dec.cuts.push(Some(1));
    let mut i = 1;
    while i < end {
        let byte = b[i];
        if !double && byte == b'\'' {
            if i + 1 < end && b[i + 1] == b'\'' {
                dec.push("'", Some(i + 2));
                i += 2;
                continue;
            }
            return None;
        }
        if double && byte == b'"' {
            return None;
        }
        if double && byte == b'\\' {
            let e = *b.get(i + 1)?;
            if is_break(e) {
                // An escaped line break: nothing, and the next line's leading blanks go too.
                let mut j = skip_break(b, i + 1);
                while j < end && (b[j] == b' ' || b[j] == b'\t') {
                    j += 1;
                }
                if j < end && is_break(b[j]) {
                    return None;
                }
                i = j;
                // The cut before the escape stays; none inside it.
                continue;
            }
            let (s, len) = unescape(&src[i + 1..])?;
            i += 1 + len;
            dec.push(&s, Some(i));
            continue;
        }
        if byte == b' ' || byte == b'\t' || is_break(byte) {
            let mut j = i;
            while j < end && (b[j] == b' ' || b[j] == b'\t') {
                j += 1;
            }
            if j < end && is_break(b[j]) {
                // A line fold: trailing blanks dropped, one break becomes a space, each
                // further (empty) line a newline, the next line's leading blanks dropped.
                let mut k = skip_break(b, j);
                let mut empty = 0;
                loop {
                    while k < end && (b[k] == b' ' || b[k] == b'\t') {
                        k += 1;
                    }
                    if k < end && is_break(b[k]) {
                        empty += 1;
                        k = skip_break(b, k);
                    } else {
                        break;
                    }
                }
                let folded = if empty == 0 {
                    " ".to_owned()
                } else {
                    "\n".repeat(empty)
                };
                for _ in 1..folded.len() {
                    dec.cuts.push(None);
                }
                dec.cuts.push(Some(k));
                dec.value.push_str(&folded);
                i = k;
                continue;
            }
            // Blanks inside a line are themselves.
            for k in i..j {
                dec.push(&src[k..=k], Some(k + 1));
            }
            i = j;
            continue;
        }
        let ch = src[i..].chars().next()?;
        if ch.is_control() && ch != '\t' {
            return None;
        }
        i += ch.len_utf8();
        dec.push(ch.encode_utf8(&mut [0; 4]), Some(i));
    }
    Some(dec)
}

/// One double-quoted escape (the text after the backslash): its value and source length.
fn unescape(s: &str) -> Option<(String, usize)> {
    let c = s.chars().next()?;
    let simple = match c {
        '0' => Some('\0'),
        'a' => Some('\u{7}'),
        'b' => Some('\u{8}'),
        't' | '\t' => Some('\t'),
        'n' => Some('\n'),
        'v' => Some('\u{b}'),
        'f' => Some('\u{c}'),
        'r' => Some('\r'),
        'e' => Some('\u{1b}'),
        ' ' => Some(' '),
        '"' => Some('"'),
        '/' => Some('/'),
        '\\' => Some('\\'),
        'N' => Some('\u{85}'),
        '_' => Some('\u{a0}'),
        'L' => Some('\u{2028}'),
        'P' => Some('\u{2029}'),
        _ => None,
    };
    if let Some(ch) = simple {
        return Some((ch.to_string(), c.len_utf8()));
    }
    let digits = match c {
        'x' => 2,
        'u' => 4,
        'U' => 8,
        _ => return None,
    };
    let hex = s.get(1..=digits)?;
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let ch = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
    Some((ch.to_string(), 1 + digits))
}

/// A literal block scalar: `|` with optional chomping indicator and comment, then its body.
fn decode_literal(src: &str) -> Option<Decoded> {
    let b = src.as_bytes();
    if b.first() != Some(&b'|') {
        return None;
    }
    let header_end = src.find(['\n', '\r'])?;
    let header = &src[..header_end];
    let indicators = header[1..].split('#').next().unwrap_or("").trim_end();
    let chomp = match indicators {
        "" => Chomp::Clip,
        "-" => Chomp::Strip,
        "+" => Chomp::Keep,
        _ => return None, // an indentation indicator or something odd
    };
    // The body's lines, as (start, content end) offsets.
    let mut lines = Vec::new();
    let mut i = skip_break(b, header_end);
    while i <= b.len() {
        let e = src[i..].find(['\n', '\r']).map_or(b.len(), |p| i + p);
        lines.push((i, e));
        if e == b.len() {
            break;
        }
        i = skip_break(b, e);
        if i == b.len() {
            lines.push((i, i));
            break;
        }
    }
    let blank = |&(s, e): &(usize, usize)| src[s..e].bytes().all(|c| c == b' ');
    let first = lines.iter().find(|l| !blank(l))?;
    let indent = src[first.0..first.1].len() - src[first.0..first.1].trim_start_matches(' ').len();
    if indent == 0 {
        return None;
    }
    let mut d = Decoded::new();
    d.indent = indent;
    let last_content = lines.iter().rposition(|l| !blank(l))?;
    // Leading empty lines must not be more indented than the content (YAML rejects that).
    if lines
        .iter()
        .take_while(|l| blank(l))
        .any(|l| l.1 - l.0 > indent)
    {
        return None;
    }
    let mut first_line = true;
    for (n, &(s, e)) in lines.iter().enumerate() {
        let is_blank = blank(&(s, e)) && e - s <= indent;
        if n > last_content && chomp != Chomp::Keep {
            break;
        }
        if d.cuts.is_empty() {
            d.cuts.push(if is_blank { None } else { Some(s + indent) });
        }
        if !first_line {
            // The line break ending the previous line: a cut after it maps to this line's
            // content start (when it has content).
            d.value.push('\n');
            d.cuts.push(if is_blank { None } else { Some(s + indent) });
        }
        if !is_blank {
            let line = &src[s + indent..e];
            for (k, c) in line.char_indices() {
                d.push(
                    c.encode_utf8(&mut [0; 4]),
                    Some(s + indent + k + c.len_utf8()),
                );
            }
            // A cut before this line's break maps to its end.
            if let Some(last) = d.cuts.last_mut() {
                *last = Some(e);
            }
        }
        first_line = false;
        if n == last_content && chomp != Chomp::Keep {
            break;
        }
    }
    match chomp {
        Chomp::Strip => {}
        Chomp::Clip | Chomp::Keep => {
            d.value.push('\n');
            d.cuts.push(None);
        }
    }
    Some(d)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Chomp {
    Clip,
    Strip,
    Keep,
}

/// Writes `piece` (a part of the new value starting at `at` in `new_value`) in `style`, for
/// insertion where the old source was cut. `None` when the style cannot hold it in place.
pub(super) fn encode(
    piece: &str,
    style: ScalarStyle,
    new_value: &str,
    at: usize,
    indent: usize,
    nl: &str,
) -> Option<String> {
    match style {
        ScalarStyle::Plain => {
            (!piece.chars().any(|c| c.is_control() && c != '\t')).then(|| piece.to_owned())
        }
        ScalarStyle::SingleQuoted => {
            (!piece.chars().any(|c| c.is_control() && c != '\t')).then(|| piece.replace('\'', "''"))
        }
        ScalarStyle::DoubleQuoted => Some(escape_double(piece)),
        ScalarStyle::Literal => {
            if piece
                .chars()
                .any(|c| c.is_control() && c != '\t' && c != '\n')
            {
                return None;
            }
            let mut out = String::with_capacity(piece.len() + 8);
            for (k, c) in piece.char_indices() {
                if c == '\n' {
                    out.push_str(nl);
                    // Indent unless the line that follows is empty.
                    let next = new_value[at + k + 1..].chars().next();
                    if matches!(next, Some(n) if n != '\n') {
                        out.push_str(&" ".repeat(indent));
                    }
                } else {
                    out.push(c);
                }
            }
            Some(out)
        }
        ScalarStyle::Folded => None,
    }
}

/// The body of a double-quoted scalar holding `value` (without the quotes).
pub(super) fn escape_double(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(src: &str, style: ScalarStyle) -> String {
        decode(src, style).expect("decodes").value
    }

    #[test]
    fn quoted_scalars_decode_with_their_cuts() {
        let d = decode(r#""a\"b\u00e9""#, ScalarStyle::DoubleQuoted).unwrap();
        assert_eq!(d.value, "a\"bé");
        assert_eq!(d.cuts.len(), d.value.len() + 1);
        assert_eq!(d.cuts[0], Some(1));
        assert_eq!(d.cuts[1], Some(2)); // after `a`
        assert_eq!(d.cuts[2], Some(4)); // after `\"`
        assert_eq!(*d.cuts.last().unwrap(), Some(11));
        assert_eq!(value("'it''s'", ScalarStyle::SingleQuoted), "it's");
        assert_eq!(
            value("'a  \n   b\n\n  c'", ScalarStyle::SingleQuoted),
            "a b\nc"
        );
        assert_eq!(value("\"a\\\n    b\"", ScalarStyle::DoubleQuoted), "ab");
        assert_eq!(value("\"a\r\n  b\"", ScalarStyle::DoubleQuoted), "a b");
    }

    #[test]
    fn literal_blocks_decode_with_chomping() {
        assert_eq!(value("|\n  a\n  b", ScalarStyle::Literal), "a\nb\n");
        assert_eq!(value("|-\n  a\n\n  b", ScalarStyle::Literal), "a\n\nb");
        assert_eq!(
            value("| # c\r\n    a\r\n      b", ScalarStyle::Literal),
            "a\n  b\n"
        );
        assert!(decode("|2\n  a", ScalarStyle::Literal).is_none());
        let d = decode("|\n  ab\n  c", ScalarStyle::Literal).unwrap();
        assert_eq!(d.indent, 2);
        // `ab\nc\n`: after `b` is the end of line 1; after its break, line 2's content.
        assert_eq!(d.cuts[2], Some(6));
        assert_eq!(d.cuts[3], Some(9));
        assert_eq!(d.cuts[5], None);
    }
}
