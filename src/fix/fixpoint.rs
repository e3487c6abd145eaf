//! The fixpoint loop: apply fixes, verify, repeat.
//!
//! [`fix_text`] knows nothing about YAML or rules. The caller hands it a lint closure that parses
//! and lints one whole file's text; each round the loop lints the current text, applies the
//! non-colliding fixes allowed by [`FixOptions`], lints the result and keeps it only if the file
//! still parses and no new error-severity diagnostic appeared. Errors are compared as a multiset
//! of `(code, message)` pairs, since positions shift under edits.
//!
//! When a round fails verification it is rolled back and its fixes are retried one at a time,
//! each on top of the ones already proven good, so one bad fix does not block the others. A fix
//! that fails is recorded as rejected, with the reason, and never offered again: it is identified
//! by its code, messages and edited text (the replaced text and the replacement), not by its
//! position. The loop ends when no fix is left to apply or after [`FixOptions::max_rounds`]
//! rounds.
//!
//! If the original text does not parse, the loop still applies fixes (a rule may repair what the
//! parser trips on) but can only check them for new errors.

use super::apply::apply_fixes;
use crate::diagnostic::{Applicability, Diagnostic, Fix, Severity};
use crate::source::TextRange;
use std::borrow::Cow;
use std::collections::HashSet;

/// The default and documented cap on fix rounds per file.
pub const MAX_ROUNDS: usize = 10;

/// What the lint closure reports for one text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LintResult {
    /// `false` when the text does not parse.
    pub parsed: bool,
    pub diagnostics: Vec<Diagnostic>,
}

/// Which fixes to apply and how long to try.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixOptions {
    /// Apply [`Applicability::Unsafe`] fixes too (`--unsafe-fixes`).
    pub unsafe_fixes: bool,
    /// At most this many rounds (lint, apply, verify); [`MAX_ROUNDS`] by default.
    pub max_rounds: usize,
}

impl Default for FixOptions {
    fn default() -> Self {
        Self {
            unsafe_fixes: false,
            max_rounds: MAX_ROUNDS,
        }
    }
}

/// A fix that was applied and kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppliedFix {
    pub code: &'static str,
    pub name: &'static str,
    /// The diagnostic's message.
    pub message: String,
    /// The fix's title ("quote the value").
    pub fix_message: String,
    pub applicability: Applicability,
    /// The 1-based round that applied it.
    pub round: usize,
    /// The diagnostic's range in the text of that round (the original text in round 1).
    pub range: TextRange,
    /// The same range in the original text; `None` when it lies inside text that an earlier
    /// round's fix wrote.
    pub original_range: Option<TextRange>,
}

/// A fix that was tried, failed verification and was left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RejectedFix {
    pub code: &'static str,
    pub name: &'static str,
    /// The diagnostic's message.
    pub message: String,
    /// The fix's title.
    pub fix_message: String,
    pub applicability: Applicability,
    /// The 1-based round that tried it.
    pub round: usize,
    /// The diagnostic's range in the text of that round.
    pub range: TextRange,
    /// The same range in the original text, when it maps back (see [`AppliedFix`]).
    pub original_range: Option<TextRange>,
    /// Why it was left out: "it would make the file unparsable", "it would introduce MESH302:
    /// …", or that its edits do not fit the text.
    pub reason: String,
}

/// The result of [`fix_text`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixOutcome {
    /// The fixed text (the original when nothing applied).
    pub text: String,
    /// Fixes kept, in the order applied.
    pub applied: Vec<AppliedFix>,
    /// Fixes rejected, in the order tried.
    pub rejected: Vec<RejectedFix>,
    /// Rounds run (each round that tried at least one fix).
    pub rounds: usize,
    /// The loop stopped at `max_rounds` with fixes still to apply.
    pub hit_limit: bool,
    /// `text` differs from the original.
    pub changed: bool,
    /// The lint of `text`, so the caller need not lint it again to report what remains.
    pub lint: LintResult,
}

