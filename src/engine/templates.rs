//! Which files are templates, skipped with one MESH901 note: decided on the whole file, from
//! evidence in its text and its parse, before anything is reported for it.
//!
//! A file is a template when it lies under a Helm chart's `templates/`; when it is a ytt
//! template (a comment line starting `#@`); when it fails to parse and holds a template marker
//! outside comments (`{{`, Jinja `{%`, FreeMarker `<#`/`[#`, ERB `<%`); or when a `{{` action
//! stands where YAML structure would be (outside any scalar, such as an unquoted mapping key, or
//! at the start of a line). A `{{ }}` inside a scalar value of a file that parses (a
//! PrometheusRule expression, an Argo parameter, `--model_name={{.Name}}`) is a placeholder of
//! another tool: the file is linted.

use super::comment_start;
use crate::source::TextRange;
use crate::yaml::{self, Document, NodeKind, ScalarStyle};

/// The template engine a file is written for, as the MESH901 message names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Engine {
    /// Under a Helm chart's `templates/`.
    HelmChart,
    /// Go `text/template` actions (`{{ }}`): Helm, and many other tools.
    Go,
    Jinja,
    FreeMarker,
    Erb,
    Ytt,
}

impl Engine {
    /// The MESH901 message.
    pub(crate) fn message(self) -> &'static str {
        match self {
            Engine::HelmChart => "this file is a Helm chart template: it is skipped; lint the rendered output (helm template) instead",
            Engine::Go => "this file is a Helm/Go template ({{ }} actions where YAML structure would be): it is skipped; lint the rendered output (helm template) instead",
            Engine::Jinja => "this file is a Jinja template ({% %} tags): it is skipped; lint the rendered output instead",
            Engine::FreeMarker => "this file is a FreeMarker template (<# > directives): it is skipped; lint the rendered output instead",
            Engine::Erb => "this file is an ERB template (<% %> tags): it is skipped; lint the rendered output instead",
            Engine::Ytt => "this file is a ytt template (#@ annotations): it is skipped; lint the rendered output (ytt -f) instead",
        }
    }
}

/// A template found: its engine and the marker the note points at (`None`: line 1, column 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Template {
    pub engine: Engine,
    pub marker: Option<TextRange>,
}

/// Whether `text` holds anything that may make it a template (`{{`, `{%`, `<%`, `<#`, `[#`,
/// `#@`): only then is it parsed whole before anything is reported.
pub(crate) fn may_be(text: &str) -> bool {
    let b = text.as_bytes();
    memchr::memmem::find(b, b"{{").is_some()
        || memchr::memchr2_iter(b'%', b'#', b).any(|i| {
            let before = i.checked_sub(1).map(|p| b[p]);
            match b[i] {
                b'%' => matches!(before, Some(b'{' | b'<')),
                _ => matches!(before, Some(b'<' | b'[')) || b.get(i + 1) == Some(&b'@'),
            }
        })
}

/// Non-overlapping ranges, sorted, for "is this offset inside one" in a binary search.
struct Spans(Vec<TextRange>);

impl Spans {
    fn new(mut ranges: Vec<TextRange>) -> Self {
        ranges.sort_by_key(|r| (r.start(), r.end()));
        Spans(ranges)
    }

    fn contains(&self, at: u32) -> bool {
        // The last range starting at or before `at`; nested ranges do not occur (scalars do not
        // nest, nor do comments), but a wider earlier one is checked too for safety.
        let n = self.0.partition_point(|r| r.start() <= at);
        self.0[..n].iter().rev().take(2).any(|r| at < r.end())
    }
}

/// What the parse says about where each byte sits.
struct Layout<'t> {
    bytes: &'t [u8],
    comments: Spans,
    /// Quoted and block scalars.
    strings: Spans,
    /// Plain scalars (only of the documents that parsed).
    plain: Spans,
}

impl Layout<'_> {
    /// Whether the byte at `at` is in a comment. Past a syntax error the parser read no
    /// comments: the line itself tells, read the way YAML would.
    fn in_comment(&self, at: usize) -> bool {
        let pos = at as u32;
        if self.comments.contains(pos) {
            return true;
        }
        if self.strings.contains(pos) || self.plain.contains(pos) {
            return false;
        }
        comment_start(&self.bytes[line_start(self.bytes, at)..at]).is_some()
    }

    /// Whether only blanks come before `at` on its line.
    fn starts_line(&self, at: usize) -> bool {
        self.bytes[line_start(self.bytes, at)..at]
            .iter()
            .all(|&b| matches!(b, b' ' | b'\t'))
    }

    /// The first occurrence of `marker` outside comments that `keep` accepts.
    fn first(&self, marker: &[u8], keep: impl Fn(usize) -> bool) -> Option<usize> {
        memchr::memmem::find_iter(self.bytes, marker).find(|&at| !self.in_comment(at) && keep(at))
    }
}

