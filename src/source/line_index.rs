//! Byte offset ↔ line/column conversion.
//!
//! Lines and columns are 1-based; columns count Unicode scalar values (or UTF-16 code units for
//! SARIF). A UTF-8 BOM counts in byte offsets but not in line 1's columns. Line breaks are
//! YAML's: `\n`, `\r\n` and a lone `\r` (classic Mac files) each end a line.

/// Whether the `\n` or `\r` at `at` ends a line: a `\r` of a `\r\n` does not (its `\n` does).
fn is_break(bytes: &[u8], at: usize) -> bool {
    bytes[at] == b'\n' || bytes.get(at + 1) != Some(&b'\n')
}

/// The number of line breaks in `bytes[from..to]` (`\n`, `\r\n` or a lone `\r`); a `\r` at the
/// end of the range counts only if no `\n` follows it.
pub fn count_line_breaks(bytes: &[u8], from: usize, to: usize) -> usize {
    let to = to.min(bytes.len());
    let from = from.min(to);
    let range = &bytes[from..to];
    // Every `\n` is a break; a `\r` only when alone, and most files have none.
    let feeds = memchr::memchr_iter(b'\n', range).count();
    if memchr::memchr(b'\r', range).is_none() {
        return feeds;
    }
    feeds
        + memchr::memchr_iter(b'\r', range)
            .filter(|&at| is_break(bytes, from + at))
            .count()
}

/// 1-based line and column, columns in Unicode scalar values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

/// 1-based line and column, columns in UTF-16 code units (SARIF's default): a distinct type,
/// so that the two kinds of column cannot be mixed up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineColUtf16 {
    pub line: u32,
    pub column: u32,
}

/// Line starts of one file's text.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<u32>,
    bom: bool,
    ascii: bool,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut line_starts = Vec::with_capacity(text.len() / 32 + 1);
        line_starts.push(0);
        let bytes = text.as_bytes();
        for pos in memchr::memchr2_iter(b'\n', b'\r', bytes) {
            if is_break(bytes, pos) {
                line_starts.push(pos as u32 + 1);
            }
        }
        Self {
            line_starts,
            bom: text.starts_with('\u{feff}'),
            ascii: text.is_ascii(),
        }
    }

    /// The 0-based line containing `offset`.
    fn line_of(&self, offset: u32) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    /// The byte offset where 0-based `line` starts (after the BOM on line 0).
    fn content_start(&self, line: usize) -> u32 {
        let start = self.line_starts[line];
        if line == 0 && self.bom {
            start + 3
        } else {
            start
        }
    }

    /// Line and column (Unicode scalar values) of a byte offset.
    pub fn line_col(&self, text: &str, offset: u32) -> LineCol {
        let offset = offset.min(text.len() as u32);
        let line = self.line_of(offset);
        let start = self.content_start(line).min(offset);
        let column = if self.ascii {
            offset - start
        } else {
            text[start as usize..offset as usize].chars().count() as u32
        };
        LineCol {
            line: line as u32 + 1,
            column: column + 1,
        }
    }

    /// Line and column in UTF-16 code units, as SARIF counts them by default.
    pub fn line_col_utf16(&self, text: &str, offset: u32) -> LineColUtf16 {
        let offset = offset.min(text.len() as u32);
        let line = self.line_of(offset);
        let start = self.content_start(line).min(offset);
        // ASCII text: one code unit per byte, so thousands of findings on one long line do not
        // each count the line again.
        let column: usize = if self.ascii {
            (offset - start) as usize
        } else {
            text[start as usize..offset as usize]
                .chars()
                .map(char::len_utf16)
                .sum()
        };
        LineColUtf16 {
            line: line as u32 + 1,
            column: column as u32 + 1,
        }
    }

    /// The byte range of 1-based `line`, without its line ending.
    pub fn line_range(&self, text: &str, line: u32) -> std::ops::Range<usize> {
        let i = (line as usize)
            .saturating_sub(1)
            .min(self.line_starts.len() - 1);
        let start = self.line_starts[i] as usize;
        let mut end = self
            .line_starts
            .get(i + 1)
            .map_or(text.len(), |&s| s as usize);
        let bytes = text.as_bytes();
        if end > start && bytes[end - 1] == b'\n' {
            end -= 1;
        }
        if end > start && bytes[end - 1] == b'\r' {
            end -= 1;
        }
        start..end
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_and_multibyte_columns() {
        let text = "a: 1\nb: é x\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(text, 0), LineCol { line: 1, column: 1 });
        assert_eq!(idx.line_col(text, 5), LineCol { line: 2, column: 1 });
        // `x` is at byte 11 (é is two bytes) but column 6.
        assert_eq!(idx.line_col(text, 11), LineCol { line: 2, column: 6 });
    }

    #[test]
    fn bom_counts_in_offsets_not_columns() {
        let text = "\u{feff}kind: Pod\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(text, 3), LineCol { line: 1, column: 1 });
        assert_eq!(idx.line_col(text, 9), LineCol { line: 1, column: 7 });
    }

    #[test]
    fn utf16_columns_count_surrogate_pairs() {
        let text = "x: \"😀\" y\n";
        let idx = LineIndex::new(text);
        let y = text.find('y').unwrap() as u32;
        assert_eq!(idx.line_col(text, y).column, 8);
        assert_eq!(idx.line_col_utf16(text, y).column, 9);
    }

    #[test]
    fn a_lone_cr_ends_a_line() {
        let text = "a: 1\rbb: 2\r\ncc: 3\n\rd";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_count(), 5);
        assert_eq!(idx.line_col(text, 5), LineCol { line: 2, column: 1 });
        assert_eq!(idx.line_col(text, 9), LineCol { line: 2, column: 5 });
        assert_eq!(idx.line_col(text, 12), LineCol { line: 3, column: 1 });
        assert_eq!(idx.line_col(text, 19), LineCol { line: 5, column: 1 });
        assert_eq!(&text[idx.line_range(text, 1)], "a: 1");
        assert_eq!(&text[idx.line_range(text, 2)], "bb: 2");
        assert_eq!(&text[idx.line_range(text, 4)], "");
        let b = text.as_bytes();
        assert_eq!(count_line_breaks(b, 0, b.len()), 4);
        // The `\r` of a `\r\n` cut at the range's end is not a break of its own.
        assert_eq!(count_line_breaks(b, 0, 11), 1);
        assert_eq!(count_line_breaks(b, 0, 12), 2);
    }

    #[test]
    fn crlf_line_range() {
        let text = "a\r\nbb\r\n";
        let idx = LineIndex::new(text);
        assert_eq!(&text[idx.line_range(text, 2)], "bb");
        assert_eq!(idx.line_col(text, 3), LineCol { line: 2, column: 1 });
    }
}
