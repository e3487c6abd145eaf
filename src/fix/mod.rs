//! Applying fixes: edits, verification, the fixpoint loop, diffs and atomic writes.
