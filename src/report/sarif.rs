//! The `sarif` format: SARIF 2.1.0 as GitHub code scanning accepts it.
//!
//! One run; `tool.driver.rules` lists every rule meshlint knows (plus any code a finding carries
//! that the registry does not), each with its summary, a description taken from its page, a
//! `helpUri` to the page and its default level. Each result has `ruleId`/`ruleIndex`, `level`
//! (`error`, `warning`, `note` for info), the message, a location relative to `%SRCROOT%` (the
//! repository root, where meshlint is expected to run), `partialFingerprints["meshlint/v1"]`
//! (see `fingerprint.rs`: stable when unrelated lines move) and, when a fix exists, `fixes` with
//! one replacement per edit (the fix's applicability in its property bag).
//!
//! Columns are UTF-16 code units, SARIF's default, and the run says so with
//! `columnKind: "utf16CodeUnits"`; region end columns are exclusive.

use super::fingerprint::file_fingerprints;
use super::{portable_path, Finding, FormatContext, Position, Report, Span};
use crate::diagnostic::{Applicability, RuleMeta, Severity};
use serde::Serialize;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");
/// The key of meshlint's entry in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "meshlint/v1";

/// The page of a rule, as SARIF's `helpUri` gives it.
pub fn help_uri(code: &str, name: &str) -> String {
    format!("{REPOSITORY}/blob/main/rules/{code}-{name}.md")
}

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'a str,
    semantic_version: &'a str,
    information_uri: &'static str,
    rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    id: &'a str,
    name: &'a str,
    short_description: Text<'a>,
    full_description: Text<'a>,
    help_uri: String,
    help: Help<'a>,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Text<'a> {
    text: Cow<'a, str>,
}

impl<'a> Text<'a> {
    fn new(text: impl Into<Cow<'a, str>>) -> Self {
        Self { text: text.into() }
    }
}

#[derive(Serialize)]
struct Help<'a> {
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    markdown: Option<&'a str>,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text<'a>,
    locations: [Location; 1],
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<Fix<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Fix<'a> {
    description: Text<'a>,
    artifact_changes: [ArtifactChange<'a>; 1],
    properties: FixProperties,
}

#[derive(Serialize)]
struct FixProperties {
    applicability: Applicability,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange<'a> {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement<'a> {
    deleted_region: Region,
    #[serde(skip_serializing_if = "Option::is_none")]
    inserted_content: Option<Text<'a>>,
}

pub fn write(report: &Report, ctx: &FormatContext, out: &mut dyn io::Write) -> io::Result<()> {
    let (rules, index) = rules(report, ctx.rules);
    let mut results = Vec::new();
    for file in &report.files {
        let location = artifact_location(&file.path);
        let fingerprints = file_fingerprints(file, FINGERPRINT_KEY);
        for (finding, fingerprint) in file.findings.iter().zip(fingerprints) {
            results.push(result(finding, &location, fingerprint, &index));
        }
    }
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "meshlint",
                    version: ctx.version,
                    semantic_version: ctx.version,
                    information_uri: REPOSITORY,
                    rules,
                },
            },
            column_kind: "utf16CodeUnits",
            results,
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The rules array (the registry in its order, then any unregistered code seen in the
/// findings, by code) and each code's index in it.
fn rules<'a>(
    report: &'a Report,
    registry: &'static [&'static RuleMeta],
) -> (Vec<Rule<'a>>, HashMap<&'a str, usize>) {
    let mut rules = Vec::new();
    let mut index = HashMap::new();
    for meta in registry {
        if index.insert(meta.code, rules.len()).is_none() {
            rules.push(Rule {
                id: meta.code,
                name: meta.name,
                short_description: Text::new(meta.summary),
                full_description: Text::new(
                    first_paragraph(meta.page).unwrap_or_else(|| meta.summary.to_owned()),
                ),
                help_uri: help_uri(meta.code, meta.name),
                help: Help {
                    text: format!(
                        "{}{} See {}",
                        meta.summary,
                        if meta.summary.ends_with('.') { "" } else { "." },
                        help_uri(meta.code, meta.name)
                    ),
                    markdown: Some(meta.page).filter(|p| !p.trim().is_empty()),
                },
                default_configuration: Configuration {
                    level: level(meta.severity),
                },
            });
        }
    }
    let mut unknown: BTreeMap<&str, &Finding> = BTreeMap::new();
    for (_, finding) in report.findings() {
        if !index.contains_key(finding.code) {
            unknown.entry(finding.code).or_insert(finding);
        }
    }
    for (code, finding) in unknown {
        index.insert(code, rules.len());
        rules.push(Rule {
            id: code,
            name: finding.name,
            short_description: Text::new(finding.name),
            full_description: Text::new(finding.name),
            help_uri: help_uri(code, finding.name),
            help: Help {
                text: format!("See {}", help_uri(code, finding.name)),
                markdown: None,
            },
            default_configuration: Configuration {
                level: level(finding.severity),
            },
        });
    }
    (rules, index)
}

