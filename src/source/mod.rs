//! Source text: byte ranges, line index, and file discovery.

mod discover;
mod line_index;
pub mod path;
mod read;
mod text;

pub use discover::{
    discover, discover_matching, is_manifest_name, Discovered, Input, MissingPath, WalkProblem,
};
pub use line_index::{count_line_breaks, LineCol, LineColUtf16, LineIndex};
pub use path::{display_path, path_key};
pub use read::read_file;
pub use text::TextRange;
