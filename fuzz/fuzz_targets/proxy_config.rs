#![no_main]

#[path = "../checks.rs"]
pub mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        checks::proxy_config(text);
    }
});