fn line_start(bytes: &[u8], at: usize) -> usize {
    memchr::memrchr2(b'\n', b'\r', &bytes[..at]).map_or(0, |p| p + 1)
}

/// Whether `text`, parsed into `docs`, is a template; `chart_template` says its path makes it a
/// Helm chart template.
pub(crate) fn detect(
    text: &str,
    docs: &[Result<Document<'_>, yaml::SyntaxError>],
    chart_template: bool,
) -> Option<Template> {
    let bytes = text.as_bytes();
    let mut comments = Vec::new();
    let mut strings = Vec::new();
    let mut plain = Vec::new();
    let mut parse_failed = false;
    for doc in docs {
        let doc = match doc {
            Ok(doc) => doc,
            Err(e) => {
                parse_failed = true;
                comments.extend(&e.comments);
                strings.extend(&e.strings);
                continue;
            }
        };
        comments.extend(&doc.comments);
        for node in &doc.nodes {
            if let NodeKind::Scalar { style, .. } = &node.kind {
                if *style == ScalarStyle::Plain {
                    plain.push(node.range);
                } else {
                    strings.push(node.range);
                }
            }
        }
    }
    let layout = Layout {
        bytes,
        comments: Spans::new(comments),
        strings: Spans::new(strings),
        plain: Spans::new(plain),
    };
    let marker = |at: usize| Some(TextRange::from_usize(at, at + 2));
    // Where a `{{` template points: its first `{{` outside quoted and block scalars, else its
    // first `{{`, comments aside in both.
    let go_marker = || {
        layout
            .first(b"{{", |at| !layout.strings.contains(at as u32))
            .or_else(|| layout.first(b"{{", |_| true))
            .and_then(marker)
    };
    if chart_template {
        return Some(Template {
            engine: Engine::HelmChart,
            marker: go_marker(),
        });
    }
    // ytt: a comment line starting `#@` (not a line of a block scalar).
    if let Some(at) = memchr::memmem::find_iter(bytes, b"#@")
        .find(|&at| !layout.strings.contains(at as u32) && layout.starts_line(at))
    {
        return Some(Template {
            engine: Engine::Ytt,
            marker: marker(at),
        });
    }
    if parse_failed {
        // The first marker of an engine other than Go's: Jinja and ERB write `{{`-free tags,
        // and a Jinja file that has both is Jinja.
        let freemarker = |at: usize| {
            bytes
                .get(at + 2)
                .is_some_and(|&b| b.is_ascii_alphabetic() || b == b'-')
        };
        let other = [
            layout.first(b"{%", |_| true).map(|at| (at, Engine::Jinja)),
            layout.first(b"<%", |_| true).map(|at| (at, Engine::Erb)),
            layout
                .first(b"<#", freemarker)
                .map(|at| (at, Engine::FreeMarker)),
            layout
                .first(b"[#", freemarker)
                .map(|at| (at, Engine::FreeMarker)),
        ]
        .into_iter()
        .flatten()
        .min_by_key(|&(at, _)| at);
        if let Some((at, engine)) = other {
            return Some(Template {
                engine,
                marker: marker(at),
            });
        }
        if layout.first(b"{{", |_| true).is_some() {
            return Some(Template {
                engine: Engine::Go,
                marker: go_marker(),
            });
        }
        return None;
    }
    // A file that parses: a `{{` where YAML structure would be. (A mapping key written `{{ x }}:`
    // is outside any scalar; a quoted `'{{ x }}': v` is a scalar, an Argo parameter for one.)
    let structural = layout
        .first(b"{{", |at| {
            let pos = at as u32;
            !layout.strings.contains(pos) && (!layout.plain.contains(pos) || layout.starts_line(at))
        })
        .is_some();
    structural.then(|| Template {
        engine: Engine::Go,
        marker: go_marker(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detected(text: &str) -> Option<(Engine, Option<(usize, usize)>)> {
        let docs = yaml::parse(text);
        detect(text, &docs, false).map(|t| {
            let at = t.marker.map(|m| {
                let lc = crate::source::LineIndex::new(text).line_col(text, m.start());
                (lc.line as usize, lc.column as usize)
            });
            (t.engine, at)
        })
    }

    #[test]
    fn braces_inside_scalars_of_a_file_that_parses_are_placeholders() {
        for text in [
            // PrometheusRule expression and description.
            "kind: PrometheusRule\nspec:\n  groups:\n  - rules:\n    - expr: up == 0\n      annotations:\n        summary: \"{{ $labels.pod }} is down\"\n        description: |\n          {{ $labels.instance }} has been down\n",
            // A plain scalar with an action inside it.
            "kind: ClusterServingRuntime\nspec:\n  containers:\n  - args:\n    - --model_name={{.Name}}\n    - --model_dir=/mnt/models\n",
            // Argo parameters, as values and as a quoted key.
            "kind: Workflow\nspec:\n  templates:\n  - container:\n      args: [\"{{inputs.parameters.message}}\"]\n    metadata:\n      annotations:\n        '{{inputs.parameters.key}}': '{{inputs.parameters.value}}'\n",
            // Braces only in a comment.
            "kind: ConfigMap # {{ not a template }}\n",
        ] {
            assert_eq!(detected(text), None, "{text}");
        }
    }

    #[test]
    fn braces_where_structure_would_be_make_a_go_template() {
        let cases = [
            ("kind: Pod\nmetadata:\n  name: {{ .Values.name }}\n", (3, 9)),
            ("{{- if .Values.enabled }}\nkind: Pod\n{{- end }}\n", (1, 1)),
            (
                "kind: Pod\nmetadata:\n  labels:\n    {{ .Values.key }}: x\n",
                (4, 5),
            ),
            (
                "kind: Pod\nspec:\n  expr: a\n    {{ .Values.more }}\n",
                (4, 5),
            ),
            // Quoted first, structural later: the marker is the first outside quoted scalars.
            (
                "kind: Pod\nmetadata:\n  a: \"{{ x }}\"\n  name: {{ .Values.name }}\n",
                (4, 9),
            ),
        ];
        for (text, at) in cases {
            assert_eq!(detected(text), Some((Engine::Go, Some(at))), "{text}");
        }
    }

    #[test]
    fn ytt_jinja_freemarker_and_erb_are_named() {
        let ytt = "#@ load(\"@ytt:data\", \"data\")\n---\nkind: Pod\nmetadata:\n  name: #@ data.values.name\n";
        assert_eq!(detected(ytt), Some((Engine::Ytt, Some((1, 1)))));
        let overlay = "kind: ConfigMap\ndata:\n  #@overlay/match missing_ok=True\n  a: b\n";
        assert_eq!(detected(overlay), Some((Engine::Ytt, Some((3, 3)))));
        // `#@` inside a block scalar is content.
        let block = "kind: ConfigMap\ndata:\n  script: |\n    #@ not ytt\n";
        assert_eq!(detected(block), None);
        let jinja = "kind: Pod\nmetadata:\n  name: \"{{ name }}\"\n{% if sidecar %}\n  annotations: {}\n{% endif %}\n";
        assert_eq!(detected(jinja), Some((Engine::Jinja, Some((4, 1)))));
        let freemarker = "kind: Pod\n<#if x>\nmetadata: {}\n</#if>\n";
        assert_eq!(
            detected(freemarker),
            Some((Engine::FreeMarker, Some((2, 1))))
        );
        let erb = "kind: Pod\nmetadata:\n  name: <%= name %>\n  a: [\n";
        assert_eq!(detected(erb), Some((Engine::Erb, Some((3, 9)))));
        // A file that parses with `{%` inside a scalar is linted.
        assert_eq!(
            detected("kind: ConfigMap\ndata:\n  a: \"{% raw %}\"\n"),
            None
        );
    }

    #[test]
    fn a_broken_file_is_a_template_only_for_markers_outside_comments() {
        assert_eq!(detected("kind: Pod\n# {% if x %}\na: [\n"), None);
        assert_eq!(
            detected("kind: Pod\na: \"{{ x }}\"\nb: [\n"),
            Some((Engine::Go, Some((2, 5))))
        );
    }

    #[test]
    fn only_files_with_a_marker_are_parsed_whole() {
        for text in [
            "a: {{ x }}",
            "{% if %}",
            "<%= x %>",
            "<#if x>",
            "[#if x]",
            "#@ load",
        ] {
            assert!(may_be(text), "{text}");
        }
        for text in ["a: 50%", "# comment\nb: '#'\n", "a: [1]"] {
            assert!(!may_be(text), "{text}");
        }
    }
}
