//! Source text: byte ranges, line index, decoding and file discovery.

mod line_index;
mod text;

pub use line_index::{LineCol, LineIndex};
pub use text::TextRange;
