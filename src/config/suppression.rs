//! Suppressions written in the linted files, applied by the engine after the rules ran.
//!
//! Three forms:
//!
//! - `# meshlint: ignore[MESH101]` (several codes or names separated by commas; `ignore` alone
//!   for every rule) on the line of a finding, or on its own line above it. A finding counts as
//!   being on its own line and on the line of the key it belongs to, so a comment above a key
//!   also covers a finding inside its (multi-line) value. Comment lines between the
//!   suppression and the line it covers are skipped, so a note may follow the suppression.
//! - `# meshlint: ignore-file[...]` (or `ignore-file` alone) anywhere in a YAML document: the
//!   whole document.
//! - the annotation `meshlint.io/ignore: "MESH101,MESH401"` on a resource's own metadata: every
//!   finding inside that resource (for a `kind: List`, inside every item).
//!
//! Text after the directive (`# meshlint: ignore[MESH101] legacy image, see JIRA-12`) is a
//! free-form reason. A suppression that suppresses nothing is MESH903 (per code it lists), with
//! a safe fix that removes it. MESH903 itself is not silenced by a bare `ignore`; only a
//! suppression naming it does that, and such a suppression is never reported as unused. Codes
//! that this file's configuration turns off are never reported as unused either: whether they
//! would be used cannot be told. Nor are suppressions of findings that the project's facts rule
//! out (another file takes the pod out of the mesh): those facts may change without this file
//! changing, so such a suppression is in use.
//!
//! Only real comments count (the parser's comment ranges): the same text inside a block scalar
//! is data. In a document that does not parse, the comments read before the error count, so a
//! syntax error (MESH900) can be suppressed like any finding (a comment after the error's line
//! was never read). There, only an unused MESH900 (or an unknown code) is reported as unused:
//! whether a suppression of another rule would be used cannot be told until the document parses.

use super::{code_matches, is_known_code, Policy};
use crate::diagnostic::{Diagnostic, Fix};
use crate::k8s::{scalar_string, Resource};
use crate::rules::files::unused_suppression::RULE as UNUSED;
use crate::source::{LineIndex, TextRange};
use crate::yaml::edit::{
    delete_entry, line_start, remove_comment, remove_list_item, rewrite_scalar,
};
use crate::yaml::{Document, NodeRef};
use std::collections::HashSet;

/// The annotation that suppresses codes for a resource.
pub const ANNOTATION: &str = "meshlint.io/ignore";

/// What a suppression covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scope {
    /// A comment: a line (resolved in [`Collector::finish`]).
    Line { standalone: bool },
    /// `ignore-file`: one document.
    Document(usize),
    /// The annotation: one resource (index into the collector's resources).
    Resource(usize),
}

/// One code (or name, or prefix) listed by a suppression.
#[derive(Clone, Debug)]
struct Item {
    text: String,
    /// Its place in the comment (comments only).
    range: TextRange,
    known: bool,
    used: bool,
}

#[derive(Clone, Debug)]
enum Form {
    Comment,
    /// The annotation's key, value and the mapping holding them (offsets only: the document
    /// is gone when fixes are built, so its fixes are built right away).
    Annotation {
        /// Removes the whole annotation.
        remove: Option<crate::diagnostic::Edit>,
        /// For each item, the edit leaving the others.
        remove_item: Vec<Option<crate::diagnostic::Edit>>,
    },
}

#[derive(Clone, Debug)]
struct Directive {
    scope: Scope,
    form: Form,
    /// The comment, or the annotation's key: where MESH903 points.
    range: TextRange,
    /// `None`: every rule.
    items: Option<Vec<Item>>,
    used: bool,
    /// Not understood (`# meshlint: ignore[MESH101` without its bracket): why.
    malformed: Option<String>,
    /// Line directives: the line covered (0-based), set by `finish`.
    target_line: u32,
    /// The document it was written in.
    doc: usize,
    /// That document does not parse: only a syntax error can be found there, so whether it
    /// suppresses any other code cannot be told.
    in_broken_doc: bool,
}

/// A resource, as far as suppressions care.
#[derive(Clone, Debug)]
struct ResourceInfo {
    range: TextRange,
    kind: String,
    namespace: String,
    name: String,
}

