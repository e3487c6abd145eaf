//! meshlint against Istio's own test fixtures (`testdata/istio`, origin in its `PROVENANCE.md`):
//! what Istio's Go tests accept must get no MESH205/MESH207/MESH308 finding, and what they
//! reject must get exactly the finding that says why, at the right place.

use assert_cmd::Command;
use meshlint::context::LintOptions;
use meshlint::diagnostic::{Diagnostic, Severity};
use meshlint::rules::RuleSelector;
use std::fs;
use std::path::{Path, PathBuf};

const CODES: &[&str] = &["MESH205", "MESH207", "MESH308"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/istio")
}

/// Every fixture as `(path relative to testdata/istio, text)`, sorted.
fn fixtures() -> Vec<(String, String)> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<(String, String)>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, base, out);
                continue;
            }
            let rel = path
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if rel == "LICENSE" || rel == "PROVENANCE.md" {
                continue;
            }
            out.push((rel, fs::read_to_string(&path).unwrap()));
        }
    }
    let mut out = Vec::new();
    walk(&root(), &root(), &mut out);
    out.sort();
    out
}

fn lint(name: &str, text: &str) -> Vec<Diagnostic> {
    meshlint::lint_source(
        text,
        name,
        &LintOptions::default(),
        &RuleSelector {
            select: CODES.iter().map(|c| (*c).to_owned()).collect(),
            ignore: Vec::new(),
        },
    )
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: u32) -> (usize, usize) {
    let before = &text[..offset as usize];
    let line = before.matches('\n').count() + 1;
    let col = before[before.rfind('\n').map_or(0, |i| i + 1)..]
        .chars()
        .count()
        + 1;
    (line, col)
}

/// `(code, line, column, severity)` of a finding.
type Found = (&'static str, usize, usize, Severity);

fn summary(text: &str, d: &[Diagnostic]) -> Vec<Found> {
    d.iter()
        .map(|d| {
            let (l, c) = line_col(text, d.range.start());
            (d.code, l, c, d.severity)
        })
        .collect()
}

#[test]
fn istio_accepts_all_but_the_fixtures_its_tests_reject() {
    let rejected: &[(&str, &[Found])] = &[
        // TestBadK8sSpec: "could not unmarshal" (a Toleration has no `thats`).
        (
            "operator/cmd/mesh/testdata/manifest-generate/input/invalid-k8s.yaml",
            &[("MESH205", 19, 13, Severity::Error)],
        ),
        // TestBadK8sSpecValues: "invalid schema for" global.defaultTolerations.
        (
            "operator/cmd/mesh/testdata/manifest-generate/input/invalid-k8s-values.yaml",
            &[("MESH205", 9, 11, Severity::Error)],
        ),
        // TestMultipleSpecOneFile: at the second IstioOperator's `kind`.
        (
            "operator/cmd/mesh/testdata/manifest-generate/input/multiple_iops.yaml",
            &[("MESH207", 8, 1, Severity::Error)],
        ),
        // The analyzer test expects InvalidAnnotation on Pod invalid-annotations only.
        (
            "pkg/config/analysis/analyzers/testdata/misannotated.yaml",
            &[("MESH308", 28, 60, Severity::Error)],
        ),
    ];
    let all = fixtures();
    assert!(all.len() > 150, "the fixtures are there: {}", all.len());
    let mut failures = Vec::new();
    for (name, text) in &all {
        let got = summary(text, &lint(name, text));
        let want = rejected
            .iter()
            .find(|(n, _)| n == name)
            .map_or(&[][..], |(_, w)| *w);
        if got != want {
            failures.push(format!("{name}: want {want:?}, got {got:?}"));
        }
    }
    for (name, _) in rejected {
        assert!(all.iter().any(|(n, _)| n == name), "{name} is missing");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_rejections_say_why() {
    let read = |p: &str| fs::read_to_string(root().join(p)).unwrap();
    let p = "operator/cmd/mesh/testdata/manifest-generate/input/invalid-k8s.yaml";
    let d = lint(p, &read(p));
    assert!(d[0].message.contains(
        "`spec.components.ztunnel.k8s.tolerations[0].thats` is not a field of Toleration"
    ));
    assert!(d[0].message.contains("istioctl install rejects"));
    assert!(d[0].fix.is_none(), "nothing near `thats`");
    let p = "operator/cmd/mesh/testdata/manifest-generate/input/invalid-k8s-values.yaml";
    let d = lint(p, &read(p));
    assert!(d[0]
        .message
        .contains("`spec.values.global.defaultTolerations[0].thats`"));
    let p = "operator/cmd/mesh/testdata/manifest-generate/input/multiple_iops.yaml";
    let d = lint(p, &read(p));
    assert!(d[0].message.contains("2nd"));
    let p = "pkg/config/analysis/analyzers/testdata/misannotated.yaml";
    let d = lint(p, &read(p));
    assert!(d[0].message.contains("\"bar\""));
    assert!(d[0].fix.is_none());
}

#[test]
fn bogus_cps_nulls_are_accepted() {
    // TestBogusControlPlaneSec requires `manifest generate` to succeed on this file.
    let p = "operator/cmd/mesh/testdata/manifest-generate/input/bogus_cps.yaml";
    let text = fs::read_to_string(root().join(p)).unwrap();
    assert!(text.contains("mountMtlsCerts:\n"));
    assert!(lint(p, &text).is_empty());
}

#[test]
fn the_kube_inject_mesh_config_inside_the_istio_configmap() {
    // `istioctl kube-inject --meshConfigFile` applies this leniently; as the `mesh` of the
    // `istio` ConfigMap, its removed `defaultConfig.connectTimeout` is silently dropped.
    let mesh = fs::read_to_string(root().join("istioctl/pkg/kubeinject/testdata/mesh-config.yaml"))
        .unwrap();
    let mut text = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: istio\n  namespace: istio-system\ndata:\n  mesh: |\n",
    );
    for line in mesh.lines() {
        if !line.is_empty() {
            text.push_str("    ");
            text.push_str(line);
        }
        text.push('\n');
    }
    let d = lint("istio-configmap.yaml", &text);
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0].code, "MESH205");
    assert_eq!(d[0].severity, Severity::Warning);
    let at = text.find("connectTimeout").unwrap();
    assert_eq!(
        d[0].range.start() as usize,
        at,
        "at the key inside the block"
    );
    assert!(d[0]
        .message
        .contains("`defaultConfig.connectTimeout` in the `mesh` of ConfigMap `istio`"));
    assert!(d[0].fix.is_none());
}

