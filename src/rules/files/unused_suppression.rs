//! MESH903 unused-suppression: a suppression that suppresses nothing.
//!
//! The engine finds these itself, after every rule ran (see `crate::config::suppression`); this
//! file holds the rule's metadata and the edits of its fix: remove the whole suppression when
//! none of it is used, else just the unused code.

use crate::diagnostic::{Edit, FixAvailability, RuleMeta, Severity};
use crate::source::TextRange;
use crate::yaml::edit::{line_end, line_start, past_line_break};

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH903",
    name: "unused-suppression",
    severity: Severity::Info,
    fix: FixAvailability::Safe,
    summary: "A suppression comment or annotation suppresses nothing",
    page: include_str!("../../../rules/MESH903-unused-suppression.md"),
};

/// Removes the comment at `comment`: the whole line when the comment stands alone on it, else
/// the comment and the blanks before it.
pub fn remove_comment(text: &str, comment: TextRange) -> Edit {
    let b = text.as_bytes();
    let start = comment.start() as usize;
    let ls = line_start(text, start);
    let le = line_end(text, start);
    if text[ls..start].trim().is_empty() {
        let end = past_line_break(text, le);
        if end > le {
            return Edit::delete(TextRange::from_usize(ls, end));
        }
        // The last line, without a final newline: take the line break before it instead.
        let mut s = ls;
        if s > 0 && matches!(b[s - 1], b'\n' | b'\r') {
            s -= 1;
            if b[s] == b'\n' && s > 0 && b[s - 1] == b'\r' {
                s -= 1;
            }
        }
        return Edit::delete(TextRange::from_usize(s, le));
    }
    let mut s = start;
    while s > ls && matches!(b[s - 1], b' ' | b'\t') {
        s -= 1;
    }
    Edit::delete(TextRange::from_usize(s, le))
}

/// Removes item `i` of a comma-separated list whose items sit at `items` (trimmed ranges),
/// with one comma and the blanks around it.
pub fn remove_list_item(items: &[TextRange], i: usize) -> Edit {
    let item = items[i];
    if i + 1 < items.len() {
        Edit::delete(TextRange::new(item.start(), items[i + 1].start()))
    } else if i > 0 {
        Edit::delete(TextRange::new(items[i - 1].end(), item.end()))
    } else {
        Edit::delete(item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::apply_edits;

    fn range_of(text: &str, needle: &str) -> TextRange {
        let s = text.find(needle).unwrap();
        TextRange::from_usize(s, s + needle.len())
    }

    #[test]
    fn a_comment_alone_on_its_line_goes_with_the_line() {
        let text = "a:\n  # meshlint: ignore\n  b: 1\n";
        let e = remove_comment(text, range_of(text, "# meshlint: ignore"));
        assert_eq!(apply_edits(text, &[e]).unwrap(), "a:\n  b: 1\n");
        let crlf = "a:\r\n  # meshlint: ignore\r\n  b: 1\r\n";
        let e = remove_comment(crlf, range_of(crlf, "# meshlint: ignore"));
        assert_eq!(apply_edits(crlf, &[e]).unwrap(), "a:\r\n  b: 1\r\n");
        let last = "a: 1\n# meshlint: ignore";
        let e = remove_comment(last, range_of(last, "# meshlint: ignore"));
        assert_eq!(apply_edits(last, &[e]).unwrap(), "a: 1");
        let cr = "a:\r  # meshlint: ignore\r  b: 1\r";
        let e = remove_comment(cr, range_of(cr, "# meshlint: ignore"));
        assert_eq!(apply_edits(cr, &[e]).unwrap(), "a:\r  b: 1\r");
        let last = "a: 1\r\n# meshlint: ignore";
        let e = remove_comment(last, range_of(last, "# meshlint: ignore"));
        assert_eq!(apply_edits(last, &[e]).unwrap(), "a: 1");
    }

    #[test]
    fn a_trailing_comment_goes_alone() {
        let text = "a: 1   # meshlint: ignore[MESH101]\nb: 2\n";
        let e = remove_comment(text, range_of(text, "# meshlint: ignore[MESH101]"));
        assert_eq!(apply_edits(text, &[e]).unwrap(), "a: 1\nb: 2\n");
    }

    #[test]
    fn list_items() {
        let text = "[A, B,C]";
        let items = [
            range_of(text, "A"),
            range_of(text, "B"),
            range_of(text, "C"),
        ];
        let fix = |i| apply_edits(text, &[remove_list_item(&items, i)]).unwrap();
        assert_eq!(fix(0), "[B,C]");
        assert_eq!(fix(1), "[A, C]");
        assert_eq!(fix(2), "[A, B]");
    }
}
