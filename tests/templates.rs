//! Files that are not plain manifests, through the built binary: templates of every engine are
//! skipped with one note naming the engine, placeholders of other tools are linted around,
//! and partial objects (test assertions) get no "missing" findings.

pub mod common;

use common::{findings, json, meshlint, write};
use std::path::Path;
use tempfile::TempDir;

/// `(code, line, column, message)` of every finding for `name`, holding `text`, linted alone.
fn lint(name: &str, text: &str) -> Vec<(String, u64, u64, String)> {
    let tmp = TempDir::new().unwrap();
    lint_in(tmp.path(), name, text)
}

fn lint_in(dir: &Path, name: &str, text: &str) -> Vec<(String, u64, u64, String)> {
    write(dir, name, text);
    let out = meshlint(dir)
        .args(["--no-config", "--format", "json", name])
        .output()
        .unwrap();
    findings(&json(&out.stdout))
        .into_iter()
        .map(|d| (d.code, d.line, d.column, d.message))
        .collect()
}

fn codes(found: &[(String, u64, u64, String)]) -> Vec<(&str, u64, u64)> {
    found
        .iter()
        .map(|(c, l, col, _)| (c.as_str(), *l, *col))
        .collect()
}

/// The one finding, a MESH901 at `line:column` whose message names `engine`.
fn assert_template(found: &[(String, u64, u64, String)], line: u64, column: u64, engine: &str) {
    assert_eq!(codes(found), [("MESH901", line, column)], "{found:?}");
    assert!(found[0].3.contains(engine), "{found:?}");
}

const POD_HEAD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n";