/// Where a diagnostic sits: its document, the resources around it and the key it belongs to.
#[derive(Clone, Debug, Default)]
struct Site {
    doc: usize,
    resources: Vec<usize>,
    key_offset: Option<u32>,
}

/// Collects, document by document, what the suppression pass needs once the documents are
/// gone: the suppressions, the resources and where each diagnostic sits.
#[derive(Debug, Default)]
pub struct Collector {
    /// The file mentions `meshlint:` at all (cheap test that spares the key lookups).
    has_comments: bool,
    /// Anything to record at all (else only the policy's selection and severities apply).
    active: bool,
    directives: Vec<Directive>,
    resources: Vec<ResourceInfo>,
    sites: Vec<Site>,
    /// Findings the project's facts dropped (a pod that another file shows is out of the
    /// mesh), by code and site: never reported, but a suppression that would hide one is
    /// not unused, since other facts (another file edited, other files linted) bring it back.
    dropped: Vec<(&'static str, u32, Site)>,
    comments: Vec<TextRange>,
    docs: usize,
}

/// The findings of one file, split by what the policy and the suppressions decided.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Reported: selected, not suppressed, severity overrides applied.
    pub visible: Vec<Diagnostic>,
    /// Found by a rule but not reported (not selected, ignored or suppressed), at default
    /// severity. The fixer's verification still counts their errors.
    pub hidden: Vec<Diagnostic>,
    /// A rule read the mesh-wide facts (see `crate::rules::Reads`).
    pub read_mesh: bool,
}

impl Collector {
    /// A collector for `text`; `per_resource` says the policy ignores codes per resource.
    /// Files that mention neither `meshlint:` nor the annotation, under a policy without
    /// per-resource ignores (nearly all), skip the bookkeeping.
    pub fn new(text: &str, per_resource: bool) -> Self {
        // Both markers start with `meshlint`: one search over the text finds either.
        let (mut has_comments, mut has_annotation) = (false, false);
        for at in memchr::memmem::find_iter(text.as_bytes(), b"meshlint") {
            let rest = &text.as_bytes()[at..];
            has_comments |= rest.starts_with(b"meshlint:");
            has_annotation |= rest.starts_with(ANNOTATION.as_bytes());
            if has_comments && has_annotation {
                break;
            }
        }
        let active = has_comments || per_resource || has_annotation;
        Self {
            has_comments,
            active,
            ..Self::default()
        }
    }

    /// Records a document that did not parse: the suppression comments the parser read before
    /// the error (`comments`), and the sites of `new`, its diagnostics (the syntax error).
    pub fn failed_document(&mut self, text: &str, comments: &[TextRange], new: &[Diagnostic]) {
        let doc = self.docs;
        self.docs += 1;
        if !self.active {
            return;
        }
        if self.has_comments {
            for &c in comments {
                self.comments.push(c);
                if let Some(mut d) = comment_directive(text, c, doc) {
                    d.in_broken_doc = true;
                    self.directives.push(d);
                }
            }
        }
        self.sites.extend(new.iter().map(|_| Site {
            doc,
            ..Site::default()
        }));
    }

    /// Records a parsed document: its suppressions and resources, the sites of `new`, the
    /// diagnostics the rules found in it, and of `dropped`, those the project's facts rule out.
    pub fn document(
        &mut self,
        text: &str,
        doc: &Document<'_>,
        resources: &[Resource<'_, '_>],
        new: &[Diagnostic],
        dropped: &[Diagnostic],
    ) {
        let doc_no = self.docs;
        self.docs += 1;
        if !self.active {
            return;
        }
        let first = self.resources.len();
        for res in resources {
            let index = self.resources.len();
            self.resources.push(ResourceInfo {
                range: res.root.range(),
                kind: res.kind.to_owned(),
                namespace: res.namespace.unwrap_or("").to_owned(),
                name: res.name.unwrap_or("").to_owned(),
            });
            if let Some(mut d) = annotation_directive(text, res, index) {
                d.doc = doc_no;
                self.directives.push(d);
            }
        }
        if self.has_comments {
            for &c in &doc.comments {
                self.comments.push(c);
                if let Some(d) = comment_directive(text, c, doc_no) {
                    self.directives.push(d);
                }
            }
        }
        let site_of = |this: &Self, at: u32| Site {
            doc: doc_no,
            resources: (first..this.resources.len())
                .filter(|&i| contains(this.resources[i].range, at))
                .collect(),
            key_offset: if this.has_comments {
                innermost_key(doc, at)
            } else {
                None
            },
        };
        for d in new {
            let site = site_of(self, d.range.start());
            self.sites.push(site);
        }
        for d in dropped {
            let site = site_of(self, d.range.start());
            self.dropped.push((d.code, d.range.start(), site));
        }
    }

