//! Target versions and native sidecars: `istio-version`/`kubernetes-version` (flags and
//! configuration), the Istio version inferred from the project (IstioOperator, Helm values, a
//! chart, a revision label), what `meshlint config` shows, and how they decide whether the
//! hold and Vault rules apply (with a mesh-wide `ENABLE_NATIVE_SIDECARS` and the pod's own
//! `sidecar.istio.io/nativeSidecar`). Each test runs the built binary in a scratch repository.

pub mod common;

use common::{findings, json, lint_json, meshlint, write};
use std::path::Path;

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    dir
}

const NAMESPACE: &str =
    "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    istio-injection: enabled\n";

fn deployment(annotations: &str) -> String {
    format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  template:\n    metadata:\n      labels:\n        app: web\n{annotations}    spec:\n      containers:\n        - name: web\n          image: web:1\n")
}

fn iop(spec: &str) -> String {
    format!("apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  name: mesh\n  namespace: istio-system\nspec:\n{spec}")
}

/// The codes reported for the repository, with extra arguments.
fn codes(dir: &Path, args: &[&str]) -> Vec<String> {
    let args: Vec<&str> = args.iter().copied().chain(["."]).collect();
    findings(&lint_json(dir, &args).0)
        .into_iter()
        .map(|f| f.code)
        .collect()
}

fn config(dir: &Path, args: &[&str]) -> String {
    let out = meshlint(dir).arg("config").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn an_istio_operator_tag_is_the_istio_version_and_config_says_where_it_came_from() {
    let d = repo();
    write(d.path(), "istio/operator.yaml", &iop("  tag: 1.28.0\n"));
    write(d.path(), "app/ns.yaml", NAMESPACE);
    write(d.path(), "app/web.yaml", &deployment(""));
    let shown = config(d.path(), &[]);
    assert!(
        shown.contains(
            "istio-version: \"1.28.0\"  # inferred from istio/operator.yaml:7 (IstioOperator spec.tag)\n"
        ),
        "{shown}"
    );
    assert!(shown.contains("kubernetes-version: unknown\n"), "{shown}");
    assert!(
        shown.contains(
            "native-sidecars: auto  # off: Istio >= 1.27 and Kubernetes >= 1.33 are not both known\n"
        ),
        "{shown}"
    );
    // Kubernetes unknown: MESH101 stands, and says how to tell meshlint.
    let out = meshlint(d.path())
        .args(["--format", "json", "."])
        .output()
        .unwrap();
    let found = findings(&json(&out.stdout));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].code, "MESH101");
    assert_eq!((found[0].line, found[0].column), (8, 5));
    assert!(
        found[0]
            .message
            .ends_with("(ECONNREFUSED); this does not apply to native sidecars (Istio >= 1.27 on Kubernetes >= 1.33): tell meshlint with `istio-version` and `kubernetes-version`, or `--native-sidecars`"),
        "{}",
        found[0].message
    );
    // Kubernetes 1.33 in the configuration: native sidecars, no MESH101 (on the directory and
    // on the one file, whose facts come from the project).
    write(d.path(), ".meshlint.yaml", "kubernetes-version: \"1.33\"\n");
    let shown = config(d.path(), &[]);
    assert!(
        shown.contains("kubernetes-version: \"1.33\"  # from .meshlint.yaml\n"),
        "{shown}"
    );
    assert!(
        shown.contains("native-sidecars: auto  # on: Istio >= 1.27 on Kubernetes >= 1.33\n"),
        "{shown}"
    );
    assert!(codes(d.path(), &[]).is_empty());
    let out = meshlint(d.path())
        .args(["--format", "json", "app/web.yaml"])
        .output()
        .unwrap();
    assert!(findings(&json(&out.stdout)).is_empty());
    // A pod that opts out of native sidecars gets the finding, without the note.
    write(
        d.path(),
        "app/web.yaml",
        &deployment("      annotations:\n        sidecar.istio.io/nativeSidecar: \"false\"\n"),
    );
    let out = meshlint(d.path())
        .args(["--format", "json", "."])
        .output()
        .unwrap();
    let found = findings(&json(&out.stdout));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].code, "MESH101");
    assert!(
        !found[0].message.contains("native sidecars"),
        "{}",
        found[0].message
    );
}