#[test]
fn a_prometheus_rule_with_actions_in_its_expressions_is_linted() {
    // An annotation the rules judge, so that "linted" shows: MESH308 for a bad value.
    let text = "apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: pods
spec:
  groups:
    - name: pods
      rules:
        - alert: PodDown
          expr: up{pod=~\"web-.*\"} == 0
          annotations:
            summary: {{ $labels.pod }} is down
";
    // `summary: {{ ... }} is down` is not YAML (a flow mapping then text): a template.
    assert_template(&lint("rule.yaml", text), 12, 22, "Helm/Go");
    let text = text.replace(
        "summary: {{ $labels.pod }} is down",
        "summary: \"{{ $labels.pod }} is down\"\n            description: pod {{ $labels.pod }} of {{ $labels.namespace }}",
    );
    assert_eq!(lint("rule.yaml", &text), []);
    // And a Pod with an action inside a plain scalar is linted: MESH101 is reported.
    let pod = format!(
        "{POD_HEAD}spec:\n  containers:\n    - name: web\n      image: web\n      args:\n        - --model_name={{{{.Name}}}}\n"
    );
    assert_eq!(codes(&lint("pod.yaml", &pod)), [("MESH101", 3, 1)]);
}

#[test]
fn a_ytt_template_is_skipped_and_named() {
    let text = "#@ load(\"@ytt:data\", \"data\")
#@ load(\"@ytt:overlay\", \"overlay\")
---
apiVersion: v1
kind: Pod
metadata:
  name: #@ data.values.name
  annotations:
    #@ if data.values.hold:
    proxy.istio.io/config: '{ \"holdApplicationUntilProxyStarts\": true }'
    #@ end
    #@ if data.values.other:
    proxy.istio.io/config: '{}'
    #@ end
";
    assert_template(&lint("pod.yml", text), 1, 1, "ytt");
}

#[test]
fn a_jinja_template_is_skipped_and_named() {
    let text = format!(
        "{POD_HEAD}  annotations:\n{{% if sidecar %}}\n    sidecar.istio.io/inject: \"true\"\n{{% endif %}}\nspec:\n  containers: []\n"
    );
    assert_template(&lint("pod.yaml.j2", &text), 6, 1, "Jinja");
}

#[test]
fn a_helm_control_line_makes_a_template() {
    let text = format!(
        "{{{{- if .Values.enabled }}}}\n{POD_HEAD}spec:\n  containers: []\n{{{{- end }}}}\n"
    );
    assert_template(&lint("pod.yaml", &text), 1, 1, "Helm/Go");
}
#[test]
fn a_whole_placeholder_inject_value_is_not_judged() {
    let text = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    metadata:
      annotations:
        sidecar.istio.io/inject: \"{{ sidecar }}\"
        proxy.istio.io/config: '{ \"holdApplicationUntilProxyStarts\": true }'
    spec:
      containers: []
";
    let found = lint("deploy.yaml", text);
    assert!(!found.iter().any(|f| f.0 == "MESH504"), "{found:?}");
    // The annotation itself is still deprecated (a key rule).
    assert_eq!(codes(&found), [("MESH203", 9, 9)]);
}

#[test]
fn an_openshift_template_is_linted_over_its_objects() {
    let text = "apiVersion: template.openshift.io/v1
kind: Template
metadata:
  name: shop
objects:
- apiVersion: v1
  kind: Service
  metadata:
    name: ${APPLICATION_NAME}
- apiVersion: apps.openshift.io/v1
  kind: DeploymentConfig
  metadata:
    name: ${APPLICATION_NAME}
  spec:
    replicas: ${{REPLICAS}}
    template:
      metadata:
        labels:
          app: ${APPLICATION_NAME}
        annotations:
          traffic.sidecar.istio.io/excludeOutboundIPRanges: ${EXCLUDED_CIDRS}
      spec:
        containers:
        - name: web
          image: ${IMAGE}
parameters:
- name: APPLICATION_NAME
- name: REPLICAS
- name: EXCLUDED_CIDRS
- name: IMAGE
";
    // The DeploymentConfig's pods miss the hold (at its `annotations` key); the `${...}`
    // parameters are placeholders, not malformed ranges.
    assert_eq!(codes(&lint("template.yaml", text)), [("MESH101", 20, 9)]);
}

const POD_NO_HOLD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: web
  annotations:
    sidecar.istio.io/interceptionMode: TPROXY
status:
  phase: Running
";

#[test]
fn test_assertions_are_partial_objects() {
    // A whole Pod file: MESH101 (at `annotations`).
    assert_eq!(codes(&lint("pod.yaml", POD_NO_HOLD)), [("MESH101", 5, 3)]);
    // kuttl asserts and errors list only what they check: nothing is missing.
    for name in ["01-assert.yaml", "12-errors.yml"] {
        assert_eq!(lint(name, POD_NO_HOLD), [], "{name}");
    }
    // Value rules still apply to them.
    let bad = POD_NO_HOLD.replace("TPROXY", "tproxy");
    assert_eq!(codes(&lint("01-assert.yaml", &bad)), [("MESH308", 6, 40)]);
    // Chainsaw: `assert*`/`error*` files beside a `chainsaw-test.yaml`.
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    assert_eq!(
        codes(&lint_in(d, "assert-pod.yaml", POD_NO_HOLD)),
        [("MESH101", 5, 3)]
    );
    write(d, "chainsaw-test.yaml", "apiVersion: chainsaw.kyverno.io/v1alpha1\nkind: Test\nmetadata:\n  name: t\nspec:\n  steps:\n  - try:\n    - assert:\n        file: assert-pod.yaml\n");
    assert_eq!(lint_in(d, "assert-pod.yaml", POD_NO_HOLD), []);
    assert_eq!(lint_in(d, "pod-error.yaml", POD_NO_HOLD), []);
    // Other files of a test are whole objects.
    assert_eq!(
        codes(&lint_in(d, "pod.yaml", POD_NO_HOLD)),
        [("MESH101", 5, 3)]
    );
    assert_eq!(
        codes(&lint("01-install.yaml", POD_NO_HOLD)),
        [("MESH101", 5, 3)]
    );
}
