//! The rule registry: one line per code.

use crate::diagnostic::RuleMeta;

/// Every rule meshlint knows, in code order.
pub fn all() -> &'static [&'static RuleMeta] {
    &[]
}