#[test]
fn versions_below_the_native_default_keep_the_rules_and_flags_win() {
    let d = repo();
    write(d.path(), "istio/operator.yaml", &iop("  tag: 1.26.3\n"));
    write(d.path(), "app/ns.yaml", NAMESPACE);
    write(d.path(), "app/web.yaml", &deployment(""));
    write(d.path(), ".meshlint.yaml", "kubernetes-version: 1.33\n");
    assert_eq!(codes(d.path(), &[]), ["MESH101"]);
    // The flag wins over the inferred version, and over the configuration's.
    assert!(codes(d.path(), &["--istio-version", "1.27"]).is_empty());
    assert_eq!(
        codes(
            d.path(),
            &["--istio-version", "1.28", "--kubernetes-version", "1.32.4"]
        ),
        ["MESH101"]
    );
    let shown = config(d.path(), &[]);
    assert!(
        shown.contains("istio-version: \"1.26.3\"  # inferred from istio/operator.yaml:7"),
        "{shown}"
    );
    // A bad version is a usage error.
    let out = meshlint(d.path())
        .args(["--istio-version", "1.x", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("`1.x` is not a version such as 1.28 or 1.28.1"));
    write(d.path(), ".meshlint.yaml", "\nistio-version: latest\n");
    let out = meshlint(d.path()).arg(".").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(
            ".meshlint.yaml:2:16: `istio-version` must be a version such as \"1.28\" or \"1.28.1\", not `latest`"
        ),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_mesh_wide_enable_native_sidecars_overrides_the_versions_either_way() {
    let d = repo();
    write(
        d.path(),
        "istio/operator.yaml",
        &iop("  tag: 1.28.0\n  values:\n    pilot:\n      env:\n        ENABLE_NATIVE_SIDECARS: \"false\"\n"),
    );
    write(d.path(), "app/ns.yaml", NAMESPACE);
    write(d.path(), "app/web.yaml", &deployment(""));
    write(d.path(), ".meshlint.yaml", "kubernetes-version: \"1.33\"\n");
    assert_eq!(codes(d.path(), &[]), ["MESH101"]);
    assert!(config(d.path(), &[]).contains(
        "native-sidecars: auto  # off: mesh-wide ENABLE_NATIVE_SIDECARS \"false\" at istio/operator.yaml:11\n"
    ));
    // A pod's own annotation wins over the mesh-wide setting.
    write(
        d.path(),
        "app/web.yaml",
        &deployment("      annotations:\n        sidecar.istio.io/nativeSidecar: \"true\"\n"),
    );
    assert!(codes(d.path(), &[]).is_empty());
    // `true` in components.pilot.k8s.env turns native sidecars on with no version known.
    std::fs::remove_file(d.path().join(".meshlint.yaml")).unwrap();
    write(d.path(), "app/web.yaml", &deployment(""));
    write(
        d.path(),
        "istio/operator.yaml",
        &iop("  components:\n    pilot:\n      k8s:\n        env:\n          - name: PILOT_TRACE_SAMPLING\n            value: \"1\"\n          - name: ENABLE_NATIVE_SIDECARS\n            value: \"true\"\n"),
    );
    assert!(codes(d.path(), &[]).is_empty());
    // `auto` is Istio's default: the versions decide, and none is known.
    write(
        d.path(),
        "istio/operator.yaml",
        &iop("  values:\n    pilot:\n      env:\n        ENABLE_NATIVE_SIDECARS: auto\n"),
    );
    assert_eq!(codes(d.path(), &[]), ["MESH101"]);
}

#[test]
fn helm_values_charts_and_revision_labels_give_the_istio_version() {
    let d = repo();
    write(d.path(), "app/web.yaml", &deployment(""));
    write(d.path(), ".meshlint.yaml", "kubernetes-version: \"1.34\"\n");
    // A revision label named after a version.
    write(
        d.path(),
        "app/ns.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    istio.io/rev: 1-28-1\n",
    );
    assert!(config(d.path(), &[]).contains(
        "istio-version: \"1.28.1\"  # inferred from app/ns.yaml:6 (Namespace label istio.io/rev)\n"
    ));
    assert!(codes(d.path(), &[]).is_empty());
    // Istio's Helm values: `global.tag` wins over the revision label.
    write(
        d.path(),
        "mesh/values.yaml",
        "global:\n  hub: docker.io/istio\n  tag: 1.26.0\nmeshConfig:\n  accessLogFile: /dev/stdout\n",
    );
    assert!(config(d.path(), &[]).contains(
        "istio-version: \"1.26.0\"  # inferred from mesh/values.yaml:3 (Helm values global.tag)\n"
    ));
    assert_eq!(codes(d.path(), &[]), ["MESH101"]);
    // Another chart's `global.tag` is not Istio's.
    std::fs::remove_file(d.path().join("mesh/values.yaml")).unwrap();
    write(d.path(), "other/values.yaml", "global:\n  tag: 1.0.0\n");
    write(
        d.path(),
        "app/ns.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    istio.io/rev: canary\n",
    );
    assert!(config(d.path(), &[]).contains("istio-version: unknown\n"));
    // An umbrella chart depending on istiod from Istio's repository.
    write(
        d.path(),
        "mesh/Chart.yaml",
        "apiVersion: v2\nname: mesh\nversion: 0.1.0\ndependencies:\n  - name: istiod\n    version: 1.27.2\n    repository: https://istio-release.storage.googleapis.com/charts\n",
    );
    assert!(config(d.path(), &[]).contains(
        "istio-version: \"1.27.2\"  # inferred from mesh/Chart.yaml:6 (chart dependency version)\n"
    ));
    assert!(codes(d.path(), &[]).is_empty());
}

#[test]
fn native_sidecars_by_version_silence_the_vault_race_too() {
    let d = repo();
    write(d.path(), "app/ns.yaml", NAMESPACE);
    write(
        d.path(),
        "app/web.yaml",
        &deployment("      annotations:\n        proxy.istio.io/config: '{ \"holdApplicationUntilProxyStarts\": true }'\n        vault.hashicorp.com/agent-inject: \"true\"\n"),
    );
    assert_eq!(codes(d.path(), &[]), ["MESH401"]);
    assert!(codes(
        d.path(),
        &["--istio-version", "1.27", "--kubernetes-version", "1.33"]
    )
    .is_empty());
    assert_eq!(
        codes(
            d.path(),
            &["--istio-version", "1.27", "--kubernetes-version", "1.32"]
        ),
        ["MESH401"]
    );
}

#[test]
fn a_target_older_than_the_data_gets_one_note_instead_of_schema_findings() {
    let d = repo();
    // An install bundle of Istio 1.5: istiod's image names the version; its mesh config has
    // fields 1.5 read and later versions dropped.
    write(
        d.path(),
        "install/istio.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: istio\n  namespace: istio-system\ndata:\n  mesh: |-\n    disablePolicyChecks: true\n    sdsUdsPath: unix:/etc/istio/proxy/SDS\n    defaultConfig:\n      connectTimeout: 10s\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: istiod\n  namespace: istio-system\nspec:\n  template:\n    metadata:\n      labels:\n        sidecar.istio.io/inject: \"false\"\n    spec:\n      containers:\n        - name: discovery\n          image: docker.io/istio/pilot:1.5.0-beta.5\n",
    );
    let shown = config(d.path(), &[]);
    assert!(
        shown.contains(
            "istio-version: \"1.5.0\"  # inferred from install/istio.yaml:26 (istiod image)\n"
        ),
        "{shown}"
    );
    let out = meshlint(d.path())
        .args(["--format", "json", "."])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "an info note does not fail the run"
    );
    let found = findings(&json(&out.stdout));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (
            found[0].code.as_str(),
            found[0].line,
            found[0].column,
            found[0].severity.as_str()
        ),
        ("MESH205", 8, 5, "info")
    );
    assert_eq!(
        found[0].message,
        "not judged: the project targets Istio 1.5.0 (install/istio.yaml:26 (istiod image)), older than Istio 1.20, the oldest meshlint's annotation catalogue and schemas (Istio 1.31 (development)) cover, so 3 findings of MESH205 were left out here; set `istio-version` if the target is newer"
    );
    // Told the target is newer, meshlint judges the fields.
    assert_eq!(
        codes(d.path(), &["--istio-version", "1.28"]),
        ["MESH205", "MESH205", "MESH205"]
    );
}

