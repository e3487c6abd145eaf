//! Parity with `istioctl analyze`'s own tests: meshlint runs on the input files of the analyzer
//! test cases in `testdata/istio-analyze/` (istio/istio `analyzers_test.go`, commit recorded in
//! its README) and must flag exactly the resources the analyzer flags, with the equivalent
//! codes, among the resources of kinds the analyzer checks. Where meshlint knowingly differs,
//! the difference is listed below with its reason, and the test fails if it goes away too (so
//! that the list stays true).

pub mod common;

use common::{findings, json, meshlint};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One case: its directory, the meshlint rules that stand for the analyzer's codes, and the
/// options that make meshlint read the files as the analyzer does.
struct Case {
    dir: &'static str,
    /// meshlint code -> the analyzer codes it stands for.
    codes: &'static [(&'static str, &'static [&'static str])],
    args: &'static [&'static str],
}

const ANNOTATIONS: &[(&str, &[&str])] = &[
    ("MESH201", &["IST0107"]),
    ("MESH206", &["IST0107"]),
    ("MESH502", &["IST0108"]),
    ("MESH308", &["IST0125"]),
    ("MESH505", &["IST0135"]),
];
const UID: &[(&str, &[&str])] = &[("MESH309", &["IST0144"])];

const CASES: &[Case] = &[
    Case {
        dir: "misannoted",
        codes: ANNOTATIONS,
        args: &[],
    },
    Case {
        dir: "alpha",
        codes: &[("MESH508", &["IST0136"])],
        args: &[],
    },
    Case {
        dir: "istioInjection",
        codes: &[("MESH209", &["IST0123"])],
        args: &[],
    },
    // The analyzer checks every pod's UID; meshlint only injected pods, so these pods, which
    // name no namespace, are taken to be in the mesh.
    Case {
        dir: "Application-Pod-SecurityContext-with-UID-1337",
        codes: UID,
        args: &["--injection", "assume"],
    },
    Case {
        dir: "Application-Container-SecurityContext-with-UID-1337",
        codes: UID,
        args: &["--injection", "assume"],
    },
    Case {
        dir: "Deployment-Pod-SecurityContext-with-UID-1337",
        codes: UID,
        args: &["--injection", "assume"],
    },
    Case {
        dir: "Deployment-Container-SecurityContext-with-UID-1337",
        codes: UID,
        args: &["--injection", "assume"],
    },
    // The analyzer reads a namespace it is not given as one without labels: `--injection
    // explicit` (meshlint's default does not report pods whose namespace it cannot see).
    Case {
        dir: "Detect-image-auto-in-non-injected-pods",
        codes: &[("MESH507", &["IST0146", "IST0147"])],
        args: &["--injection", "explicit"],
    },
    Case {
        dir: "sidecarSelector",
        codes: &[("MESH210", &["IST0110", "IST0111"])],
        args: &[],
    },
    Case {
        dir: "sidecarDefaultSelector",
        codes: &[("MESH210", &["IST0110", "IST0111"])],
        args: &[],
    },
];

/// Known differences: (case, analyzer code, resource, why). Each must still differ.
const DIFFERENCES: &[(&str, &str, &str, &str)] = &[
    (
        "misannoted",
        "IST0107",
        "Pod grafana-test",
        "`kubernetes.io/ingress.class` and `gateway.istio.io/controller-version` on a Pod: MESH206 covers Istio's Pod-scoped annotations on other kinds, not annotations of other kinds on Pods",
    ),
    (
        "misannoted",
        "IST0107",
        "Namespace staging",
        "`kubernetes.io/ingress.class` (an Ingress annotation) on a Namespace: not an Istio-domain key, outside MESH206",
    ),
    (
        "sidecarSelector",
        "IST0110",
        "Sidecar default/overlap-1",
        "selectors that only overlap on a pod (`app: ratings-app` and `myapp: ratings-myapp`): meshlint does not collect every pod of a project, so it flags equal or nested selectors only",
    ),
    (
        "sidecarSelector",
        "IST0110",
        "Sidecar default/overlap-2",
        "the other half of the same overlap",
    ),
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/istio-analyze")
}

/// `(case, code, resource, file, kind line, expect?)` rows of `expected.tsv`.
fn rows() -> Vec<(String, String, String, String, u64, bool)> {
    let text = std::fs::read_to_string(root().join("expected.tsv")).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            (
                c[0].to_owned(),
                c[2].to_owned(),
                c[4].to_owned(),
                c[5].to_owned(),
                c[6].parse().unwrap(),
                c[7] == "expect",
            )
        })
        .collect()
}