fn meshlint(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("meshlint").unwrap();
    cmd.current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE");
    cmd
}

#[test]
fn the_binary_reports_the_same_over_the_whole_tree() {
    let out = meshlint(&root())
        .args(["--no-config", "--format", "json", "--select"])
        .arg(CODES.join(","))
        .arg(".")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut got: Vec<(String, String)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                d["file"].as_str().unwrap().replace('\\', "/"),
            )
        })
        .collect();
    got.sort();
    let want: Vec<(String, String)> = [
        (
            "MESH205",
            "operator/cmd/mesh/testdata/manifest-generate/input/invalid-k8s-values.yaml",
        ),
        (
            "MESH205",
            "operator/cmd/mesh/testdata/manifest-generate/input/invalid-k8s.yaml",
        ),
        (
            "MESH207",
            "operator/cmd/mesh/testdata/manifest-generate/input/multiple_iops.yaml",
        ),
        (
            "MESH308",
            "pkg/config/analysis/analyzers/testdata/misannotated.yaml",
        ),
    ]
    .iter()
    .map(|(c, f)| ((*c).to_owned(), (*f).to_owned()))
    .collect();
    let got: Vec<(String, String)> = got
        .into_iter()
        .map(|(c, f)| (c, f.trim_start_matches("./").to_owned()))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn fixes_on_upstream_files_with_a_defect_put_in() {
    let tmp = tempfile::TempDir::new().unwrap();
    let dir = tmp.path();
    // The default profile with a proxy value one level too high, and the annotation's name.
    let profile = fs::read_to_string(root().join("manifests/profiles/default.yaml")).unwrap();
    let broken = profile.replace(
        "      configValidation: true\n",
        "      configValidation: true\n      excludeOutboundIPRanges: 10.8.0.0/16\n",
    );
    assert_ne!(broken, profile);
    fs::write(dir.join("profile.yaml"), &broken).unwrap();
    // An injection input with its interception mode in lower case.
    let tproxy = fs::read_to_string(
        root().join("pkg/kube/inject/testdata/inject/hello-openshift-tproxy.yaml"),
    )
    .unwrap();
    let lower = tproxy.replace("interceptionMode: TPROXY", "interceptionMode: tproxy");
    assert_ne!(lower, tproxy);
    fs::write(dir.join("tproxy.yaml"), &lower).unwrap();

    let out = meshlint(dir)
        .args(["--no-config", "--format", "json", "--select"])
        .arg(CODES.join(","))
        .arg(".")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["diagnostics"].as_array().unwrap().len(), 2, "{v}");

    meshlint(dir)
        .args(["--no-config", "--fix", "--select"])
        .arg(CODES.join(","))
        .arg(".")
        .assert()
        .code(0);
    assert_eq!(
        fs::read_to_string(dir.join("profile.yaml")).unwrap(),
        profile.replace(
            "      configValidation: true\n",
            "      configValidation: true\n      proxy:\n        excludeIPRanges: 10.8.0.0/16\n",
        )
    );
    assert_eq!(fs::read_to_string(dir.join("tproxy.yaml")).unwrap(), tproxy);
}