#[test]
fn a_target_older_than_the_data_is_told_what_it_was_judged_against() {
    let d = repo();
    write(
        d.path(),
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    traffic.sidecar.istio.io/excludeOutboundIpRanges: 10.0.0.0/8\nspec:\n  containers: []\n",
    );
    let run = |args: &[&str]| {
        let out = meshlint(d.path())
            .args(["--format", "json", "--select", "MESH502"])
            .args(args)
            .arg(".")
            .output()
            .unwrap();
        findings(&json(&out.stdout))
    };
    let plain = run(&[]);
    assert_eq!(plain.len(), 1);
    assert!(
        !plain[0].message.contains("judged against"),
        "{}",
        plain[0].message
    );
    // Istio 1.24 has a catalogue of its own: the finding says it was judged by that one.
    let old = run(&["--istio-version", "1.24.3"]);
    assert_eq!(old.len(), 1);
    assert_eq!(old[0].message, format!("{} (judged against Istio 1.24's catalogue: the target, Istio 1.24.3, from --istio-version)", plain[0].message));
    let new = run(&["--istio-version", "1.31"]);
    assert_eq!(new[0].message, plain[0].message);
}

/// A pod with annotations whose standing differs between Istio minors (istio/api release tags):
/// `sidecar.istio.io/enableCoreDump` is listed (Alpha) in 1.20..1.24 only,
/// `sidecar.istio.io/statsFlushInterval` from 1.28 on, `traffic.sidecar.istio.io/kubevirtInterfaces`
/// is deprecated from 1.25 on.
const VERSIONED_POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    istio.io/dataplane-mode: ambient\n  annotations:\n    sidecar.istio.io/enableCoreDump: \"true\"\n    sidecar.istio.io/statsFlushInterval: 10s\n    traffic.sidecar.istio.io/kubevirtInterfaces: net1\nspec:\n  containers: []\n";