/// The first paragraph of prose in a rule page (after any front matter, headings and the
/// `**Severity:** … · **Fix:** …` line).
fn first_paragraph(page: &str) -> Option<String> {
    let mut lines = page.lines().peekable();
    if lines.peek().is_some_and(|l| l.trim() == "---") {
        lines.next();
        for line in lines.by_ref() {
            if line.trim() == "---" {
                break;
            }
        }
    }
    let mut paragraph: Vec<&str> = Vec::new();
    let mut in_fence = false;
    for line in lines {
        let t = line.trim();
        if t.starts_with("```") || t.starts_with("~~~") {
            if !paragraph.is_empty() {
                break;
            }
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        if t.is_empty() || t.starts_with('#') {
            // A paragraph of bold `**Key:** value` lines is the page's metadata, not prose.
            if paragraph.iter().all(|l| l.starts_with("**")) {
                paragraph.clear();
            } else {
                break;
            }
            continue;
        }
        paragraph.push(t);
    }
    if paragraph.iter().all(|l| l.starts_with("**")) {
        return None;
    }
    Some(paragraph.join(" "))
}

fn result<'a>(
    finding: &'a Finding,
    location: &ArtifactLocation,
    fingerprint: String,
    index: &HashMap<&str, usize>,
) -> SarifResult<'a> {
    let fixes = finding
        .fix
        .as_ref()
        .filter(|fix| !fix.edits.is_empty())
        .map(|fix| Fix {
            description: Text::new(fix.message.as_str()),
            artifact_changes: [ArtifactChange {
                artifact_location: location.clone(),
                replacements: fix
                    .edits
                    .iter()
                    .map(|edit| Replacement {
                        deleted_region: region(&edit.range),
                        inserted_content: (!edit.content.is_empty())
                            .then(|| Text::new(edit.content.as_str())),
                    })
                    .collect(),
            }],
            properties: FixProperties {
                applicability: fix.applicability,
            },
        })
        .into_iter()
        .collect();
    SarifResult {
        rule_id: finding.code,
        rule_index: index.get(finding.code).copied().unwrap_or_default(),
        level: level(finding.severity),
        message: Text::new(finding.message.as_str()),
        locations: [Location {
            physical_location: PhysicalLocation {
                artifact_location: location.clone(),
                region: region(&finding.span),
            },
        }],
        partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, fingerprint)]),
        fixes,
    }
}

/// A text region in UTF-16 columns (falling back to scalar columns if a position lacks them).
fn region(span: &Span) -> Region {
    let column = |p: &Position| {
        if p.utf16_column == 0 {
            p.column.max(1)
        } else {
            p.utf16_column
        }
    };
    Region {
        start_line: span.start.line.max(1),
        start_column: column(&span.start),
        end_line: span.end.line.max(1),
        end_column: column(&span.end),
    }
}

/// The artifact location of `path`: relative to `%SRCROOT%`, or a `file://` URI when absolute.
fn artifact_location(path: &str) -> ArtifactLocation {
    let path = portable_path(path);
    let bytes = path.as_bytes();
    if bytes.first() == Some(&b'/') {
        return ArtifactLocation {
            uri: format!("file://{}", percent_encode(&path)),
            uri_base_id: None,
        };
    }
    if cfg!(windows)
        && bytes.len() > 2
        && bytes[0].is_ascii_alphabetic()
        && bytes[1] == b':'
        && bytes[2] == b'/'
    {
        return ArtifactLocation {
            uri: format!("file:///{}{}", &path[..2], percent_encode(&path[2..])),
            uri_base_id: None,
        };
    }
    ArtifactLocation {
        uri: percent_encode(&path),
        uri_base_id: Some("%SRCROOT%"),
    }
}

/// `path` as a URI path: unreserved characters and `/` kept, every other byte percent-encoded.
fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{first_paragraph, percent_encode};

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(percent_encode("deploy/app.yaml"), "deploy/app.yaml");
        assert_eq!(percent_encode("my dir/a#b.yaml"), "my%20dir/a%23b.yaml");
        assert_eq!(percent_encode("café.yaml"), "caf%C3%A9.yaml");
    }

    #[test]
    fn first_paragraph_skips_front_matter_headings_and_code() {
        let page = "---\ncode: MESH101\n---\n# MESH101 hold\n\n## What it does\n\n```yaml\nx: 1\n```\n\nFinds pods\nthat start early.\n\nMore.\n";
        assert_eq!(
            first_paragraph(page).as_deref(),
            Some("Finds pods that start early.")
        );
        assert_eq!(first_paragraph("# Title only\n"), None);
        let page = "# MESH302 ip-ranges-malformed\n\n**Severity:** error · **Fix:** safe\n\n\
                    An element is not\na CIDR.\n\n## Why it matters\n";
        assert_eq!(
            first_paragraph(page).as_deref(),
            Some("An element is not a CIDR.")
        );
        assert_eq!(first_paragraph("**Severity:** error\n"), None);
    }
}
