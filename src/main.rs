//! The `meshlint` command line (filled in by the CLI work).
#![forbid(unsafe_code)]
fn main() {}