/// Fixes `original` to a fixpoint; see the module docs.
pub fn fix_text(
    original: &str,
    lint: &dyn Fn(&str) -> LintResult,
    opts: &FixOptions,
) -> FixOutcome {
    let mut text = original.to_owned();
    let mut current = lint(&text);
    let mut rejected_keys: HashSet<FixKey> = HashSet::new();
    let mut history: Vec<Vec<EditShift>> = Vec::new();
    let mut applied = Vec::new();
    let mut rejected = Vec::new();
    let mut rounds = 0;
    let mut hit_limit = false;

    loop {
        let candidates = candidates(&text, &current, opts, &rejected_keys, &history);
        if candidates.is_empty() {
            break;
        }
        if rounds == opts.max_rounds {
            hit_limit = true;
            break;
        }
        rounds += 1;
        let round = run_round(&text, &current, &candidates, lint);

        let record = |diag: &Diagnostic, fix: &Fix| AppliedFix {
            code: diag.code,
            name: diag.name,
            message: diag.message.clone(),
            fix_message: fix.message.clone(),
            applicability: fix.applicability,
            round: rounds,
            range: diag.range,
            original_range: map_to_original(diag.range, &history),
        };
        for &i in &round.accepted {
            let (diag, fix) = candidates[i];
            applied.push(record(diag, fix));
        }
        for (i, reason) in round.rejected {
            let (diag, fix) = candidates[i];
            rejected_keys.insert(FixKey::new(&text, diag, fix, &history));
            let AppliedFix {
                code,
                name,
                message,
                fix_message,
                applicability,
                round,
                range,
                original_range,
            } = record(diag, fix);
            rejected.push(RejectedFix {
                code,
                name,
                message,
                fix_message,
                applicability,
                round,
                range,
                original_range,
                reason,
            });
        }
        let shifts = edit_shifts(round.accepted.iter().map(|&i| candidates[i].1));
        drop(candidates);

        if let Some((new_text, new_lint)) = round.result {
            if new_text == text {
                // The fixes cancelled out; another round would offer them again.
                break;
            }
            history.push(shifts);
            text = new_text;
            current = new_lint;
        }
    }

    FixOutcome {
        changed: text != original,
        text,
        applied,
        rejected,
        rounds,
        hit_limit,
        lint: current,
    }
}

/// What one round decided, as indices into its candidates.
struct Round {
    accepted: Vec<usize>,
    rejected: Vec<(usize, String)>,
    /// The new text and its lint, when some fix was kept.
    result: Option<(String, LintResult)>,
}

fn run_round(
    text: &str,
    before: &LintResult,
    candidates: &[(&Diagnostic, &Fix)],
    lint: &dyn Fn(&str) -> LintResult,
) -> Round {
    let fixes: Vec<&Fix> = candidates.iter().map(|(_, fix)| *fix).collect();
    let attempt = apply_fixes(text, &fixes);
    let mut rejected: Vec<(usize, String)> = attempt
        .invalid
        .iter()
        .map(|&i| (i, DO_NOT_FIT.to_owned()))
        .collect();
    if attempt.applied.is_empty() {
        return Round {
            accepted: Vec::new(),
            rejected,
            result: None,
        };
    }

    let after = lint(&attempt.text);
    let shifts = edit_shifts(attempt.applied.iter().map(|&i| candidates[i].1));
    let failure = match verdict(before, &after, &shifts) {
        Ok(()) => {
            return Round {
                accepted: attempt.applied,
                rejected,
                result: Some((attempt.text, after)),
            }
        }
        Err(reason) => reason,
    };
    if let [only] = attempt.applied[..] {
        rejected.push((only, failure));
        return Round {
            accepted: Vec::new(),
            rejected,
            result: None,
        };
    }

    // Roll back, then add the round's fixes one at a time on top of those proven good. Every
    // trial is checked against the round's starting text, so a new error is blamed on the fix
    // whose addition made it appear.
    let mut accepted: Vec<usize> = Vec::new();
    let mut result = None;
    for &candidate in &attempt.applied {
        let trial: Vec<&Fix> = accepted
            .iter()
            .chain([&candidate])
            .map(|&i| candidates[i].1)
            .collect();
        let tried = apply_fixes(text, &trial);
        debug_assert!(tried.skipped.is_empty() && tried.invalid.is_empty());
        let linted = lint(&tried.text);
        match verdict(before, &linted, &edit_shifts(trial.iter().copied())) {
            Ok(()) => {
                accepted.push(candidate);
                result = Some((tried.text, linted));
            }
            Err(reason) => {
                // Bad only together with fixes already kept (two edits of one mapping that
                // each make sense alone): leave it for the next round, which sees their result
                // and offers it again if it still applies. Bad alone: rejected.
                let alone = accepted.is_empty()
                    || check_alone(text, before, candidates[candidate].1, lint).is_err();
                if alone {
                    rejected.push((candidate, reason));
                }
            }
        }
    }
    Round {
        accepted,
        rejected,
        result,
    }
}

const DO_NOT_FIT: &str = "its edits do not fit the text (out of range or overlapping)";

