//! Helpers for rule unit tests: lint a text with one rule selected, find positions, apply a fix.

use crate::context::LintOptions;
use crate::diagnostic::Diagnostic;
use crate::rules::RuleSelector;
use crate::source::LineIndex;

/// Lints `text` (as `test.yaml`) with only `code` selected, default options.
pub fn lint(text: &str, code: &str) -> Vec<Diagnostic> {
    lint_with(text, code, &LintOptions::default())
}

/// Lints `text` with only `code` selected and the given options.
pub fn lint_with(text: &str, code: &str, options: &LintOptions) -> Vec<Diagnostic> {
    crate::lint_source(
        text,
        "test.yaml",
        options,
        &RuleSelector {
            select: vec![code.to_owned()],
            ignore: Vec::new(),
        },
    )
}

/// `(line, column)` (1-based, columns in characters) where `d` starts.
pub fn pos(text: &str, d: &Diagnostic) -> (u32, u32) {
    let lc = LineIndex::new(text).line_col(text, d.range.start());
    (lc.line, lc.column)
}

/// `(line, column)` where the `n`th (1-based) occurrence of `needle` starts.
pub fn at(text: &str, needle: &str, n: usize) -> (u32, u32) {
    let offset = text
        .match_indices(needle)
        .nth(n - 1)
        .map(|(i, _)| i)
        .expect("needle present");
    let lc = LineIndex::new(text).line_col(text, offset as u32);
    (lc.line, lc.column)
}

/// The text after applying `d`'s fix.
pub fn fixed(text: &str, d: &Diagnostic) -> String {
    let fix = d.fix.as_ref().expect("the diagnostic has a fix");
    crate::fix::apply_edits(text, &fix.edits).expect("the fix applies")
}

/// A Deployment `api` whose pod template has `annotations` (each line indented 8 spaces and
/// ending in a newline) and one container.
pub fn deployment(annotations: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    metadata:\n      annotations:\n{annotations}    spec:\n      containers:\n        - name: api\n          image: api:1\n"
    )
}

/// An IstioOperator `mesh` in `istio-system` whose `spec:` is `spec` (indented 2 spaces).
pub fn iop(spec: &str) -> String {
    format!(
        "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  name: mesh\n  namespace: istio-system\nspec:\n{spec}"
    )
}
