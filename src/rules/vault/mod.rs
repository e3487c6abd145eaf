//! 4xx: the Vault agent's init container racing Istio's traffic capture.

pub mod vault_init_race;