/// Whether `fix`, applied alone to `text` (whose lint is `before`), passes the checks a round of
/// [`fix_text`] makes: its edits fit the text, and the result still parses (if `text` did) and
/// has no new error-severity finding. `Err` says why not, in the words [`RejectedFix::reason`]
/// uses. Lints once (unless the edits do not fit).
///
/// This is what a report offers a fix on: a fix that fails here would be rejected by `--fix`.
pub fn check_alone(
    text: &str,
    before: &LintResult,
    fix: &Fix,
    lint: &dyn Fn(&str) -> LintResult,
) -> Result<(), String> {
    let tried = apply_fixes(text, &[fix]);
    if tried.applied.is_empty() {
        return Err(DO_NOT_FIT.to_owned());
    }
    verdict(before, &lint(&tried.text), &edit_shifts([fix].into_iter()))
}

/// At most this many fixes per file are checked one by one by [`applicable`]; the rest of a
/// batch that failed count as not applicable.
pub const MAX_ALONE_CHECKS: usize = 64;

/// Which of `fixes` would apply to `text` (whose lint is `before`): each checked alone
/// ([`check_alone`], one lint per fix) when there are at most [`MAX_ALONE_CHECKS`]. More (a file
/// can have 95,000) are checked as a round of [`fix_text`] checks them: those that fit together
/// are applied as one batch and all apply when it passes verification; those that collide form
/// the next batch (up to [`MAX_ROUNDS`] batches); in a batch that fails each fix is checked
/// alone, up to [`MAX_ALONE_CHECKS`] in all. A fix not checked counts as not applicable, so
/// that no fix is offered unverified.
pub fn applicable(
    text: &str,
    before: &LintResult,
    fixes: &[&Fix],
    lint: &dyn Fn(&str) -> LintResult,
) -> Vec<bool> {
    if fixes.len() <= MAX_ALONE_CHECKS {
        return fixes
            .iter()
            .map(|fix| check_alone(text, before, fix, lint).is_ok())
            .collect();
    }
    let mut ok = vec![false; fixes.len()];
    let mut pending: Vec<usize> = (0..fixes.len()).collect();
    let mut alone_checks = 0;
    // As many batches as `fix_text` has rounds: fixes still colliding after that count as not
    // applicable.
    for _ in 0..MAX_ROUNDS {
        if pending.is_empty() {
            break;
        }
        let batch: Vec<&Fix> = pending.iter().map(|&i| fixes[i]).collect();
        let attempt = apply_fixes(text, &batch);
        if attempt.applied.is_empty() {
            break; // Only fixes that do not fit are left.
        }
        let applied: Vec<usize> = attempt.applied.iter().map(|&j| pending[j]).collect();
        let shifts = edit_shifts(attempt.applied.iter().map(|&j| batch[j]));
        if verdict(before, &lint(&attempt.text), &shifts).is_ok() {
            for &i in &applied {
                ok[i] = true;
            }
        } else if applied.len() == 1 {
            // The batch was this fix alone.
            alone_checks += 1;
        } else {
            for &i in &applied {
                if alone_checks == MAX_ALONE_CHECKS {
                    break;
                }
                alone_checks += 1;
                ok[i] = check_alone(text, before, fixes[i], lint).is_ok();
            }
        }
        pending = attempt.skipped.iter().map(|&j| pending[j]).collect();
    }
    ok
}

/// The fixes to try on `text`: allowed by the options, not known to fail, not no-ops.
fn candidates<'a>(
    text: &str,
    lint: &'a LintResult,
    opts: &FixOptions,
    rejected: &HashSet<FixKey>,
    history: &[Vec<EditShift>],
) -> Vec<(&'a Diagnostic, &'a Fix)> {
    lint.diagnostics
        .iter()
        .filter_map(|diag| Some((diag, diag.fix.as_ref()?)))
        .filter(|(_, fix)| match fix.applicability {
            Applicability::Safe => true,
            Applicability::Unsafe => opts.unsafe_fixes,
        })
        .filter(|(_, fix)| !is_noop(text, fix))
        .filter(|(diag, fix)| {
            rejected.is_empty() || !rejected.contains(&FixKey::new(text, diag, fix, history))
        })
        .collect()
}

/// Whether every edit of `fix` replaces text with itself (the problem is already fixed).
fn is_noop(text: &str, fix: &Fix) -> bool {
    !fix.edits.is_empty()
        && fix
            .edits
            .iter()
            .all(|edit| text.get(edit.range.as_range()) == Some(edit.content.as_str()))
}

