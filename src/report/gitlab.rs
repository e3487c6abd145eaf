//! The `gitlab` format: a GitLab Code Quality report, a JSON array of issues (UTF-8, no BOM).
//!
//! Each issue: `description` (`CODE message`), `check_name` (the code), `fingerprint` (unique
//! per finding and stable when unrelated lines move; see `fingerprint.rs`), `severity` and
//! `location` (`path` relative to the repository root, `lines.begin`). Severities map as
//! info → `info`, warning → `major`, error → `critical`: `minor` and `blocker` are left unused,
//! so that a warning (which fails the run by default) still stands out in the merge request.

use super::fingerprint::file_fingerprints;
use super::{portable_path, FormatContext, Report};
use crate::diagnostic::Severity;
use serde::Serialize;
use std::io;

/// The scheme hashed into GitLab fingerprints.
const FINGERPRINT_SCHEME: &str = "meshlint/gitlab/v1";

#[derive(Serialize)]
struct Issue<'a> {
    description: String,
    check_name: &'a str,
    fingerprint: String,
    severity: &'static str,
    location: Location,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
}

/// The Code Quality severity of a meshlint severity.
pub fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "info",
        Severity::Warning => "major",
        Severity::Error => "critical",
    }
}

pub fn write(report: &Report, _ctx: &FormatContext, out: &mut dyn io::Write) -> io::Result<()> {
    let mut issues = Vec::new();
    for file in &report.files {
        let path = portable_path(&file.path);
        let fingerprints = file_fingerprints(file, FINGERPRINT_SCHEME);
        for (finding, fingerprint) in file.findings.iter().zip(fingerprints) {
            issues.push(Issue {
                description: format!("{} {}", finding.code, finding.message),
                check_name: finding.code,
                fingerprint,
                severity: severity(finding.severity),
                location: Location {
                    path: path.clone(),
                    lines: Lines {
                        begin: finding.span.start.line.max(1),
                    },
                },
            });
        }
    }
    serde_json::to_writer_pretty(&mut *out, &issues)?;
    writeln!(out)
}
