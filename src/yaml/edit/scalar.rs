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
/// indicator) in `style`. `None` for forms this does not map (blocks with an explicit
/// indentation indicator, whose indentation `src` alone does not tell: see [`decode_as`];
/// anything surprising).
pub(super) fn decode(src: &str, style: ScalarStyle) -> Option<Decoded> {
    match style {
        ScalarStyle::Plain if src.contains(['\n', '\r']) => decode_flow(src, Quotes::None),
        ScalarStyle::Plain => {
            let mut d = Decoded::new();
            d.cuts.push(Some(0));
            for (i, c) in src.char_indices() {
                d.push(c.encode_utf8(&mut [0; 4]), Some(i + c.len_utf8()));
            }
            Some(d)
        }
        ScalarStyle::SingleQuoted => decode_flow(src, Quotes::Single),
        ScalarStyle::DoubleQuoted => decode_flow(src, Quotes::Double),
        ScalarStyle::Literal | ScalarStyle::Folded => {
            let header = BlockHeader::parse(src, style)?;
            if header.indent.is_some() {
                return None;
            }
            decode_block(src, &header, None)
        }
    }
}

/// Like [`decode`], for a scalar whose value is known to be `expected` (the parser's reading):
/// `None` unless the decoded value is exactly that. A block with an explicit indentation
/// indicator (`|2`) counts its indentation from its parent's, which `src` does not show, so it
/// is read with each possible indentation and kept with the one that gives `expected` (every
/// other one gives different leading spaces, so at most one does).
pub(super) fn decode_as(src: &str, style: ScalarStyle, expected: &str) -> Option<Decoded> {
    if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
        let header = BlockHeader::parse(src, style)?;
        if let Some(step) = header.indent {
            let first = first_content_indent(src)?;
            return (step..=first)
                .rev()
                .filter_map(|indent| decode_block(src, &header, Some(indent)))
                .find(|d| d.value == expected);
        }
    }
    decode(src, style).filter(|d| d.value == expected)
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

/// The quoting of a flow scalar.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Quotes {
    /// Plain: no quotes, no escapes, lines folded like quoted ones.
    None,
    Single,
    Double,
}