/// `Ok` when `after` keeps what `before` promised: still parses (if it did) and has no
/// error-severity finding that `before` did not have. An error of `after` is an old one when
/// `before` has an error of the same code at the place it maps back to through the applied
/// edits (`shifts`) — its message may have changed with its context (a duplicate key's line, a
/// sibling key's value) — or, failing that, one with the same code and message (line numbers
/// masked).
fn verdict(before: &LintResult, after: &LintResult, shifts: &[EditShift]) -> Result<(), String> {
    if before.parsed && !after.parsed {
        return Err("it would make the file unparsable".to_owned());
    }
    let mut old: Vec<Option<&Diagnostic>> = before
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(Some)
        .collect();
    let mut unmatched = Vec::new();
    for diag in after
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
    {
        let back = map_back(diag.range.start(), shifts, Bias::Start)
            .zip(map_back(diag.range.end(), shifts, Bias::End))
            .map(|(s, e)| TextRange::new(s, e.max(s)));
        let at = back.and_then(|r| {
            old.iter()
                .position(|o| o.is_some_and(|o| o.code == diag.code && o.range == r))
        });
        match at {
            Some(i) => old[i] = None,
            None => unmatched.push(diag),
        }
    }
    let mut new = unmatched.into_iter().filter(|d| {
        let message = normalized(&d.message);
        match old
            .iter()
            .position(|o| o.is_some_and(|o| o.code == d.code && normalized(&o.message) == message))
        {
            Some(i) => {
                old[i] = None;
                false
            }
            None => true,
        }
    });
    let Some(first) = new.next() else {
        return Ok(());
    };
    let more = new.count();
    let reason = format!("it would introduce {}: {}", first.code, first.message);
    Err(match more {
        0 => reason,
        1 => format!("{reason} (and 1 more new error)"),
        _ => format!("{reason} (and {more} more new errors)"),
    })
}

