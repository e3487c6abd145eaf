//! Tests of every output format over one hand-built report: snapshots of each format, and
//! structural checks (JSON keys, SARIF schema and UTF-16 columns, GitHub escaping, GitLab and
//! SARIF fingerprints, `JUnit` names and well-formed XML).

mod schema;
mod xml;

use super::*;
use crate::diagnostic::{Applicability, FixAvailability, RuleMeta, Severity};
use serde_json::Value;
use std::collections::HashSet;

// ---------------------------------------------------------------------------------------------
// Fixture: a registry of its own (short pages), whose codes, names and fix availability are
// the real rules' so that the snapshots read like real output.

static MESH101: RuleMeta = RuleMeta {
    code: "MESH101",
    name: "hold-missing",
    severity: Severity::Warning,
    fix: FixAvailability::Safe,
    summary: "The application can start before the Istio proxy is ready.",
    page: "# MESH101 hold-missing\n\n## What it does\n\nFinds workloads whose \
           containers\ncan start before the sidecar proxy accepts traffic.\n\n## Why is this \
           bad?\n\nECONNREFUSED.\n",
};
static MESH302: RuleMeta = RuleMeta {
    code: "MESH302",
    name: "ip-ranges-malformed",
    severity: Severity::Error,
    fix: FixAvailability::SometimesSafe,
    summary: "An IP range list Istio's init container rejects.",
    page: "",
};
static MESH306: RuleMeta = RuleMeta {
    code: "MESH306",
    name: "port-list-malformed",
    severity: Severity::Error,
    fix: FixAvailability::SometimesSafe,
    summary: "A port list Istio's init container rejects.",
    page: "",
};
static MESH401: RuleMeta = RuleMeta {
    code: "MESH401",
    name: "vault-init-race",
    severity: Severity::Warning,
    fix: FixAvailability::SometimesSafeOrUnsafe,
    summary: "The Vault agent's traffic is captured by the proxy.",
    page: "",
};
static MESH501: RuleMeta = RuleMeta {
    code: "MESH501",
    name: "annotation-value-not-string",
    severity: Severity::Warning,
    fix: FixAvailability::Safe,
    summary: "An annotation value that YAML reads as a bool or number.",
    page: "",
};
static MESH502: RuleMeta = RuleMeta {
    code: "MESH502",
    name: "unknown-istio-annotation",
    severity: Severity::Warning,
    fix: FixAvailability::SometimesSafeOrUnsafe,
    summary: "An Istio annotation key Istio does not know.",
    page: "",
};
static MESH203: RuleMeta = RuleMeta {
    code: "MESH203",
    name: "inject-annotation-deprecated",
    severity: Severity::Info,
    fix: FixAvailability::SometimesSafeOrUnsafe,
    summary: "The sidecar.istio.io/inject annotation is deprecated for the label.",
    page: "",
};
// MESH903 is left out on purpose: SARIF must still give it a rule entry.
static RULES: [&RuleMeta; 7] = [
    &MESH101, &MESH302, &MESH306, &MESH401, &MESH501, &MESH502, &MESH203,
];

fn ctx() -> FormatContext {
    FormatContext::new(&RULES, "0.1.0")
}

const APP: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: checkout
  labels: {team: 検索🚀, sidecar.istio.io/inject: yes}
spec:
  template:
    metadata:
      annotations:
        traffic.sidecar.istio.io/excludeOutboundIPRanges: \"10.0.0.0/8, 172.16.0.0/12\"
        sidecar.istio.io/statsInclusionPrefixes<&>: \"x\"
      # meshlint: ignore[MESH999]
";

const VAULT: &str = "\u{feff}apiVersion: v1\r
kind: Pod\r
metadata:\r
  name: vault-client\r
  annotations:\r
    vault.hashicorp.com/agent-inject: \"true\"\r
---\r
apiVersion: v1\r
kind: Pod\r
metadata:\r
  name: vault-client-2\r
  annotations:\r
    vault.hashicorp.com/agent-inject: \"true\"\r
    traffic.sidecar.istio.io/excludeOutboundPorts: \"8200,\"\r
";

/// One file's text, to resolve positions the way the engine does (independently written).
struct Doc {
    path: &'static str,
    text: String,
}

impl Doc {
    fn new(path: &'static str, prefix: &str, text: &str) -> Self {
        Self {
            path,
            text: format!("{prefix}{text}"),
        }
    }