    /// Applies the suppressions and `policy` to the file's diagnostics (in the order they were
    /// recorded) and adds MESH903 for suppressions that suppress nothing.
    pub fn finish(mut self, text: &str, diags: Vec<Diagnostic>, policy: &Policy) -> Outcome {
        debug_assert!(!self.active || diags.len() == self.sites.len());
        let mut out = Outcome::default();
        let index = (!self.directives.is_empty()).then(|| LineIndex::new(text));
        let line_of = |offset: u32| {
            index
                .as_ref()
                .map_or(0, |i| i.line_col(text, offset).line - 1)
        };
        if index.is_some() {
            self.resolve_targets(text, &line_of);
        }
        let mut sites = std::mem::take(&mut self.sites);
        sites.resize(diags.len(), Site::default());
        for (d, site) in diags.into_iter().zip(&sites) {
            let lines = [
                Some(line_of(d.range.start())),
                site.key_offset.map(&line_of),
            ];
            let res = self.resource_names(&site.resources);
            let meta = crate::rules::find(d.code);
            let enabled = meta.is_none_or(|m| policy.enabled_in(m, &res));
            // An opt-in rule nobody selected did not run as far as the user can tell: its
            // findings use no suppression (a bare `ignore` stays unused).
            let suppressed = (enabled || !meta.is_some_and(crate::rules::is_opt_in))
                && self.suppress(d.code, false, site, &lines);
            if suppressed || !enabled {
                out.hidden.push(Diagnostic { fix: None, ..d });
            } else {
                out.visible.push(d);
            }
        }
        for (code, at, site) in std::mem::take(&mut self.dropped) {
            let lines = [Some(line_of(at)), site.key_offset.map(&line_of)];
            self.suppress(code, false, &site, &lines);
        }
        for (d, doc) in self.unused(text, policy) {
            let site = Site {
                doc,
                resources: self.resources_at(d.range.start()),
                key_offset: None,
            };
            let lines = [Some(line_of(d.range.start())), None];
            let suppressed = self.suppress(d.code, true, &site, &lines);
            let res = self.resource_names(&site.resources);
            if suppressed || !policy.enabled_in(&UNUSED, &res) {
                out.hidden.push(Diagnostic { fix: None, ..d });
            } else {
                out.visible.push(d);
            }
        }
        for d in &mut out.visible {
            // A finding that rests on an assumption stays at info: a severity override is
            // about the rule, not about what meshlint guessed.
            if !d.assumed {
                d.severity = policy.severity_of(d.code, d.severity);
            }
        }
        out
    }

    fn resource_names(&self, indices: &[usize]) -> Vec<(&str, &str, &str)> {
        indices
            .iter()
            .map(|&i| {
                let r = &self.resources[i];
                (r.kind.as_str(), r.namespace.as_str(), r.name.as_str())
            })
            .collect()
    }

    fn resources_at(&self, offset: u32) -> Vec<usize> {
        (0..self.resources.len())
            .filter(|&i| contains(self.resources[i].range, offset))
            .collect()
    }

    /// Sets each comment suppression's covered line: its own line for a trailing comment, the
    /// next line that is not only a comment for one standing alone.
    fn resolve_targets(&mut self, text: &str, line_of: &dyn Fn(u32) -> u32) {
        let alone = |c: TextRange| {
            let s = c.start() as usize;
            text[line_start(text, s)..s].trim().is_empty()
        };
        let comment_lines: HashSet<u32> = self
            .comments
            .iter()
            .filter(|c| alone(**c))
            .map(|c| line_of(c.start()))
            .collect();
        for d in &mut self.directives {
            if let Scope::Line { .. } = d.scope {
                let standalone = alone(d.range);
                d.scope = Scope::Line { standalone };
                let mut line = line_of(d.range.start());
                if standalone {
                    line += 1;
                    while comment_lines.contains(&line) {
                        line += 1;
                    }
                }
                d.target_line = line;
            }
        }
    }