/// A flow scalar: quoted, or plain over several lines. Line breaks fold the same way in all
/// three: trailing blanks dropped, one break a space, each further (empty) line a newline, the
/// next line's leading blanks dropped.
fn decode_flow(src: &str, quotes: Quotes) -> Option<Decoded> {
    let b = src.as_bytes();
    let double = quotes == Quotes::Double;
    let (start, end) = match quotes {
        Quotes::None => (0, b.len()),
        Quotes::Single | Quotes::Double => {
            let quote = if double { b'"' } else { b'\'' };
            if b.len() < 2 || b[0] != quote || b[b.len() - 1] != quote {
                return None;
            }
            (1, b.len() - 1)
        }
    };
    let mut dec = Decoded::new();
    dec.cuts.push(Some(start));
    let mut i = start;
    while i < end {
        let byte = b[i];
        if quotes == Quotes::Single && byte == b'\'' {
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
pub(super) fn unescape(s: &str) -> Option<(String, usize)> {
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

/// A block scalar's header: `|` or `>`, then a chomping and an indentation indicator in
/// either order, then optional blanks and a comment.
struct BlockHeader {
    folded: bool,
    chomp: Chomp,
    /// The explicit indentation indicator (`|2`): the content's indentation relative to the
    /// parent's.
    indent: Option<usize>,
    /// Where the header's line break is.
    end: usize,
}

impl BlockHeader {
    fn parse(src: &str, style: ScalarStyle) -> Option<Self> {
        let folded = match (src.as_bytes().first(), style) {
            (Some(b'|'), ScalarStyle::Literal) => false,
            (Some(b'>'), ScalarStyle::Folded) => true,
            _ => return None,
        };
        let end = src.find(['\n', '\r'])?;
        let rest = &src[1..end];
        let indicators = rest.split([' ', '\t']).next().unwrap_or("");
        let after = rest[indicators.len()..].trim_start_matches([' ', '\t']);
        if !after.is_empty() && !after.starts_with('#') {
            return None;
        }
        let mut chomp = None;
        let mut indent = None;
        for c in indicators.chars() {
            match c {
                '-' if chomp.is_none() => chomp = Some(Chomp::Strip),
                '+' if chomp.is_none() => chomp = Some(Chomp::Keep),
                '1'..='9' if indent.is_none() => indent = Some(c as usize - '0' as usize),
                _ => return None,
            }
        }
        Some(Self {
            folded,
            chomp: chomp.unwrap_or(Chomp::Clip),
            indent,
            end,
        })
    }
}

/// The body lines of a block scalar after its header, as (start, content end) offsets.
fn body_lines(src: &str, header_end: usize) -> Vec<(usize, usize)> {
    let b = src.as_bytes();
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
    lines
}

fn spaces(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// The leading spaces of a block's first line with content.
fn first_content_indent(src: &str) -> Option<usize> {
    let header_end = src.find(['\n', '\r'])?;
    body_lines(src, header_end)
        .into_iter()
        .map(|(s, e)| &src[s..e])
        .find(|l| !l.bytes().all(|c| c == b' '))
        .map(spaces)
}

/// A block scalar (literal or folded), its content indented by `indent` spaces (detected from
/// the first line with content when `None`), read as libyaml reads it: in a folded block, the
/// break between two lines that do not start with a blank becomes a space (or, with empty lines
/// between, only those lines' newlines); every other break is kept.
fn decode_block(src: &str, header: &BlockHeader, indent: Option<usize>) -> Option<Decoded> {
    let lines = body_lines(src, header.end);
    let all_spaces = |&(s, e): &(usize, usize)| src[s..e].bytes().all(|c| c == b' ');
    let indent = match indent {
        Some(i) => i,
        None => {
            let first = lines.iter().find(|l| !all_spaces(l))?;
            let indent = spaces(&src[first.0..first.1]);
            // Leading empty lines must not be more indented than the content (YAML rejects it).
            if lines
                .iter()
                .take_while(|l| all_spaces(l))
                .any(|l| l.1 - l.0 > indent)
            {
                return None;
            }
            indent
        }
    };
    if indent == 0 {
        return None;
    }
    // An empty line has at most `indent` spaces; any other line is content after them.
    let empty = |l: &(usize, usize)| all_spaces(l) && l.1 - l.0 <= indent;
    let last_content = lines.iter().rposition(|l| !empty(l))?;
    let b = src.as_bytes();
    let mut d = Decoded::new();
    d.indent = indent;
    // The previous content line's first byte is a blank ("more indented" in a folded block).
    let mut prev_blank: Option<bool> = None;
    let mut empties = 0;
    for &(s, e) in &lines[..=last_content] {
        if empty(&(s, e)) {
            empties += 1;
            continue;
        }
        if e - s <= indent || !b[s..s + indent].iter().all(|&c| c == b' ') {
            return None; // less indented content: not this block's
        }
        let c = s + indent;
        let blank = matches!(b[c], b' ' | b'\t');
        let join = match prev_blank {
            None => "\n".repeat(empties),
            Some(false) if header.folded && !blank && empties == 0 => " ".to_owned(),
            Some(false) if header.folded && !blank => "\n".repeat(empties),
            Some(_) => "\n".repeat(empties + 1),
        };
        if d.cuts.is_empty() {
            d.cuts.push(join.is_empty().then_some(c));
        }
        if !join.is_empty() {
            // Cuts inside the join do not map; after it, this line's content starts.
            for _ in 1..join.len() {
                d.cuts.push(None);
            }
            d.cuts.push(Some(c));
            d.value.push_str(&join);
        }
        for (k, ch) in src[c..e].char_indices() {
            if ch.is_control() && ch != '\t' {
                return None;
            }
            d.push(ch.encode_utf8(&mut [0; 4]), Some(c + k + ch.len_utf8()));
        }
        prev_blank = Some(blank);
        empties = 0;
    }
    // The line break after the last content line, then (kept) the trailing empty lines.
    let tail = match header.chomp {
        Chomp::Strip => 0,
        Chomp::Clip => 1,
        Chomp::Keep => lines.len() - last_content,
    };
    for _ in 0..tail {
        d.value.push('\n');
        d.cuts.push(None);
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

    /// Every cut that maps points just after the same character in the source (or at a line's
    /// content start): checks `cuts` against `value` for single-byte content.
    fn assert_cuts_follow(src: &str, d: &Decoded) {
        assert_eq!(d.cuts.len(), d.value.len() + 1, "{src:?}");
        for (i, c) in d.cuts.iter().enumerate().skip(1) {
            let (Some(at), Some(ch)) = (c, d.value[..i].chars().next_back()) else {
                continue;
            };
            if ch != ' ' && ch != '\n' {
                assert_eq!(src[..*at].chars().next_back(), Some(ch), "{src:?} cut {i}");
            }
        }
    }

    #[test]
    fn folded_blocks_decode_as_libyaml_reads_them() {
        // Values checked with PyYAML (libyaml).
        for (src, want) in [
            (">-\n  10.0.0.0/8,1.2.3.4", "10.0.0.0/8,1.2.3.4"),
            (">\n  a\n  b\n\n  c", "a b\nc\n"),
            (">\n  a\n    b\n  c", "a\n  b\nc\n"),
            (">\n\n  a\n  b", "\na b\n"),
            (">\n  a\n\n    b\n  c", "a\n\n  b\nc\n"),
            (">- # c\r\n  a\r\n  b", "a b"),
        ] {
            let d = decode(src, ScalarStyle::Folded).expect(src);
            assert_eq!(d.value, want, "{src:?}");
            assert_cuts_follow(src, &d);
        }
        // `a b`: the folded space starts where line 1 ends and ends where line 2 starts.
        let d = decode(">-\n  a,\n  b", ScalarStyle::Folded).unwrap();
        assert_eq!(d.value, "a, b");
        assert_eq!(d.cuts[2], Some(7));
        assert_eq!(d.cuts[3], Some(10));
        // A literal block is not folded.
        assert!(decode(">\n  a", ScalarStyle::Literal).is_none());
    }

    #[test]
    fn multi_line_plain_scalars_fold_like_quoted_ones() {
        let src = "172.16.0.0/12,\n      1.2.3.4/32,5.6.7.8";
        let d = decode(src, ScalarStyle::Plain).unwrap();
        assert_eq!(d.value, "172.16.0.0/12, 1.2.3.4/32,5.6.7.8");
        assert_cuts_follow(src, &d);
        // The folded space: from the end of line 1 to the content of line 2.
        assert_eq!(d.cuts[14], Some(14));
        assert_eq!(d.cuts[15], Some(21));
        let d = decode("a,  \n  b\n\n  c   d", ScalarStyle::Plain).unwrap();
        assert_eq!(d.value, "a, b\nc   d");
        // Quotes and backslashes are plain text here.
        assert_eq!(value("it's\n  \\\"x\"", ScalarStyle::Plain), "it's \\\"x\"");
    }

    #[test]
    fn less_indented_lines_are_not_content() {
        assert!(decode("|-\n  a\n \u{e9}", ScalarStyle::Literal).is_none());
        assert!(decode_as("|1-\n  a\n\u{e9}", ScalarStyle::Literal, " a").is_none());
    }

    proptest::proptest! {
        #[test]
        fn decoding_never_panics_and_cuts_cover_the_value(
            body in "[ a\u{e9},#|>+\\-12\"'\t\r\n]{0,24}",
            head in 0usize..6,
        ) {
            let src = format!("{}{body}", ["|", ">-", "|2", ">+1", "'", "\""][head]);
            for style in [
                ScalarStyle::Plain,
                ScalarStyle::SingleQuoted,
                ScalarStyle::DoubleQuoted,
                ScalarStyle::Literal,
                ScalarStyle::Folded,
            ] {
                for d in [decode(&src, style), decode_as(&src, style, "a")].into_iter().flatten() {
                    proptest::prop_assert_eq!(d.cuts.len(), d.value.len() + 1);
                    for c in d.cuts.iter().flatten() {
                        proptest::prop_assert!(src.is_char_boundary(*c));
                    }
                }
            }
        }
    }

    #[test]
    fn explicit_indentation_is_read_with_the_parser_value() {
        // `|2` counts from the parent's indentation, which the source alone does not show.
        assert!(decode("|2-\n     a\n    b", ScalarStyle::Literal).is_none());
        let d = decode_as("|2-\n     a\n    b", ScalarStyle::Literal, "   a\n  b").unwrap();
        assert_eq!(d.indent, 2);
        assert_eq!(d.cuts[0], Some(6));
        let d = decode_as("|2-\n     a\n    b", ScalarStyle::Literal, " a\nb").unwrap();
        assert_eq!(d.indent, 4);
        assert_eq!(d.cuts[0], Some(8));
        let d = decode_as(">-4\n      x,y", ScalarStyle::Folded, "  x,y").unwrap();
        assert_eq!(d.cuts[3], Some(11));
        assert!(decode_as("|2-\n     a", ScalarStyle::Literal, "other").is_none());
        // Keep chomping with the indicator after the digit, and a comment.
        let d = decode_as("|2+ # c\n    a\n", ScalarStyle::Literal, "  a\n\n").unwrap();
        assert_eq!(d.value, "  a\n\n");
    }
}