/// The index of the YAML document holding 1-based `line` (documents split at `---` lines).
fn document_of(text: &str, line: u64) -> usize {
    text.lines()
        .take(usize::try_from(line).unwrap())
        .skip(1)
        .filter(|l| l.starts_with("---"))
        .count()
}

/// Runs meshlint on a copy of `case`'s input files: their texts by file name, and its output.
fn run_case(case: &Case) -> (BTreeMap<String, String>, std::process::Output) {
    let src = root().join(case.dir);
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let mut texts = BTreeMap::new();
    for e in std::fs::read_dir(&src).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        std::fs::copy(&p, dir.path().join(&name)).unwrap();
        texts.insert(name, std::fs::read_to_string(&p).unwrap());
    }
    let select: Vec<&str> = case.codes.iter().map(|(c, _)| *c).collect();
    let out = meshlint(dir.path())
        .args([
            "--format",
            "json",
            "--no-config",
            "--select",
            &select.join(","),
        ])
        .args(case.args)
        .arg(".")
        .output()
        .unwrap();
    (texts, out)
}

#[test]
fn meshlint_flags_the_resources_istioctl_analyze_flags_and_no_others() {
    let rows = rows();
    let mut problems = Vec::new();
    let mut differences_seen = BTreeSet::new();
    let mut compared = 0;
    for case in CASES {
        let (texts, out) = run_case(case);
        let analyzer_codes: BTreeSet<&str> = case
            .codes
            .iter()
            .flat_map(|(_, ist)| ist.iter().copied())
            .collect();
        // Every resource the case describes, by document.
        let mut resources: BTreeMap<(String, usize), &str> = BTreeMap::new();
        let mut expected: BTreeSet<(&str, String, usize)> = BTreeSet::new();
        for (c, code, resource, file, line, expect) in &rows {
            if c != case.dir {
                continue;
            }
            let doc = document_of(&texts[file], *line);
            resources.insert((file.clone(), doc), resource);
            if *expect && analyzer_codes.contains(code.as_str()) {
                let code = analyzer_codes.get(code.as_str()).unwrap();
                expected.insert((code, file.clone(), doc));
            }
        }
        // What meshlint flags, as (analyzer code, file, document).
        let mut flagged: BTreeSet<(&str, String, usize)> = BTreeSet::new();
        for f in findings(&json(&out.stdout)) {
            let ist = case
                .codes
                .iter()
                .find(|(c, _)| *c == f.code)
                .map(|(_, ist)| *ist)
                .unwrap();
            let doc = document_of(&texts[&f.file], f.line);
            // A rule standing for several codes (one per kind): the one expected here.
            let code = ist
                .iter()
                .find(|code| expected.contains(&(**code, f.file.clone(), doc)))
                .unwrap_or(&ist[0]);
            flagged.insert((code, f.file.clone(), doc));
        }
        assert!(!resources.is_empty(), "no rows for {}", case.dir);
        for want in &expected {
            compared += 1;
            let resource = resources[&(want.1.clone(), want.2)];
            let known = DIFFERENCES
                .iter()
                .any(|(c, code, r, _)| *c == case.dir && code == &want.0 && *r == resource);
            if known {
                differences_seen.insert((case.dir, want.0, resource));
                if flagged.contains(want) {
                    problems.push(format!(
                        "{}: {} on {resource} is listed as a difference but meshlint now agrees",
                        case.dir, want.0
                    ));
                }
            } else if !flagged.contains(want) {
                problems.push(format!(
                    "{}: {} expected on {resource}, not reported",
                    case.dir, want.0
                ));
            }
        }
        for got in &flagged {
            // Resources of kinds the analyzer does not check (no row) are meshlint going further.
            let Some(resource) = resources.get(&(got.1.clone(), got.2)) else {
                continue;
            };
            if !expected.contains(got) {
                problems.push(format!(
                    "{}: {} reported on {resource}, which istioctl analyze does not flag",
                    case.dir, got.0
                ));
            }
        }
    }
    assert_eq!(
        differences_seen.len(),
        DIFFERENCES.len(),
        "a listed difference no longer occurs in the cases: {differences_seen:?}"
    );
    assert!(compared >= 15, "only {compared} expected messages compared");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