    /// Whether a suppression covers a finding of `code` at `site`; marks what was used.
    /// `only_explicit`: only suppressions naming the code count (for MESH903 itself).
    fn suppress(
        &mut self,
        code: &str,
        only_explicit: bool,
        site: &Site,
        lines: &[Option<u32>; 2],
    ) -> bool {
        if self.directives.is_empty() {
            return false;
        }
        let Some(rule) = crate::rules::find(code) else {
            return false;
        };
        let mut hit = false;
        for d in &mut self.directives {
            if d.malformed.is_some() {
                continue;
            }
            let in_scope = match d.scope {
                Scope::Line { .. } => lines.contains(&Some(d.target_line)),
                Scope::Document(doc) => doc == site.doc,
                Scope::Resource(r) => site.resources.contains(&r),
            };
            if !in_scope {
                continue;
            }
            match &mut d.items {
                None if !only_explicit => {
                    d.used = true;
                    hit = true;
                }
                None => {}
                Some(items) => {
                    for item in items.iter_mut().filter(|i| i.known) {
                        if code_matches(&item.text, rule) {
                            item.used = true;
                            d.used = true;
                            hit = true;
                        }
                    }
                }
            }
        }
        hit
    }

    /// MESH903 for every suppression (or listed code) that suppressed nothing.
    fn unused(&self, text: &str, policy: &Policy) -> Vec<(Diagnostic, usize)> {
        let mut out = Vec::new();
        for d in &self.directives {
            let res = self.resource_names(&self.resources_at(d.range.start()));
            let place = match d.scope {
                Scope::Line { .. } => format!("on line {}", d.target_line + 1),
                Scope::Document(_) => "in this document".to_owned(),
                Scope::Resource(r) => {
                    let r = &self.resources[r];
                    format!("in {} {}", r.kind, r.name)
                }
            };
            let what = match d.form {
                Form::Comment => "this suppression comment",
                Form::Annotation { .. } => "this `meshlint.io/ignore` annotation",
            };
            if let Some(why) = &d.malformed {
                out.push((
                    Diagnostic::new(
                        &UNUSED,
                        d.range,
                        format!("{what} is not understood and suppresses nothing: {why}"),
                    ),
                    d.doc,
                ));
                continue;
            }
            let Some(items) = &d.items else {
                if !d.used && !d.in_broken_doc {
                    out.push((
                        Diagnostic::new(
                            &UNUSED,
                            d.range,
                            format!("{what} suppresses nothing: no finding {place}"),
                        )
                        .with_optional_fix(Self::remove_all(text, d)),
                        d.doc,
                    ));
                }
                continue;
            };
            // Items that may be reported: unused, not about MESH903, and either unknown or
            // naming a rule enabled here.
            let reportable: Vec<bool> = items
                .iter()
                .map(|i| {
                    let about_mesh903 = i.known && code_matches(&i.text, &UNUSED);
                    let untellable = d.in_broken_doc
                        && i.known
                        && !code_matches(&i.text, &crate::rules::files::SYNTAX_ERROR);
                    !i.used
                        && !about_mesh903
                        && !untellable
                        && (!i.known
                            || crate::rules::all()
                                .any(|m| code_matches(&i.text, m) && policy.enabled_in(m, &res)))
                })
                .collect();
            let remove_whole = reportable.iter().all(|r| *r);
            for (i, item) in items.iter().enumerate() {
                if !reportable[i] {
                    continue;
                }
                let message = if item.known {
                    let named = crate::rules::find(&item.text).map_or_else(
                        || format!("`{}`", item.text),
                        |m| format!("{} ({})", m.code, m.name),
                    );
                    format!("{what} names {named}, but it reports nothing {place}")
                } else {
                    format!(
                        "`{}` in {what} is not a meshlint rule, so it suppresses nothing{}",
                        item.text,
                        super::parse::hint(
                            &item.text,
                            crate::rules::all().flat_map(|m| [m.code, m.name])
                        )
                    )
                };
                let fix = if remove_whole {
                    Self::remove_all(text, d)
                } else {
                    Self::remove_item(d, items, i)
                };
                out.push((
                    Diagnostic::new(&UNUSED, d.range, message).with_optional_fix(fix),
                    d.doc,
                ));
            }
        }
        out
    }