fn catalogue_findings(dir: &Path, args: &[&str]) -> Vec<(String, u64, String, String)> {
    let out = meshlint(dir)
        .args(["--format", "json", "--select", "MESH502,MESH505,MESH508"])
        .args(args)
        .arg(".")
        .output()
        .unwrap();
    findings(&json(&out.stdout))
        .into_iter()
        .map(|f| (f.code, f.line, f.severity, f.message))
        .collect()
}

#[test]
fn annotations_are_judged_against_the_target_minors_own_catalogue() {
    let d = repo();
    write(d.path(), "pod.yaml", VERSIONED_POD);
    let short = |found: &[(String, u64, String, String)]| {
        found
            .iter()
            .map(|(c, l, s, _)| format!("{c}:{l}:{s}"))
            .collect::<Vec<_>>()
    };
    // No target: the newest catalogue, as before.
    let newest = catalogue_findings(d.path(), &[]);
    assert_eq!(
        short(&newest),
        [
            "MESH502:8:warning",
            "MESH508:9:info",
            "MESH505:10:info",
            "MESH508:10:info"
        ]
    );
    assert!(newest[0]
        .3
        .starts_with("annotation `sidecar.istio.io/enableCoreDump` is not one Istio knows"));
    assert!(
        newest[1].3.contains("(Istio 1.31 (development))"),
        "{}",
        newest[1].3
    );
    assert!(!newest.iter().any(|f| f.3.contains("judged against")));
    // Istio 1.22: enableCoreDump is a (Alpha) annotation there; statsFlushInterval is not
    // listed yet; kubevirtInterfaces is not deprecated yet.
    let old = catalogue_findings(d.path(), &["--istio-version", "1.22"]);
    assert_eq!(
        short(&old),
        ["MESH508:8:info", "MESH502:9:info", "MESH508:10:info"]
    );
    assert_eq!(
        old[0].3,
        "annotation `sidecar.istio.io/enableCoreDump` is an Alpha feature in Istio's annotation catalogue (Istio 1.22): Alpha features may change or be removed in any release (judged against Istio 1.22's catalogue: the target, Istio 1.22, from --istio-version)"
    );
    assert_eq!(
        old[1].3,
        "annotation `sidecar.istio.io/statsFlushInterval` is not in the target Istio version's annotation and label catalogues (istio/api), which list it only in other versions: unless that Istio reads it anyway, it ignores this one (judged against Istio 1.22's catalogue: the target, Istio 1.22, from --istio-version; the catalogue lists it from Istio 1.28 on)"
    );
    // Istio 1.28: statsFlushInterval is listed (Alpha), enableCoreDump no longer is.
    let newer = catalogue_findings(d.path(), &["--istio-version", "1.28.2"]);
    assert_eq!(
        short(&newer),
        [
            "MESH502:8:warning",
            "MESH508:9:info",
            "MESH505:10:info",
            "MESH508:10:info"
        ]
    );
    assert_eq!(
        newer[2].3,
        "annotation `traffic.sidecar.istio.io/kubevirtInterfaces` is deprecated in Istio's catalogue and may stop working in a future Istio version; use `istio.io/reroute-virtual-interfaces` instead (judged against Istio 1.28's catalogue: the target, Istio 1.28.2, from --istio-version)"
    );
    // Istio 1.31 and later: the newest catalogue, worded as with no target.
    assert_eq!(
        catalogue_findings(d.path(), &["--istio-version", "1.31"]),
        newest
    );
    assert_eq!(
        catalogue_findings(d.path(), &["--istio-version", "1.40"]),
        newest
    );
}

#[test]
fn an_istio_operator_tag_picks_the_catalogue_too() {
    let d = repo();
    write(d.path(), "istio/operator.yaml", &iop("  tag: 1.22.3\n"));
    write(d.path(), "app/pod.yaml", VERSIONED_POD);
    let found = catalogue_findings(d.path(), &[]);
    let codes: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(codes, ["MESH508", "MESH502", "MESH508"], "{found:?}");
    assert!(
        found[1].3.ends_with("(judged against Istio 1.22's catalogue: the target, Istio 1.22.3, from istio/operator.yaml:7 (IstioOperator spec.tag); the catalogue lists it from Istio 1.28 on)"),
        "{}",
        found[1].3
    );
    // The flag wins over the inferred version.
    let flagged = catalogue_findings(d.path(), &["--istio-version", "1.28"]);
    assert_eq!(flagged[0].0, "MESH502");
    assert!(
        flagged[0].3.contains("Istio 1.28, from --istio-version"),
        "{}",
        flagged[0].3
    );
}