    fn pos(&self, offset: usize) -> Position {
        let before = &self.text[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let mut col_text = &self.text[line_start..offset];
        if line_start == 0 {
            col_text = col_text.strip_prefix('\u{feff}').unwrap_or(col_text);
        }
        Position {
            line: before.matches('\n').count() as u32 + 1,
            column: col_text.chars().count() as u32 + 1,
            utf16_column: col_text.encode_utf16().count() as u32 + 1,
            offset: offset as u32,
        }
    }

    fn span(&self, (start, end): (usize, usize)) -> Span {
        Span {
            start: self.pos(start),
            end: self.pos(end),
        }
    }

    /// The whole lines covering `start..end`, without the final line ending.
    fn snippet(&self, (start, end): (usize, usize)) -> Snippet {
        let first = self.text[..start].rfind('\n').map_or(0, |i| i + 1);
        let last = if end > start && self.text[..end].ends_with('\n') {
            end - 1
        } else {
            end
        };
        let line_end = self.text[last..]
            .find('\n')
            .map_or(self.text.len(), |i| last + i);
        let text = &self.text[first..line_end];
        Snippet {
            first_line: self.pos(first).line,
            offset: first as u32,
            text: text.strip_suffix('\r').unwrap_or(text).into(),
        }
    }

    /// The byte range of the `nth` (0-based) occurrence of `needle`.
    fn find(&self, needle: &str, nth: usize) -> (usize, usize) {
        let start = self
            .text
            .match_indices(needle)
            .nth(nth)
            .unwrap_or_else(|| panic!("{needle:?} #{nth} not in {}", self.path))
            .0;
        (start, start + needle.len())
    }

    fn finding(&self, rule: &RuleMeta, range: (usize, usize), message: &str) -> Finding {
        Finding {
            code: rule.code,
            name: rule.name,
            severity: rule.severity,
            message: message.to_owned(),
            span: self.span(range),
            fix: None,
            snippet: self.snippet(range),
            assumed: false,
        }
    }

    fn fix(
        &self,
        applicability: Applicability,
        message: &str,
        edits: &[((usize, usize), &str)],
    ) -> LocatedFix {
        LocatedFix {
            applicability,
            message: message.to_owned(),
            edits: edits
                .iter()
                .map(|&(range, content)| LocatedEdit {
                    range: self.span(range),
                    content: content.to_owned(),
                })
                .collect(),
        }
    }
}

static MESH903_CODE: &str = "MESH903";

/// The report of the two fixture files; `prefix` is prepended to `deploy/app.yaml` (to shift
/// every line of it).
fn fixture_with_prefix(prefix: &str) -> Report {
    let app = Doc::new("deploy/app.yaml", prefix, APP);
    let vault = Doc::new("k8s/vault.yml", "", VAULT);
    Report {
        files: vec![
            FileFindings {
                path: app.path.to_owned(),
                findings: app_findings(&app),
            },
            FileFindings {
                path: format!("./{}", vault.path),
                findings: vault_findings(&vault),
            },
        ],
        files_checked: 3,
        fix_summary: None,
    }
}

/// The findings of the fixture's `deploy/app.yaml`.
fn app_findings(app: &Doc) -> Vec<Finding> {
    let mut hold = app.finding(
        &MESH101,
        (
            app.find("kind: Deployment", 0).0,
            app.find("name: checkout", 0).1,
        ),
        "Deployment `checkout` can start its application before the proxy is ready",
    );
    let insert_at = app.find("        traffic.sidecar", 0).0;
    hold.fix = Some(app.fix(
        Applicability::Safe,
        "hold the application until the proxy starts",
        &[(
            (insert_at, insert_at),
            "        proxy.istio.io/config: '{\"holdApplicationUntilProxyStarts\": true}'\n",
        )],
    ));

    let mut inject = app.finding(
        &MESH501,
        app.find("yes", 0),
        "`sidecar.istio.io/inject: yes` is a YAML 1.1 bool, not the string \"true\"",
    );
    inject.fix = Some(app.fix(
        Applicability::Safe,
        "write \"true\"",
        &[(app.find("yes", 0), "\"true\"")],
    ));

    let mut ranges = app.finding(
        &MESH302,
        app.find("\"10.0.0.0/8, 172.16.0.0/12\"", 0),
        "excludeOutboundIPRanges `10.0.0.0/8, 172.16.0.0/12`: entry 2 starts with a space, \
         so 100% of this traffic stays captured",
    );
    ranges.fix = Some(
        app.fix(
            Applicability::Safe,
            "remove the space after the comma",
            &[(app.find(", 172", 0).0 + 1, ", 172".len() - 4)]
                .map(|(start, len)| ((start, start + len), ""))[..],
        ),
    );

    let unknown = app.finding(
        &MESH502,
        app.find("sidecar.istio.io/statsInclusionPrefixes<&>", 0),
        "unknown annotation key `sidecar.istio.io/statsInclusionPrefixes<&>`\nIstio ignores \
         it; did you mean 'sidecar.istio.io/statsInclusionPrefixes'? \u{1b}[31mred\u{7}",
    );

    let comment = app.find("      # meshlint: ignore[MESH999]\n", 0);
    let mut unused = app.finding(
        &MESH203,
        (comment.0 + 6, comment.1 - 1),
        "the suppression of MESH999 matched nothing",
    );
    unused.code = MESH903_CODE;
    unused.name = "unused-suppression";
    unused.fix = Some(app.fix(
        Applicability::Safe,
        "remove the suppression comment",
        &[(comment, "")],
    ));
    vec![hold, inject, ranges, unknown, unused]
}

/// The findings of the fixture's `k8s/vault.yml`.
fn vault_findings(vault: &Doc) -> Vec<Finding> {
    let deprecated = vault.finding(
        &MESH203,
        vault.find("apiVersion: v1", 0),
        "Pod `vault-client` sets injection with the deprecated annotation",
    );
    let mut agent1 = vault.finding(
        &MESH401,
        vault.find("vault.hashicorp.com/agent-inject: \"true\"", 0),
        "the Vault agent's traffic to port 8200 goes through the proxy",
    );
    let after_inject = vault.find("\"true\"\r\n", 0).1;
    agent1.fix = Some(vault.fix(
        Applicability::Unsafe,
        "exclude Vault's port from capture",
        &[(
            (after_inject, after_inject),
            "    traffic.sidecar.istio.io/excludeOutboundPorts: \"8200\"\r\n",
        )],
    ));
    let agent2 = vault.finding(
        &MESH401,
        vault.find("vault.hashicorp.com/agent-inject: \"true\"", 1),
        "the Vault agent's traffic to port 8200 goes through the proxy",
    );
    let second_pod = vault.finding(
        &MESH101,
        (vault.find("kind: Pod", 1).0, vault.find("metadata:", 1).1),
        "Pod `vault-client-2` can start its application before the proxy is ready",
    );
    let mut ports = vault.finding(
        &MESH306,
        vault.find("\"8200,\"", 0),
        "port list `8200,` ends with a comma",
    );
    ports.fix = Some(vault.fix(
        Applicability::Safe,
        "remove the trailing comma",
        &[(vault.find("8200,", 0).0 + 4, ",".len())].map(|(start, len)| ((start, start + len), ""))
            [..],
    ));
    let ports_again = vault.finding(
        &MESH306,
        vault.find("\"8200,\"", 0),
        "port list `8200,` has an empty entry",
    );
    vec![deprecated, agent1, second_pod, agent2, ports, ports_again]
}

fn fixture() -> Report {
    fixture_with_prefix("")
}

fn render(format: Format, report: &Report, ctx: &FormatContext) -> String {
    let mut out = Vec::new();
    write_report(format, report, ctx, &mut out).expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("every format writes UTF-8")
}

fn render_default(format: Format) -> String {
    render(format, &fixture(), &ctx())
}

// ---------------------------------------------------------------------------------------------
// Snapshots

#[test]
fn snapshot_human() {
    insta::assert_snapshot!("human", render_default(Format::Human));
}

#[test]
fn snapshot_concise() {
    insta::assert_snapshot!("concise", render_default(Format::Concise));
}

#[test]
fn snapshot_json() {
    insta::assert_snapshot!("json", render_default(Format::Json));
}

#[test]
fn snapshot_json_lines() {
    insta::assert_snapshot!("json_lines", render_default(Format::JsonLines));
}

#[test]
fn snapshot_sarif() {
    insta::assert_snapshot!("sarif", render_default(Format::Sarif));
}

#[test]
fn snapshot_github() {
    insta::assert_snapshot!("github", render_default(Format::Github));
}

#[test]
fn snapshot_gitlab() {
    insta::assert_snapshot!("gitlab", render_default(Format::Gitlab));
}

#[test]
fn snapshot_junit() {
    insta::assert_snapshot!("junit", render_default(Format::Junit));
}

#[test]
fn snapshot_statistics() {
    let ctx = FormatContext {
        statistics: true,
        ..ctx()
    };
    insta::assert_snapshot!("statistics", render(Format::Concise, &fixture(), &ctx));
}

fn after_fix() -> Report {
    let mut report = fixture();
    report.files.truncate(1);
    report.files[0].findings.truncate(1);
    report.fix_summary = Some(FixSummary {
        // 2 fixed, 1 went away with them, 1 remains.
        problems_before: 4,
        fixes_applied: 2,
        files_fixed: 2,
        failures: vec![
            "fix for MESH302 at deploy/app.yaml:10:59 was not applied: a new error appeared"
                .to_owned(),
        ],
        rejected: 1,
        applied: vec![
            ShownFix {
                path: "deploy/app.yaml".to_owned(),
                code: "MESH501",
                name: "annotation-value-not-string",
                line: 5,
                column: 52,
                message: "write \"true\"".to_owned(),
            },
            ShownFix {
                path: "k8s/vault.yml".to_owned(),
                code: "MESH306",
                name: "port-list-malformed",
                line: 14,
                column: 52,
                message: "remove the trailing comma".to_owned(),
            },
        ],
    });
    report
}

#[test]
fn snapshot_human_after_fix_with_show_fixes() {
    let ctx = FormatContext {
        show_fixes: true,
        ..ctx()
    };
    insta::assert_snapshot!("human_after_fix", render(Format::Human, &after_fix(), &ctx));
}

#[test]
fn human_and_concise_all_clear() {
    let report = Report {
        files: Vec::new(),
        files_checked: 7,
        fix_summary: None,
    };
    for format in [Format::Human, Format::Concise] {
        assert_eq!(
            render(format, &report, &ctx()),
            "All clear: 7 files checked, no problems.\n"
        );
    }
    let one = Report {
        files_checked: 1,
        ..report
    };
    assert_eq!(
        render(Format::Concise, &one, &ctx()),
        "All clear: 1 file checked, no problems.\n"
    );
}

#[test]
fn human_summary_counts() {
    let out = render_default(Format::Human);
    assert!(
        out.ends_with(
            "11 problems (3 errors, 6 warnings, 2 infos) in 2 of 3 files checked; \
             5 fixable with --fix (1 more with --unsafe-fixes)\n"
        ),
        "{out}"
    );
}

// ---------------------------------------------------------------------------------------------
// human

#[test]
fn human_is_safe_for_terminals_and_colour_free_without_colour() {
    let out = render_default(Format::Human);
    assert!(!out.contains('\u{1b}'), "raw ESC in human output:\n{out}");
    assert!(!out.contains('\u{7}'));
    assert!(!out.contains('\u{feff}'), "the BOM reached the excerpt");
    assert!(out.contains("\\u{1b}[31mred\\u{7}"), "{out}");
    // The header, the excerpt at the snippet's own line number, the underline and the help.
    assert!(out
        .contains("deploy/app.yaml:10:59: MESH302 [ip-ranges-malformed] excludeOutboundIPRanges"));
    assert!(out.contains(
        " 10 │         traffic.sidecar.istio.io/excludeOutboundIPRanges: \"10.0.0.0/8, 172.16.0.0/12\""
    ));
    assert!(out.contains("help: remove the space after the comma (fixable with --fix)"));
    assert!(out.contains("(fixable with --unsafe-fixes)"));
}

#[test]
fn human_with_colour_uses_ansi() {
    let ctx = FormatContext {
        color: true,
        ..ctx()
    };
    let out = render(Format::Human, &fixture(), &ctx);
    assert!(out.contains("\u{1b}["));
    // Colour never changes the text: stripping the escapes gives the plain rendering.
    let plain: String = anstream::adapter::strip_str(&out).to_string();
    assert_eq!(plain, render_default(Format::Human));
}

#[test]
fn human_underlines_under_the_right_characters() {
    // The `yes` after CJK and an emoji: the underline must sit under it, whatever the widths.
    let out = render_default(Format::Human);
    let lines: Vec<&str> = out.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains("│   labels: {team: 検索🚀"))
        .expect("excerpt line");
    let source = lines[at];
    let underline = lines[at + 1];
    let width = |s: &str| unicode_width(s);
    let yes_col = width(&source[..source.find("yes").unwrap()]);
    let mark_col = width(&underline[..underline.find('─').unwrap()]);
    assert_eq!(yes_col, mark_col, "\n{source}\n{underline}");
}