    fn remove_all(text: &str, d: &Directive) -> Option<Fix> {
        let edit = match &d.form {
            Form::Comment => remove_comment(text, d.range),
            Form::Annotation { remove, .. } => remove.clone()?,
        };
        Some(Fix::safe("remove the unused suppression", [edit]))
    }

    fn remove_item(d: &Directive, items: &[Item], i: usize) -> Option<Fix> {
        let edit = match &d.form {
            Form::Comment => {
                let ranges: Vec<TextRange> = items.iter().map(|i| i.range).collect();
                remove_list_item(&ranges, i)
            }
            Form::Annotation { remove_item, .. } => remove_item.get(i)?.clone()?,
        };
        Some(Fix::safe(
            format!("remove `{}` from the suppression", items[i].text),
            [edit],
        ))
    }
}

fn contains(range: TextRange, offset: u32) -> bool {
    range.start() <= offset && offset < range.end().max(range.start() + 1)
}

/// The start of the innermost mapping key whose entry (key to end of value) holds `offset`.
fn innermost_key(doc: &Document<'_>, offset: u32) -> Option<u32> {
    let mut best: Option<u32> = None;
    for &(k, v) in &doc.pairs {
        let (k, v) = (doc.node(k), doc.node(v));
        let start = k.props_start.min(k.range.start());
        let end = k.range.end().max(v.range.end());
        if start <= offset && offset < end.max(start + 1) && best.is_none_or(|b| start > b) {
            best = Some(start);
        }
    }
    best
}

/// A suppression comment, if `comment` is one (malformed ones included, to be reported).
fn comment_directive(text: &str, comment: TextRange, doc: usize) -> Option<Directive> {
    let raw = comment.slice(text);
    let raw = raw.trim_end_matches(['\r', '\n']);
    let range = TextRange::new(comment.start(), comment.start() + raw.len() as u32);
    let body = raw.strip_prefix('#')?.trim_start();
    let rest = body.strip_prefix("meshlint:")?.trim_start();
    let mut directive = Directive {
        scope: Scope::Line { standalone: true },
        form: Form::Comment,
        range,
        items: None,
        used: false,
        malformed: None,
        target_line: 0,
        doc,
        in_broken_doc: false,
    };
    let (file, after) = if let Some(r) = rest.strip_prefix("ignore-file") {
        (true, r)
    } else if let Some(r) = rest.strip_prefix("ignore") {
        (false, r)
    } else {
        if rest.contains('[') || rest.starts_with("disable") || rest.starts_with("noqa") {
            directive.malformed = Some(
                "write `# meshlint: ignore[CODE,...]` or `# meshlint: ignore-file[CODE,...]`"
                    .into(),
            );
            return Some(directive);
        }
        return None;
    };
    if file {
        directive.scope = Scope::Document(doc);
    }
    if after.is_empty() || after.starts_with([' ', '\t']) {
        return Some(directive);
    }
    let Some(list) = after.strip_prefix('[') else {
        directive.malformed = Some(format!(
            "`{}` is not a directive; write `ignore[CODE,...]` or `ignore-file[CODE,...]`",
            rest.split_whitespace().next().unwrap_or(rest)
        ));
        return Some(directive);
    };
    let Some(close) = list.find(']') else {
        directive.malformed = Some("the list of codes has no closing `]`".into());
        return Some(directive);
    };
    let tail = &list[close + 1..];
    if !(tail.is_empty() || tail.starts_with([' ', '\t'])) {
        directive.malformed = Some("put a space between `]` and the reason".into());
        return Some(directive);
    }
    // Offsets of the list inside the file.
    let list_start = comment.start() as usize + (raw.len() - list.len());
    let mut items = Vec::new();
    let mut pos = 0;
    for part in list[..close].split(',') {
        let lead = part.len() - part.trim_start().len();
        let t = part.trim();
        if !t.is_empty() {
            let s = list_start + pos + lead;
            items.push(Item {
                text: t.to_owned(),
                range: TextRange::from_usize(s, s + t.len()),
                known: is_known_code(t),
                used: false,
            });
        }
        pos += part.len() + 1;
    }
    if items.is_empty() {
        directive.malformed = Some("the list of codes is empty".into());
        return Some(directive);
    }
    directive.items = Some(items);
    Some(directive)
}

