//! From a scalar's string value back to the file: which source bytes produced each byte of the
//! value, so that a finding inside a string (one key of a `proxy.istio.io/config` value, one
//! element of a port list) points at its own characters, and an edit inside the string is
//! written in place, in the scalar's own style.

use super::scalar::unescape;
use super::{merge_guarded_scalar, rewrite_scalar};
use crate::diagnostic::Edit;
use crate::source::TextRange;
use crate::yaml::{NodeRef, ScalarStyle};
use std::ops::Range;

/// One double-quoted escape (the text after the backslash): the character it stands for and
/// its source length.
fn escape(rest: &str) -> Option<(char, usize)> {
    let (s, len) = unescape(rest)?;
    let mut chars = s.chars();
    let c = chars.next()?;
    chars.next().is_none().then_some((c, len))
}

/// Maps byte offsets inside a scalar's string value (after unquoting and unescaping) to byte
/// offsets in the file. Built only when every byte of the value comes from a known place:
/// plain and quoted scalars on one line (escapes and `''` included), literal block scalars
/// (any number of lines, CRLF too). Folded and multi-line flow scalars fold line breaks, so
/// they get no map and findings fall back to the whole value.
pub struct ValueMap {
    style: ScalarStyle,
    /// For each byte of the value, the file range of the source text that produced it (a
    /// character, an escape sequence, a line break).
    spans: Vec<(u32, u32)>,
    /// The file offset just after the value's last source character.
    end: u32,
    /// The whole scalar node, the fallback range.
    whole: TextRange,
}

/// The value rebuilt from the source, with where each of its bytes came from.
struct Spans {
    spans: Vec<(u32, u32)>,
    rebuilt: String,
}

impl Spans {
    /// Pushes one value character produced by the source range `from..to`.
    fn push(&mut self, c: char, from: usize, to: usize) {
        self.rebuilt.push(c);
        for _ in 0..c.len_utf8() {
            self.spans.push((from as u32, to as u32));
        }
    }

    /// A single- or double-quoted scalar on one line (`raw` with its quotes, at `base`): its
    /// characters, `''` and escapes. Returns where its content ends.
    fn quoted(&mut self, raw: &str, base: usize, double: bool) -> Option<usize> {
        if raw.len() < 2 {
            return None;
        }
        let inner = &raw[1..raw.len() - 1];
        if inner.contains(['\n', '\r']) {
            return None;
        }
        let start = base + 1;
        let mut chars = inner.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let from = start + i;
            if !double && c == '\'' {
                chars.next();
                self.push('\'', from, from + 2);
            } else if double && c == '\\' {
                let (ch, len) = escape(&inner[i + 1..])?;
                self.push(ch, from, from + 1 + len);
                let stop = i + 1 + len;
                while chars.peek().is_some_and(|&(j, _)| j < stop) {
                    chars.next();
                }
            } else {
                self.push(c, from, from + c.len_utf8());
            }
        }
        Some(start + inner.len())
    }

    /// A literal block scalar (`raw` from its header, at `base`) whose value is `cooked`: its
    /// lines without their indentation, each line break one `\n`, and the line breaks its
    /// chomping keeps. Returns where it ends.
    fn literal(&mut self, raw: &str, base: usize, cooked: &str) -> Option<usize> {
        let header_len = raw.find('\n')?;
        if raw[..header_len].bytes().any(|b| b.is_ascii_digit()) {
            return None; // An explicit indentation indicator.
        }
        let body = &raw[header_len + 1..];
        let indent = body
            .split('\n')
            .map(|l| l.trim_end_matches('\r'))
            .find(|l| !l.trim().is_empty())
            .map_or(0, |l| l.len() - l.trim_start_matches(' ').len());
        let mut at = base + header_len + 1;
        let mut lines = body.split('\n').peekable();
        while let Some(line) = lines.next() {
            let content = line.strip_suffix('\r').unwrap_or(line);
            let skip = indent.min(content.len() - content.trim_start_matches(' ').len());
            for (i, c) in content[skip..].char_indices() {
                let from = at + skip + i;
                self.push(c, from, from + c.len_utf8());
            }
            if lines.peek().is_some() {
                // The line break, `\r\n` or `\n`, becomes one `\n`.
                self.push('\n', at + content.len(), at + line.len() + 1);
            }
            at += line.len() + 1;
        }
        let end = base + raw.len();
        // Clip or keep chomping adds line breaks after the last content line.
        let extra = cooked.strip_prefix(self.rebuilt.as_str())?;
        if !extra.bytes().all(|b| b == b'\n') {
            return None;
        }
        for _ in 0..extra.len() {
            self.push('\n', end, end);
        }
        self.spans.truncate(cooked.len());
        self.rebuilt.truncate(cooked.len());
        Some(end)
    }
}