/// Display width: CJK and emoji take two columns (enough for this test's characters).
fn unicode_width(s: &str) -> usize {
    s.chars()
        .map(|c| match u32::from(c) {
            0x1100..=0x115f
            | 0x2e80..=0xa4cf
            | 0xac00..=0xd7a3
            | 0xf900..=0xfaff
            | 0xfe30..=0xfe4f
            | 0xff00..=0xff60
            | 0xffe0..=0xffe6
            | 0x1f300..=0x1faff => 2,
            _ => 1,
        })
        .sum()
}

// ---------------------------------------------------------------------------------------------
// json, json-lines

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

fn check_range(range: &Value) {
    assert_eq!(keys(range), ["end", "start"]);
    for end in ["start", "end"] {
        assert_eq!(keys(&range[end]), ["column", "line", "offset"]);
        assert!(range[end]["line"].as_u64().unwrap() >= 1);
        assert!(range[end]["column"].as_u64().unwrap() >= 1);
    }
}

#[test]
fn json_has_exactly_the_contract_keys() {
    let out = render_default(Format::Json);
    assert!(out.ends_with("}\n"));
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(keys(&doc), ["diagnostics", "summary", "version"]);
    assert_eq!(doc["version"], 1);
    assert_eq!(
        doc["summary"],
        serde_json::json!({"files": 3, "files_with_findings": 2, "errors": 3, "warnings": 6, "infos": 2, "fixable": 6, "fixable_safe": 5, "fixable_unsafe": 1, "injection_unknown": 0})
    );
    let diagnostics = doc["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 11);
    for d in diagnostics {
        assert_eq!(
            keys(d),
            ["code", "file", "fix", "message", "name", "range", "severity"]
        );
        assert!(["error", "warning", "info"].contains(&d["severity"].as_str().unwrap()));
        check_range(&d["range"]);
        if !d["fix"].is_null() {
            assert_eq!(keys(&d["fix"]), ["applicability", "edits", "message"]);
            assert!(["safe", "unsafe"].contains(&d["fix"]["applicability"].as_str().unwrap()));
            for edit in d["fix"]["edits"].as_array().unwrap() {
                assert_eq!(keys(edit), ["content", "range"]);
                check_range(&edit["range"]);
            }
        }
    }
    // The file is the path as given; columns count scalars; offsets count bytes (BOM included).
    let deprecated = &diagnostics[5];
    assert_eq!(deprecated["code"], "MESH203");
    assert_eq!(deprecated["file"], "./k8s/vault.yml");
    assert_eq!(
        deprecated["range"]["start"],
        serde_json::json!({"line": 1, "column": 1, "offset": 3})
    );
    let inject = &diagnostics[1];
    assert_eq!(inject["code"], "MESH501");
    let line = APP.lines().nth(4).unwrap();
    let col = line[..line.find("yes").unwrap()].chars().count() + 1;
    assert_eq!(inject["range"]["start"]["column"], col);
    assert_eq!(inject["range"]["start"]["offset"], APP.find("yes").unwrap());
}

#[test]
fn json_lines_match_json_diagnostics() {
    let doc: Value = serde_json::from_str(&render_default(Format::Json)).unwrap();
    let out = render_default(Format::JsonLines);
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is one JSON object"))
        .collect();
    assert_eq!(&Value::Array(lines), &doc["diagnostics"]);
    assert!(out.ends_with('\n'));
    let empty = Report::default();
    assert_eq!(render(Format::JsonLines, &empty, &ctx()), "");
}

// ---------------------------------------------------------------------------------------------
// SARIF

fn sarif() -> Value {
    serde_json::from_str(&render_default(Format::Sarif)).unwrap()
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let schema: Value =
        serde_json::from_str(include_str!("testdata/sarif-schema-2.1.0.json")).unwrap();
    let errors = schema::validate(&schema, &sarif());
    assert!(errors.is_empty(), "{errors:#?}");
    // The validator does reject what the schema forbids.
    let mut broken = sarif();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    broken["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    broken["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"] = "not a uri".into();
    broken["runs"][0]["columnKind"] = "bytes".into();
    broken["runs"][0]["bogus"] = true.into();
    let errors = schema::validate(&schema, &broken);
    assert_eq!(errors.len(), 5, "{errors:#?}");
    // An empty report is valid too.
    let empty: Value =
        serde_json::from_str(&render(Format::Sarif, &Report::default(), &ctx())).unwrap();
    let errors = schema::validate(&schema, &empty);
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn sarif_with_the_real_registry_validates() {
    let schema: Value =
        serde_json::from_str(include_str!("testdata/sarif-schema-2.1.0.json")).unwrap();
    let ctx = FormatContext::new(crate::rules::metas(), env!("CARGO_PKG_VERSION"));
    let log: Value = serde_json::from_str(&render(Format::Sarif, &fixture(), &ctx)).unwrap();
    let errors = schema::validate(&schema, &log);
    assert!(errors.is_empty(), "{errors:#?}");
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert!(rules.len() >= crate::rules::metas().len());
    for rule in rules {
        let text = rule["fullDescription"]["text"].as_str().unwrap();
        assert!(
            !text.starts_with("**"),
            "metadata taken as a description: {text}"
        );
    }
}

#[test]
fn sarif_run_rules_and_results() {
    let log = sarif();
    assert_eq!(
        log["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(run["columnKind"], "utf16CodeUnits");
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "meshlint");
    assert_eq!(driver["version"], "0.1.0");
    let rules = driver["rules"].as_array().unwrap();
    // Every registered rule, then the unregistered MESH903.
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["MESH101", "MESH302", "MESH306", "MESH401", "MESH501", "MESH502", "MESH203", "MESH903"]
    );
    assert_eq!(
        rules[0]["helpUri"],
        "https://github.com/meshlint/meshlint/blob/main/rules/MESH101-hold-missing.md"
    );
    assert_eq!(rules[0]["shortDescription"]["text"], MESH101.summary);
    assert_eq!(
        rules[0]["fullDescription"]["text"],
        "Finds workloads whose containers can start before the sidecar proxy accepts traffic."
    );
    assert_eq!(rules[1]["defaultConfiguration"]["level"], "error");
    assert_eq!(rules[6]["defaultConfiguration"]["level"], "note");
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 11);
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        let location = &result["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(location["uriBaseId"], "%SRCROOT%");
        assert!(!location["uri"].as_str().unwrap().starts_with("./"));
    }
    assert_eq!(results[5]["level"], "note");
    assert_eq!(
        results[5]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "k8s/vault.yml"
    );
}

#[test]
fn sarif_columns_are_utf16_code_units() {
    let json: Value = serde_json::from_str(&render_default(Format::Json)).unwrap();
    let log = sarif();
    let results = log["runs"][0]["results"].as_array().unwrap();
    for (result, diagnostic) in results.iter().zip(json["diagnostics"].as_array().unwrap()) {
        let region = &result["locations"][0]["physicalLocation"]["region"];
        let start = &diagnostic["range"]["start"];
        assert_eq!(region["startLine"], start["line"]);
        let scalar = start["column"].as_u64().unwrap();
        let utf16 = region["startColumn"].as_u64().unwrap();
        if diagnostic["code"] == "MESH501" {
            // `yes` follows 検索🚀: the emoji is one scalar but two UTF-16 code units.
            assert_eq!(utf16, scalar + 1);
            let line = APP.lines().nth(4).unwrap();
            let before = &line[..line.find("yes").unwrap()];
            assert_eq!(utf16, before.encode_utf16().count() as u64 + 1);
            assert_eq!(region["endColumn"].as_u64().unwrap(), utf16 + 3);
        } else {
            assert_eq!(utf16, scalar, "{}", diagnostic["code"]);
        }
    }
}

#[test]
fn sarif_fixes_and_fingerprints() {
    let log = sarif();
    let results = log["runs"][0]["results"].as_array().unwrap();
    let inject = &results[1];
    let fix = &inject["fixes"][0];
    assert_eq!(fix["description"]["text"], "write \"true\"");
    assert_eq!(fix["properties"]["applicability"], "safe");
    let replacement = &fix["artifactChanges"][0]["replacements"][0];
    assert_eq!(replacement["insertedContent"]["text"], "\"true\"");
    assert_eq!(
        replacement["deletedRegion"],
        inject["locations"][0]["physicalLocation"]["region"]
    );
    // A deletion has no insertedContent; a finding without fix has no `fixes`.
    let unused = &results[4];
    assert!(unused["fixes"][0]["artifactChanges"][0]["replacements"][0]
        .get("insertedContent")
        .is_none());
    assert!(results[3].get("fixes").is_none());

    let prints: Vec<&str> = results
        .iter()
        .map(|r| r["partialFingerprints"]["meshlint/v1"].as_str().unwrap())
        .collect();
    assert_eq!(prints.iter().collect::<HashSet<_>>().len(), prints.len());
    assert!(prints.iter().all(|p| p.len() == 32));
    // Shifting every line of deploy/app.yaml changes no fingerprint.
    let shifted: Value = serde_json::from_str(&render(
        Format::Sarif,
        &fixture_with_prefix("# a comment added on top\n---\n"),
        &ctx(),
    ))
    .unwrap();
    let shifted_results = shifted["runs"][0]["results"].as_array().unwrap();
    for (a, b) in results.iter().zip(shifted_results) {
        assert_eq!(a["partialFingerprints"], b["partialFingerprints"]);
        if a["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "deploy/app.yaml" {
            assert_ne!(a["locations"], b["locations"]);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// GitHub

#[test]
fn github_escapes_messages_and_properties() {
    assert_eq!(
        github::escape_data("100% a:b,c\r\nd"),
        "100%25 a:b,c%0D%0Ad"
    );
    assert_eq!(
        github::escape_property("100% a:b,c\r\nd"),
        "100%25 a%3Ab%2Cc%0D%0Ad"
    );
    let out = render_default(Format::Github);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 11);
    assert!(lines.iter().all(|l| l.starts_with("::")));
    assert!(lines[0].starts_with(
        "::warning file=deploy/app.yaml,line=2,col=1,endLine=4,endColumn=17,\
         title=MESH101::"
    ));
    assert!(lines[2].starts_with("::error "));
    assert!(lines[2].ends_with(
        "::excludeOutboundIPRanges `10.0.0.0/8, 172.16.0.0/12`: entry 2 starts with a space, \
         so 100%25 of this traffic stays captured"
    ));
    assert!(lines[3].contains("Prefixes<&>`%0AIstio ignores it"));
    assert!(lines[3].ends_with("? \\u{1b}[31mred\\u{7}"), "{}", lines[3]);
    assert!(!out.contains('\u{1b}'));
    assert!(lines[4].starts_with("::notice "));
    assert!(lines[5].starts_with("::notice file=k8s/vault.yml,"));

    // Awkward paths: `:` and `,` in a property value.
    let mut report = fixture();
    report.files[0].path = "we:ird,dir/100%.yaml".to_owned();
    let out = render(Format::Github, &report, &ctx());
    assert!(out.starts_with("::warning file=we%3Aird%2Cdir/100%25.yaml,line=2,"));
}

// ---------------------------------------------------------------------------------------------
// GitLab

#[test]
fn gitlab_code_quality_report() {
    let out = render_default(Format::Gitlab);
    assert!(!out.starts_with('\u{feff}'));
    let issues: Value = serde_json::from_str(&out).unwrap();
    let issues = issues.as_array().unwrap();
    assert_eq!(issues.len(), 11);
    for issue in issues {
        assert_eq!(
            keys(issue),
            [
                "check_name",
                "description",
                "fingerprint",
                "location",
                "severity"
            ]
        );
        assert_eq!(keys(&issue["location"]), ["lines", "path"]);
        assert!(issue["description"]
            .as_str()
            .unwrap()
            .starts_with(issue["check_name"].as_str().unwrap()));
        assert!(["info", "minor", "major", "critical", "blocker"]
            .contains(&issue["severity"].as_str().unwrap()));
    }
    assert_eq!(issues[2]["severity"], "critical");
    assert_eq!(issues[1]["severity"], "major");
    assert_eq!(issues[4]["severity"], "info");
    assert_eq!(issues[6]["location"]["path"], "k8s/vault.yml");
    assert_eq!(issues[6]["location"]["lines"]["begin"], 6);

    let prints: Vec<&str> = issues
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(
        prints.iter().collect::<HashSet<_>>().len(),
        prints.len(),
        "fingerprints must be unique (two identical MESH401 lines in k8s/vault.yml)"
    );
    // Stable: the same report gives the same fingerprints, and so does a shifted file.
    assert_eq!(out, render_default(Format::Gitlab));
    let shifted: Value = serde_json::from_str(&render(
        Format::Gitlab,
        &fixture_with_prefix("# moved down\n\n\n"),
        &ctx(),
    ))
    .unwrap();
    for (a, b) in issues.iter().zip(shifted.as_array().unwrap()) {
        assert_eq!(a["fingerprint"], b["fingerprint"]);
    }
    assert_ne!(
        issues[0]["location"]["lines"]["begin"],
        shifted[0]["location"]["lines"]["begin"]
    );
    // SARIF and GitLab fingerprints use different schemes.
    let sarif_print =
        sarif()["runs"][0]["results"][0]["partialFingerprints"]["meshlint/v1"].clone();
    assert_ne!(sarif_print, issues[0]["fingerprint"]);
}

// ---------------------------------------------------------------------------------------------
// JUnit

#[test]
fn junit_is_well_formed_with_unique_names() {
    let out = render_default(Format::Junit);
    let root = xml::parse(&out).unwrap_or_else(|e| panic!("not well-formed XML: {e}\n{out}"));
    assert_eq!(root.name, "testsuites");
    assert_eq!(root.attr("tests"), Some("11"));
    assert_eq!(root.attr("failures"), Some("11"));
    let suites = root.children("testsuite");
    assert_eq!(suites.len(), 2);
    assert_eq!(suites[0].attr("name"), Some("deploy/app.yaml"));
    // Paths as CI tools want them: relative, no leading `./`.
    assert_eq!(suites[1].attr("name"), Some("k8s/vault.yml"));
    let mut total = 0;
    for suite in &suites {
        let cases = suite.children("testcase");
        assert_eq!(suite.attr("tests"), Some(cases.len().to_string().as_str()));
        let names: HashSet<&str> = cases.iter().filter_map(|c| c.attr("name")).collect();
        assert_eq!(names.len(), cases.len(), "testcase names must be unique");
        for case in &cases {
            assert_eq!(case.attr("classname"), suite.attr("name"));
            let failures = case.children("failure");
            assert_eq!(failures.len(), 1);
            assert!(failures[0]
                .text
                .contains(failures[0].attr("message").unwrap()));
            let name = case.attr("name").unwrap();
            let code = failures[0].attr("type").unwrap();
            assert!(name.starts_with(&format!("{code}@")), "{name}");
        }
        total += cases.len();
    }
    assert_eq!(total, 11);
    let vault_names: Vec<&str> = suites[1]
        .children("testcase")
        .iter()
        .filter_map(|c| c.attr("name"))
        .collect();
    assert_eq!(
        vault_names,
        [
            "MESH203@1:1",
            "MESH401@6:5",
            "MESH101@9:1",
            "MESH401@13:5",
            "MESH306@14:52",
            "MESH306@14:52 #2"
        ]
    );
    // The awkward message survives the round trip, minus the characters XML cannot carry.
    let unknown = &suites[0].children("testcase")[3].children("failure")[0];
    assert_eq!(
        unknown.attr("message"),
        Some(
            "unknown annotation key `sidecar.istio.io/statsInclusionPrefixes<&>`\nIstio ignores \
             it; did you mean 'sidecar.istio.io/statsInclusionPrefixes'? \\u{1b}[31mred\\u{7}"
        )
    );
    let empty = render(Format::Junit, &Report::default(), &ctx());
    let root = xml::parse(&empty).unwrap();
    assert_eq!(root.attr("tests"), Some("0"));
    assert!(root.children("testsuite").is_empty());
}

#[test]
fn junit_escaping() {
    assert_eq!(
        junit::attr("a&b<c>d\"e'f\ng\th\ri\u{0}j\u{fffe}"),
        "a&amp;b&lt;c&gt;d&quot;e&apos;f&#10;g&#9;h&#13;i\\u{0}j\\u{fffe}"
    );
    assert_eq!(junit::text("a&b\nc\r"), "a&amp;b\nc&#13;");
}

// ---------------------------------------------------------------------------------------------
// Format names, dispatch, helpers

#[test]
fn format_names_round_trip() {
    for (format, name) in Format::ALL.into_iter().zip(Format::NAMES) {
        assert_eq!(format.name(), name);
        assert_eq!(name.parse::<Format>(), Ok(format));
        assert_eq!(format.to_string(), name);
    }
    let err = "jsonlines".parse::<Format>().unwrap_err();
    assert_eq!(err.suggestion(), Some("json-lines"));
    assert_eq!(
        err.to_string(),
        "unknown format `jsonlines` (did you mean `json-lines`?); expected one of: human, \
         concise, json, json-lines, sarif, github, gitlab, junit"
    );
    assert_eq!("xml".parse::<Format>().unwrap_err().suggestion(), None);
    assert_eq!(Format::default(), Format::Human);
}

#[test]
fn statistics_sorted_by_count() {
    let mut out = Vec::new();
    write_statistics(&fixture(), &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    let codes: Vec<&str> = out
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().nth(1).unwrap())
        .collect();
    assert_eq!(
        codes,
        ["MESH101", "MESH306", "MESH401", "MESH203", "MESH302", "MESH501", "MESH502", "MESH903"]
    );
    let mut empty = Vec::new();
    write_statistics(&Report::default(), &mut empty).unwrap();
    assert!(empty.is_empty());
}

#[test]
fn machine_formats_ignore_colour_and_statistics() {
    let loud = FormatContext {
        color: true,
        statistics: true,
        show_fixes: true,
        ..ctx()
    };
    for format in Format::ALL.into_iter().filter(|f| !f.is_human()) {
        assert_eq!(
            render(format, &fixture(), &loud),
            render_default(format),
            "{format}"
        );
    }
}

#[test]
fn portable_paths() {
    assert_eq!(portable_path("./a/b.yaml"), "a/b.yaml");
    assert_eq!(portable_path(".//a.yaml"), "a.yaml");
    assert_eq!(portable_path("a/./b.yaml"), "a/./b.yaml");
    assert_eq!(portable_path("/abs/x.yaml"), "/abs/x.yaml");
}

#[test]
fn source_line_comes_from_the_snippet() {
    let report = fixture();
    let (_, multi) = report.findings().next().unwrap();
    assert_eq!(multi.source_line(), Some("kind: Deployment"));
    let vault = &report.files[1].findings;
    assert_eq!(vault[0].source_line(), Some("apiVersion: v1"));
    assert_eq!(
        vault[1].source_line(),
        Some("    vault.hashicorp.com/agent-inject: \"true\"")
    );
}

#[test]
fn snapshot_human_edge_cases() {
    let text = "a:\tb\u{1b}[2J: c\nkey: value\n\u{202e}evil: x\n";
    let doc = Doc::new("edge.yaml", "", text);
    // An insertion point (empty span) at the end of line 2.
    let end_of_2 = doc.find("value", 0).1;
    let point = doc.finding(
        &MESH101,
        (end_of_2, end_of_2),
        "an insertion point at the end of the line",
    );
    // A finding after a tab and a terminal escape sequence.
    let after_controls = doc.finding(&MESH502, doc.find("c\n", 0), "after a tab and an ESC");
    // A finding after a bidi override.
    let after_bidi = doc.finding(&MESH502, doc.find("x", 0), "after a bidi override");
    // A span running past its snippet (clamped), and a finding without any snippet.
    let mut overflowing = doc.finding(&MESH302, doc.find("key", 0), "span past the snippet");
    overflowing.span.end = doc.pos(text.len());
    let mut whole_file = doc.finding(&MESH203, (0, 0), "the file is not UTF-8");
    whole_file.snippet = Snippet::default();
    let report = Report {
        files: vec![FileFindings {
            path: "edge.yaml".to_owned(),
            findings: vec![whole_file, after_controls, point, overflowing, after_bidi],
        }],
        files_checked: 1,
        fix_summary: None,
    };
    let out = render(Format::Human, &report, &ctx());
    assert!(!out.contains(['\u{1b}', '\u{202e}']), "{out}");
    insta::assert_snapshot!("human_edge_cases", out);
}
