//! meshlint: a linter and auto-fixer for Kubernetes and Istio manifests.
//!
//! The engine is a library: [`lint_source`] lints one text without touching the file system,
//! [`lint_paths`] walks paths and lints every manifest in parallel. The binary (`src/main.rs`)
//! only parses arguments, prints and chooses the exit code.

#![forbid(unsafe_code)]

pub mod config;
pub mod diagnostic;
pub mod fix;
pub mod istio;
pub mod k8s;
pub mod report;
pub mod rules;
pub mod source;
pub mod yaml;
