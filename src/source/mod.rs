//! Source text: byte ranges, line index, and file discovery.

mod discover;
mod line_index;
mod text;

pub use discover::{
    discover, discover_matching, is_manifest_name, Discovered, Input, MissingPath, WalkProblem,
};
pub use line_index::{count_line_breaks, LineCol, LineColUtf16, LineIndex};
pub use text::TextRange;