/// The `meshlint.io/ignore` annotation of `res`'s own metadata, if any.
fn annotation_directive(text: &str, res: &Resource<'_, '_>, index: usize) -> Option<Directive> {
    let (key, value) = res.meta.annotation(ANNOTATION)?;
    let (_, map) = res.meta.annotations?;
    let raw = scalar_string(value)?;
    let parts: Vec<&str> = raw
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let sep = if raw.contains(", ") { ", " } else { "," };
    let remove_item = (0..parts.len())
        .map(|i| {
            let rest: Vec<&str> = parts
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, p)| *p)
                .collect();
            rewrite(text, value, &rest.join(sep))
        })
        .collect();
    let items = parts
        .iter()
        .map(|p| Item {
            text: (*p).to_owned(),
            range: value.range(),
            known: is_known_code(p),
            used: false,
        })
        .collect::<Vec<_>>();
    Some(Directive {
        scope: Scope::Resource(index),
        form: Form::Annotation {
            remove: delete_entry(text, map, key, value),
            remove_item,
        },
        range: key.range(),
        malformed: items.is_empty().then(|| "it lists no code".to_owned()),
        items: Some(items),
        used: false,
        target_line: 0,
        doc: 0,
        in_broken_doc: false,
    })
}

fn rewrite(text: &str, value: NodeRef<'_, '_>, new: &str) -> Option<crate::diagnostic::Edit> {
    if value.is_alias() {
        return None;
    }
    rewrite_scalar(text, value, new)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(comment: &str) -> Option<Directive> {
        let text = format!("a: 1 {comment}\n");
        let start = text.find('#').unwrap();
        comment_directive(&text, TextRange::from_usize(start, text.len() - 1), 0)
    }

    fn items(d: &Directive) -> Vec<&str> {
        d.items.iter().flatten().map(|i| i.text.as_str()).collect()
    }

    #[test]
    fn directive_forms() {
        let d = parse("# meshlint: ignore").unwrap();
        assert!(d.items.is_none() && d.malformed.is_none());
        assert!(matches!(d.scope, Scope::Line { .. }));
        let d = parse("#meshlint:ignore[MESH101, hold-missing] legacy").unwrap();
        assert_eq!(items(&d), ["MESH101", "hold-missing"]);
        assert!(d.items.as_ref().unwrap().iter().all(|i| i.known));
        let d = parse("# meshlint: ignore-file[MESH3]").unwrap();
        assert_eq!(d.scope, Scope::Document(0));
        assert_eq!(items(&d), ["MESH3"]);
        let d = parse("# meshlint: ignore[NOPE]").unwrap();
        assert!(!d.items.unwrap()[0].known);
    }

    #[test]
    fn item_ranges_point_into_the_comment() {
        let text = "a: 1 # meshlint: ignore[ MESH101 ,MESH302]\n";
        let start = text.find('#').unwrap();
        let d = comment_directive(text, TextRange::from_usize(start, text.len() - 1), 0).unwrap();
        let got: Vec<&str> = d
            .items
            .unwrap()
            .iter()
            .map(|i| i.range.slice(text))
            .collect();
        assert_eq!(got, ["MESH101", "MESH302"]);
    }

    #[test]
    fn not_directives_and_malformed_ones() {
        assert!(parse("# a comment").is_none());
        assert!(parse("# meshlint: see the docs").is_none());
        for bad in [
            "# meshlint: ignore[MESH101",
            "# meshlint: ignore[]",
            "# meshlint: ignored",
            "# meshlint: ignore[MESH101]x",
            "# meshlint: disable[MESH101]",
        ] {
            assert!(parse(bad).unwrap().malformed.is_some(), "{bad}");
        }
    }
}
