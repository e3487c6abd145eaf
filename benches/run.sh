#!/usr/bin/env bash
# Builds the release binary and the parse-only floor, then runs the benchmark harness.
# Usage: benches/run.sh [CORPUS_DIR] [benches/run.py options]   (see benches/README.md)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin meshlint --example parse_floor
exec python3 benches/run.py "$@"