/// A message with the line numbers it names (`first on line 12`) masked: an edit above shifts
/// them without changing what the finding is.
fn normalized(message: &str) -> Cow<'_, str> {
    if !message.contains("line") {
        return Cow::Borrowed(message);
    }
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find("line") {
        if rest[..i].ends_with(|c: char| c.is_alphanumeric()) {
            out.push_str(&rest[..i + 4]);
            rest = &rest[i + 4..];
            continue;
        }
        let after = &rest[i + 4..];
        let after = after.strip_prefix('s').unwrap_or(after);
        let digits_at = after.len() - after.trim_start_matches(' ').len();
        let digits = after[digits_at..]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        let head = rest.len() - after.len();
        out.push_str(&rest[..head]);
        if digits_at > 0 && digits > 0 {
            out.push_str(&after[..digits_at]);
            out.push('#');
            rest = &after[digits_at + digits..];
        } else {
            rest = after;
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// A fix's identity across rounds. Where its finding maps back to the original text, the
/// place, code and fix title name it: the edited text may change as other fixes land around it
/// (the mapping it appends to grows), and a fix that failed on its own is not worth another
/// lint for each variant. A finding inside text an earlier round wrote has no such place: its
/// edited text (the replaced text and the replacement) names it instead.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct FixKey {
    code: &'static str,
    message: String,
    fix_message: String,
    original: Option<TextRange>,
    /// `(replaced text, replacement)` per edit, when `original` is `None`.
    edits: Vec<(String, String)>,
}

impl FixKey {
    fn new(text: &str, diag: &Diagnostic, fix: &Fix, history: &[Vec<EditShift>]) -> Self {
        let original = map_to_original(diag.range, history);
        Self {
            original,
            code: diag.code,
            message: normalized(&diag.message).into_owned(),
            fix_message: fix.message.clone(),
            edits: if original.is_some() {
                Vec::new()
            } else {
                fix.edits
                    .iter()
                    .map(|edit| {
                        let old = text.get(edit.range.as_range()).unwrap_or_default();
                        (old.to_owned(), edit.content.clone())
                    })
                    .collect()
            },
        }
    }
}

/// One applied edit, to map offsets of a round's output back to its input.
#[derive(Clone, Copy, Debug)]
struct EditShift {
    old: TextRange,
    new_len: u32,
}

fn edit_shifts<'a>(fixes: impl Iterator<Item = &'a Fix>) -> Vec<EditShift> {
    let mut shifts: Vec<EditShift> = fixes
        .flat_map(|fix| &fix.edits)
        .map(|edit| EditShift {
            old: edit.range,
            new_len: edit.content.len() as u32,
        })
        .collect();
    shifts.sort_by_key(|shift| (shift.old.start(), shift.old.end()));
    shifts
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Bias {
    Start,
    End,
}

/// Maps `range` in the text after `history.len()` rounds back to the original text.
fn map_to_original(range: TextRange, history: &[Vec<EditShift>]) -> Option<TextRange> {
    let mut start = range.start();
    let mut end = range.end();
    for shifts in history.iter().rev() {
        start = map_back(start, shifts, Bias::Start)?;
        end = map_back(end, shifts, Bias::End)?;
    }
    Some(TextRange::new(start, end))
}

/// Maps `offset` in a round's output to its input, `None` inside text an edit wrote. An offset
/// at an edit's edge maps to the edge of the replaced range on the side `bias` names.
fn map_back(offset: u32, shifts: &[EditShift], bias: Bias) -> Option<u32> {
    let offset = i64::from(offset);
    let mut delta: i64 = 0;
    for shift in shifts {
        let new_start = i64::from(shift.old.start()) + delta;
        let new_end = new_start + i64::from(shift.new_len);
        if offset < new_start {
            break;
        }
        if offset == new_start {
            let at_end = bias == Bias::End && shift.new_len == 0;
            return Some(if at_end {
                shift.old.end()
            } else {
                shift.old.start()
            });
        }
        if offset < new_end {
            return None;
        }
        if offset == new_end && bias == Bias::End {
            return Some(shift.old.end());
        }
        delta += i64::from(shift.new_len) - i64::from(shift.old.len());
    }
    u32::try_from(offset - delta).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Edit, FixAvailability, RuleMeta};

    const TRU: RuleMeta = RuleMeta {
        code: "TEST001",
        name: "tru",
        severity: Severity::Warning,
        fix: FixAvailability::Safe,
        summary: "",
        page: "",
    };
    const BOOM: RuleMeta = RuleMeta {
        code: "TEST002",
        name: "boom",
        severity: Severity::Error,
        fix: FixAvailability::None,
        summary: "",
        page: "",
    };
    const NEVER: RuleMeta = RuleMeta {
        code: "TEST003",
        name: "never",
        severity: Severity::Info,
        fix: FixAvailability::Safe,
        summary: "",
        page: "",
    };

    /// Byte ranges of the whitespace-separated words of `text` equal to `word`.
    fn words<'a>(text: &'a str, word: &'a str) -> impl Iterator<Item = TextRange> + 'a {
        let mut offset = 0;
        text.split_inclusive(char::is_whitespace)
            .filter_map(move |piece| {
                let start = offset;
                offset += piece.len();
                (piece.trim_end() == word).then(|| TextRange::from_usize(start, start + word.len()))
            })
    }

    /// "Parses" when braces balance; flags `tru` (safe fix: `true`), `yes` (unsafe fix: `true`),
    /// `bad` (safe fix that opens a brace), `worse` (safe fix to `BOOM`) and `BOOM` (an error).
    fn toy_lint(text: &str) -> LintResult {
        let parsed = text.matches('{').count() == text.matches('}').count();
        let mut diagnostics = Vec::new();
        for range in words(text, "tru") {
            let d = Diagnostic::new(&TRU, range, "`tru` is not a boolean");
            diagnostics.push(d.with_fix(Fix::safe("use `true`", [Edit::replace(range, "true")])));
        }
        for range in words(text, "yes") {
            let d = Diagnostic::new(&TRU, range, "`yes` is a YAML 1.1 boolean");
            diagnostics
                .push(d.with_fix(Fix::unsafe_("use `true`", [Edit::replace(range, "true")])));
        }
        for range in words(text, "bad") {
            let d = Diagnostic::new(&TRU, range, "`bad` is bad");
            diagnostics.push(d.with_fix(Fix::safe("brace it", [Edit::replace(range, "{bad")])));
        }
        for range in words(text, "worse") {
            let d = Diagnostic::new(&TRU, range, "`worse` is worse");
            diagnostics.push(d.with_fix(Fix::safe("boom", [Edit::replace(range, "BOOM")])));
        }
        for range in words(text, "BOOM") {
            diagnostics.push(Diagnostic::new(&BOOM, range, "`BOOM` exploded"));
        }
        LintResult {
            parsed,
            diagnostics,
        }
    }

    #[test]
    fn fixes_every_occurrence_and_converges() {
        let out = fix_text(
            "a: tru\nb: tru\nc: true\n",
            &toy_lint,
            &FixOptions::default(),
        );
        assert_eq!(out.text, "a: true\nb: true\nc: true\n");
        assert_eq!(out.applied.len(), 2);
        assert_eq!(out.applied[1].original_range, Some(TextRange::new(10, 13)));
        assert!(out.rejected.is_empty());
        assert_eq!(out.rounds, 1);
        assert!(!out.hit_limit && out.changed);
        assert!(out.lint.diagnostics.is_empty());
    }

    #[test]
    fn nothing_to_fix_runs_no_round() {
        let out = fix_text("a: true\n", &toy_lint, &FixOptions::default());
        assert_eq!(out.text, "a: true\n");
        assert_eq!((out.rounds, out.changed, out.hit_limit), (0, false, false));
    }

    #[test]
    fn unsafe_fixes_need_the_option() {
        let text = "a: yes\nb: tru\n";
        let out = fix_text(text, &toy_lint, &FixOptions::default());
        assert_eq!(out.text, "a: yes\nb: true\n");
        assert_eq!(out.lint.diagnostics.len(), 1);
        let opts = FixOptions {
            unsafe_fixes: true,
            ..FixOptions::default()
        };
        assert_eq!(fix_text(text, &toy_lint, &opts).text, "a: true\nb: true\n");
    }

    #[test]
    fn unparsable_fix_is_rolled_back_and_rejected_good_ones_kept() {
        let out = fix_text(
            "a: tru\nb: bad\nc: tru\n",
            &toy_lint,
            &FixOptions::default(),
        );
        assert_eq!(out.text, "a: true\nb: bad\nc: true\n");
        assert_eq!(out.applied.len(), 2);
        assert_eq!(out.rejected.len(), 1);
        let rejected = &out.rejected[0];
        assert_eq!(rejected.message, "`bad` is bad");
        assert_eq!(rejected.reason, "it would make the file unparsable");
        assert_eq!(rejected.original_range, Some(TextRange::new(10, 13)));
        // Rejected once, never retried: the loop stops after one round.
        assert_eq!(out.rounds, 1);
        assert!(!out.hit_limit);
    }

    #[test]
    fn a_lone_bad_fix_is_rejected_and_the_text_kept() {
        let lints = std::cell::Cell::new(0);
        let counting = |text: &str| {
            lints.set(lints.get() + 1);
            toy_lint(text)
        };
        let out = fix_text("x: bad\n", &counting, &FixOptions::default());
        assert_eq!(out.text, "x: bad\n");
        assert!(!out.changed);
        assert_eq!(out.rejected.len(), 1);
        assert_eq!(lints.get(), 2, "the original and the one failed attempt");
    }

    #[test]
    fn new_error_is_rejected_with_its_code_and_message() {
        let out = fix_text("a: worse\nb: tru\n", &toy_lint, &FixOptions::default());
        assert_eq!(out.text, "a: worse\nb: true\n");
        assert_eq!(out.rejected.len(), 1);
        assert_eq!(
            out.rejected[0].reason,
            "it would introduce TEST002: `BOOM` exploded"
        );
    }

    #[test]
    fn errors_already_present_are_not_new() {
        // One BOOM exists; a fix producing a second, identical one is still a new error.
        let out = fix_text("BOOM worse tru\n", &toy_lint, &FixOptions::default());
        assert_eq!(out.text, "BOOM worse true\n");
        assert_eq!(out.rejected.len(), 1);
        // An error the fix does not add does not block it.
        let out = fix_text("BOOM tru\n", &toy_lint, &FixOptions::default());
        assert_eq!(out.text, "BOOM true\n");
        assert!(out.rejected.is_empty());
    }

    #[test]
    fn never_converging_fix_hits_the_limit() {
        let grows = |text: &str| {
            let end = text.len() as u32;
            let d = Diagnostic::new(&NEVER, TextRange::empty(end), "needs more");
            LintResult {
                parsed: true,
                diagnostics: vec![d.with_fix(Fix::safe("add x", [Edit::insert(end, "x")]))],
            }
        };
        let out = fix_text("", &grows, &FixOptions::default());
        assert_eq!(out.text, "x".repeat(10));
        assert_eq!(out.rounds, 10);
        assert!(out.hit_limit);
        assert_eq!(out.applied.len(), 10);
        // The last diagnostic sits at the edge of text earlier rounds wrote: it maps back to
        // the end of the original.
        assert_eq!(out.applied[9].original_range, Some(TextRange::empty(0)));
    }

    #[test]
    fn overlapping_fixes_are_retried_next_round() {
        // Two fixes for one span: the second is skipped in round 1; in round 2 the text changed
        // and the rule no longer offers it.
        let two = |text: &str| {
            let mut diagnostics = Vec::new();
            for range in words(text, "tru") {
                let d = Diagnostic::new(&TRU, range, "`tru`");
                diagnostics.push(
                    d.clone()
                        .with_fix(Fix::safe("a", [Edit::replace(range, "true")])),
                );
                diagnostics.push(d.with_fix(Fix::safe("b", [Edit::replace(range, "TRUE")])));
            }
            LintResult {
                parsed: true,
                diagnostics,
            }
        };
        let out = fix_text("tru tru\n", &two, &FixOptions::default());
        assert_eq!(out.text, "true true\n");
        assert_eq!(out.rounds, 1);
    }

    #[test]
    fn rounds_chain_and_ranges_map_back() {
        // Round 1 turns `aa` into `tru`; round 2 fixes `tru`.
        let chain = |text: &str| {
            let mut result = toy_lint(text);
            for range in words(text, "aa") {
                let d = Diagnostic::new(&TRU, range, "`aa`");
                result
                    .diagnostics
                    .push(d.with_fix(Fix::safe("a", [Edit::replace(range, "tru")])));
            }
            result
        };
        let out = fix_text("xx aa tru\n", &chain, &FixOptions::default());
        assert_eq!(out.text, "xx true true\n");
        assert_eq!(out.rounds, 2);
        let second: Vec<_> = out.applied.iter().filter(|a| a.round == 2).collect();
        assert_eq!(second.len(), 1);
        // The word round 1 wrote maps back to the span it replaced.
        assert_eq!(second[0].range, TextRange::new(3, 6));
        assert_eq!(second[0].original_range, Some(TextRange::new(3, 5)));
        // Round 1 applied both `aa` and the original `tru` (offsets 6..9 in the original).
        let first: Vec<_> = out.applied.iter().filter(|a| a.round == 1).collect();
        assert_eq!(first.len(), 2);
        assert_eq!(first[1].original_range, Some(TextRange::new(6, 9)));
    }

    #[test]
    fn map_back_handles_edges_and_insertions() {
        // "0123456789": replace 2..4 with "abc", delete 6..7, insert "Z" at 9.
        let shifts = vec![
            EditShift {
                old: TextRange::new(2, 4),
                new_len: 3,
            },
            EditShift {
                old: TextRange::new(6, 7),
                new_len: 0,
            },
            EditShift {
                old: TextRange::empty(9),
                new_len: 1,
            },
        ];
        // New text: "01abc45789" -> with Z: "01abc4578Z9"
        assert_eq!(map_back(1, &shifts, Bias::Start), Some(1));
        assert_eq!(map_back(2, &shifts, Bias::Start), Some(2));
        assert_eq!(map_back(3, &shifts, Bias::Start), None);
        assert_eq!(map_back(5, &shifts, Bias::End), Some(4));
        assert_eq!(map_back(5, &shifts, Bias::Start), Some(4));
        assert_eq!(map_back(6, &shifts, Bias::Start), Some(5));
        assert_eq!(map_back(7, &shifts, Bias::Start), Some(6));
        assert_eq!(map_back(7, &shifts, Bias::End), Some(7));
        assert_eq!(map_back(8, &shifts, Bias::Start), Some(8));
        assert_eq!(map_back(9, &shifts, Bias::Start), Some(9));
        assert_eq!(map_back(10, &shifts, Bias::End), Some(9));
        assert_eq!(map_back(11, &shifts, Bias::Start), Some(10));
    }

    #[test]
    fn line_numbers_in_messages_do_not_make_errors_new() {
        assert_eq!(
            normalized("key `a` is repeated (first on line 12), see lines 3 and 4"),
            "key `a` is repeated (first on line #), see lines # and 4"
        );
        assert_eq!(
            normalized("no line here: pipeline 7"),
            "no line here: pipeline 7"
        );
        let before = LintResult {
            parsed: true,
            diagnostics: vec![Diagnostic::new(
                &BOOM,
                TextRange::empty(0),
                "dup (first on line 3)",
            )],
        };
        let after = LintResult {
            parsed: true,
            diagnostics: vec![Diagnostic::new(
                &BOOM,
                TextRange::empty(9),
                "dup (first on line 4)",
            )],
        };
        assert!(verdict(&before, &after, &[]).is_ok());
        // The same error at the same place is old even when its message changed.
        let changed = LintResult {
            parsed: true,
            diagnostics: vec![Diagnostic::new(&BOOM, TextRange::new(4, 6), "dup of x")],
        };
        let was = LintResult {
            parsed: true,
            diagnostics: vec![Diagnostic::new(&BOOM, TextRange::new(2, 4), "dup of y")],
        };
        let shift = [EditShift {
            old: TextRange::empty(0),
            new_len: 2,
        }];
        assert!(verdict(&was, &changed, &shift).is_ok());
        assert!(verdict(&was, &changed, &[]).is_err());
    }

    #[test]
    fn a_fix_bad_only_with_another_waits_for_the_next_round() {
        // `pair` has two fixes that each add one brace-free word, but together they form `}{`
        // ... modelled simply: the fixes for `l` and `r` are fine alone and unparsable together.
        let lint = |text: &str| {
            let parsed = !text.contains("LR");
            let mut diagnostics = Vec::new();
            for (word, to) in [("l", "L"), ("r", "R")] {
                for range in words(text, word) {
                    let d = Diagnostic::new(&TRU, range, format!("`{word}`"));
                    diagnostics.push(d.with_fix(Fix::safe("up", [Edit::replace(range, to)])));
                }
            }
            // Once `L` exists, `r` is fixed differently (as the next round would see it).
            if text.contains('L') {
                diagnostics.retain(|d| d.message != "`r`");
                for range in words(text, "r") {
                    let d = Diagnostic::new(&TRU, range, "`r` after L");
                    diagnostics.push(d.with_fix(Fix::safe("up", [Edit::replace(range, "r2")])));
                }
            }
            LintResult {
                parsed,
                diagnostics,
            }
        };
        // "l r" -> "L R" would not contain "LR"; use adjacency through deletion of the space.
        let lint2 = |text: &str| {
            let mut result = lint(text);
            result.parsed = !text.replace(' ', "").contains("LR");
            result
        };
        let out = fix_text("l r\n", &lint2, &FixOptions::default());
        assert!(out.rejected.is_empty(), "{:?}", out.rejected);
        assert_eq!(out.text, "L r2\n");
        assert_eq!(out.rounds, 2);
    }

    #[test]
    fn check_alone_is_the_loops_verdict_on_one_fix() {
        let text = "a: tru\nb: bad\nc: worse\nBOOM\n";
        let before = toy_lint(text);
        let verdicts: Vec<_> = before
            .diagnostics
            .iter()
            .filter_map(|d| d.fix.as_ref())
            .map(|f| check_alone(text, &before, f, &toy_lint))
            .collect();
        assert_eq!(
            verdicts,
            [
                Ok(()),
                Err("it would make the file unparsable".to_owned()),
                Err("it would introduce TEST002: `BOOM` exploded".to_owned()),
            ]
        );
        // The loop rejects exactly those.
        let out = fix_text(text, &toy_lint, &FixOptions::default());
        let reasons: Vec<_> = out.rejected.iter().map(|r| r.reason.clone()).collect();
        assert_eq!(
            reasons,
            [
                verdicts[1].clone().unwrap_err(),
                verdicts[2].clone().unwrap_err()
            ]
        );
        let out_of_range = Fix::safe("x", [Edit::insert(99, "x")]);
        assert_eq!(
            check_alone(text, &before, &out_of_range, &toy_lint),
            Err(DO_NOT_FIT.to_owned())
        );
    }

    #[test]
    fn applicable_checks_many_fixes_in_batches_with_a_bounded_cost() {
        let lints = std::cell::Cell::new(0);
        let counting = |text: &str| {
            lints.set(lints.get() + 1);
            toy_lint(text)
        };
        let verdicts = |text: &str| {
            let before = toy_lint(text);
            let fixes: Vec<&Fix> = before
                .diagnostics
                .iter()
                .filter_map(|d| d.fix.as_ref())
                .collect();
            lints.set(0);
            (applicable(text, &before, &fixes, &counting), lints.get())
        };
        // Few fixes: each alone (the lint lists `tru` fixes first).
        let (ok, n) = verdicts("tru bad tru\n");
        assert_eq!((ok, n), (vec![true, true, false], 3));
        // Many that pass together: one lint.
        let many = "tru ".repeat(100);
        let (ok, n) = verdicts(&many);
        assert!(ok.iter().all(|&o| o));
        assert_eq!(n, 1);
        // A failing batch: one by one, up to the cap; the rest is not offered.
        let (ok, n) = verdicts(&format!("bad {many}"));
        assert_eq!(n, 1 + MAX_ALONE_CHECKS);
        assert_eq!(ok.last(), Some(&false));
        assert_eq!(ok.iter().filter(|&&o| o).count(), MAX_ALONE_CHECKS - 1);
    }

    #[test]
    fn invalid_fix_is_rejected_not_retried() {
        let broken = |text: &str| {
            let d = Diagnostic::new(&TRU, TextRange::empty(0), "broken");
            let end = text.len() as u32 + 5;
            LintResult {
                parsed: true,
                diagnostics: vec![d.with_fix(Fix::safe("x", [Edit::insert(end, "x")]))],
            }
        };
        let out = fix_text("abc", &broken, &FixOptions::default());
        assert_eq!(out.text, "abc");
        assert_eq!(out.rejected.len(), 1);
        assert!(out.rejected[0].reason.contains("do not fit"));
        assert_eq!(out.rounds, 1);
        assert!(!out.hit_limit);
    }
}