impl ValueMap {
    /// The map of scalar `value` whose string is `cooked`, or `None` when offsets cannot map.
    pub fn new(text: &str, value: NodeRef<'_, '_>, cooked: &str) -> Option<Self> {
        if value.is_alias() {
            return None;
        }
        let style = value.style()?;
        let whole = value.range();
        let raw = whole.slice(text);
        let base = whole.start() as usize;
        let mut spans = Spans {
            spans: Vec::with_capacity(cooked.len()),
            rebuilt: String::with_capacity(cooked.len()),
        };
        let end = match style {
            ScalarStyle::Plain => {
                if raw != cooked {
                    return None;
                }
                for (i, c) in raw.char_indices() {
                    spans.push(c, base + i, base + i + c.len_utf8());
                }
                base + raw.len()
            }
            ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
                spans.quoted(raw, base, style == ScalarStyle::DoubleQuoted)?
            }
            ScalarStyle::Literal => spans.literal(raw, base, cooked)?,
            ScalarStyle::Folded => return None,
        };
        if spans.rebuilt != cooked {
            return None;
        }
        Some(Self {
            style,
            spans: spans.spans,
            end: end as u32,
            whole,
        })
    }

    /// The file range of `r`, a range of the value string.
    pub fn range(&self, r: &Range<usize>) -> TextRange {
        if r.start > r.end || r.end > self.spans.len() {
            return self.whole;
        }
        if r.start == r.end {
            let at = self.spans.get(r.start).map_or(self.end, |s| s.0);
            return TextRange::empty(at);
        }
        TextRange::new(self.spans[r.start].0, self.spans[r.end - 1].1)
    }

    /// An edit replacing `r` of the value string with `replacement`, written in place in the
    /// scalar's own style; `None` when the replacement cannot be written there as it is.
    pub fn edit(&self, r: &Range<usize>, replacement: &str) -> Option<Edit> {
        if r.start > r.end || r.end > self.spans.len() {
            return None;
        }
        let content = match self.style {
            ScalarStyle::Plain => {
                if !replacement
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/'))
                {
                    return None;
                }
                replacement.to_owned()
            }
            ScalarStyle::SingleQuoted => {
                if replacement.chars().any(char::is_control) {
                    return None;
                }
                replacement.replace('\'', "''")
            }
            ScalarStyle::DoubleQuoted => {
                if replacement.chars().any(char::is_control) {
                    return None;
                }
                replacement.replace('\\', "\\\\").replace('"', "\\\"")
            }
            ScalarStyle::Literal => {
                if replacement.contains(['\n', '\r']) {
                    return None;
                }
                replacement.to_owned()
            }
            ScalarStyle::Folded => return None,
        };
        Some(Edit::replace(self.range(r), content))
    }
}

/// The edit that makes the string of scalar `value` read as `old` with `r` (a range of `old`)
/// replaced by `replacement`: written in place in the scalar's own style when offsets map, else
/// by [`rewrite_scalar`]. The edit's range is widened to the whole scalar (its text outside the
/// change kept byte for byte), so that it collides with any other fix to the same value: two
/// fixes computed on the same string (a rename here, a merged key there) are then applied in
/// successive rounds, each on the other's result, never blindly together.
pub fn edit_inside(
    text: &str,
    value: NodeRef<'_, '_>,
    old: &str,
    r: &Range<usize>,
    replacement: &str,
) -> Option<Edit> {
    if merge_guarded_scalar(value) {
        return None;
    }
    let edit = ValueMap::new(text, value, old)
        .and_then(|m| m.edit(r, replacement))
        .or_else(|| {
            let mut new = old.to_owned();
            new.replace_range(r.clone(), replacement);
            rewrite_scalar(text, value, &new)
        })?;
    let whole = value.range();
    if edit.range.start() < whole.start() || edit.range.end() > whole.end() {
        return Some(edit);
    }
    let mut content = String::with_capacity(whole.len() as usize + edit.content.len());
    content.push_str(&text[whole.start() as usize..edit.range.start() as usize]);
    content.push_str(&edit.content);
    content.push_str(&text[edit.range.end() as usize..whole.end() as usize]);
    Some(Edit::replace(whole, content))
}

#[cfg(test)]
mod tests {
    use super::ValueMap;

    #[test]
    fn value_map_covers_escapes_and_literal_blocks() {
        let text = "a: \"x\\u00e9\\\"y\"\nb: |-\n  k: 1\n\n  z: 2\n";
        let docs = crate::yaml::parse(text);
        let doc = docs[0].as_ref().unwrap();
        let quoted = doc.root().unwrap().get("a").unwrap();
        let cooked = quoted.as_str().unwrap();
        assert_eq!(cooked, "xé\"y");
        let map = ValueMap::new(text, quoted, cooked).unwrap();
        assert_eq!(map.range(&(3..5)).slice(text), "\\\"y");
        let block = doc.root().unwrap().get("b").unwrap();
        let cooked = block.as_str().unwrap();
        let map = ValueMap::new(text, block, cooked).unwrap();
        let zed = cooked.find('z').unwrap();
        assert_eq!(map.range(&(zed..zed + 1)).slice(text), "z");
        assert_eq!(map.range(&(0..cooked.len())).slice(text), "k: 1\n\n  z: 2");
    }
}
