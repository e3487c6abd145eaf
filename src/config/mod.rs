//! Configuration (`.meshlint.yaml`).
