#![no_main]

#[path = "../checks.rs"]
pub mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Some(text) = checks::decode(data) {
        checks::yaml_layer(text);
    }
});
