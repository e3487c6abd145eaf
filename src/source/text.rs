//! Byte offsets and ranges into a file's original text.
//!
//! Every span meshlint keeps is a pair of `u32` byte offsets into the bytes as read from disk
//! (a UTF-8 BOM included), so that edits and positions never disagree. Lines and columns are
//! computed only at the edge, by [`crate::source::LineIndex`].

use std::fmt;
use std::ops::Range;

/// A half-open byte range `start..end` into a file's text.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct TextRange {
    start: u32,
    end: u32,
}

impl TextRange {
    /// A range from `start` to `end`. A reversed range is a bug in the caller: debug builds
    /// (and so every test) panic on it; a release build, which must never panic on any input,
    /// makes it the empty range at `start`.
    pub fn new(start: u32, end: u32) -> Self {
        debug_assert!(start <= end, "reversed range {start}..{end}");
        Self {
            start,
            end: end.max(start),
        }
    }

    /// A zero-width range at `offset` (an insertion point).
    pub fn empty(offset: u32) -> Self {
        Self {
            start: offset,
            end: offset,
        }
    }

    /// Builds a range from `usize` offsets.
    pub fn from_usize(start: usize, end: usize) -> Self {
        Self::new(start as u32, end as u32)
    }

    pub fn start(self) -> u32 {
        self.start
    }

    pub fn end(self) -> u32 {
        self.end
    }

    pub fn len(self) -> u32 {
        self.end - self.start
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The range as `usize` indices, for slicing.
    pub fn as_range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    /// Whether `self` and `other` share at least one byte, or one is an insertion strictly
    /// inside the other.
    pub fn overlaps(self, other: TextRange) -> bool {
        self.start < other.end && other.start < self.end
            || (self.is_empty() && other.start < self.start && self.start < other.end)
            || (other.is_empty() && self.start < other.start && other.start < self.end)
    }

    /// A sub-range of `self`, given relative to its start.
    pub fn sub(self, rel_start: usize, rel_end: usize) -> Self {
        Self::new(self.start + rel_start as u32, self.start + rel_end as u32)
    }

    /// The slice of `text` this range covers.
    pub fn slice(self, text: &str) -> &str {
        &text[self.as_range()]
    }
}

impl fmt::Debug for TextRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlap_rules() {
        let a = TextRange::new(2, 5);
        assert!(a.overlaps(TextRange::new(4, 8)));
        assert!(!a.overlaps(TextRange::new(5, 8)));
        assert!(a.overlaps(TextRange::empty(3)));
        assert!(!a.overlaps(TextRange::empty(5)));
        assert!(!a.overlaps(TextRange::empty(2)));
        assert_eq!(a.sub(1, 2), TextRange::new(3, 4));
    }
}
