//! Stable fingerprints for findings (SARIF `partialFingerprints`, GitLab `fingerprint`).
//!
//! A fingerprint hashes what identifies a finding independently of where it sits: the rule code,
//! the path (portable form), the trimmed text of the line the finding starts on, and the
//! occurrence index among findings of the same file with the same code and line text. Adding or
//! removing lines elsewhere in the file therefore leaves it unchanged, while two identical lines
//! with the same problem still get distinct fingerprints. A finding whose snippet does not cover
//! its line (a finding about the whole file) hashes its message instead of the line.
//!
//! The hash is 128-bit FNV-1a followed by a splitmix64-style finaliser (FNV alone barely changes
//! the high bits when only the last byte differs), written out as 32 hex digits: small,
//! dependency-free and stable across platforms and releases (it must never change, or every
//! finding would look new to GitHub and GitLab).

use super::{portable_path, FileFindings};
use std::collections::HashMap;

const FNV_OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
const FNV_PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;

/// 128-bit FNV-1a over `parts`, each followed by a 0xFF byte (which UTF-8 never contains), so
/// that `["ab", "c"]` and `["a", "bc"]` differ.
pub(crate) fn fnv1a_128(parts: &[&[u8]]) -> u128 {
    let mut hash = FNV_OFFSET;
    for part in parts {
        for &byte in part.iter().chain(std::iter::once(&0xff)) {
            hash ^= u128::from(byte);
            hash = hash.wrapping_mul(FNV_PRIME);
        }
    }
    hash
}

/// Spreads every input bit over the whole 128-bit value.
pub(crate) fn finish(hash: u128) -> u128 {
    fn mix(mut z: u64) -> u64 {
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    let (hi, lo) = ((hash >> 64) as u64, hash as u64);
    let lo = mix(lo ^ hi.rotate_left(32));
    let hi = mix(hi ^ lo);
    let lo = mix(lo ^ hi);
    (u128::from(hi) << 64) | u128::from(lo)
}

/// One fingerprint per finding of `file`, in order. `scheme` names the consumer and version
/// (`"meshlint/v1"`), so that the schemes can evolve apart.
pub(crate) fn file_fingerprints(file: &FileFindings, scheme: &str) -> Vec<String> {
    let path = portable_path(&file.path);
    let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
    file.findings
        .iter()
        .map(|finding| {
            let key_text = finding
                .source_line()
                .map_or(finding.message.as_str(), str::trim);
            let occurrence = seen.entry((finding.code, key_text)).or_insert(0);
            let index = occurrence.to_string();
            *occurrence += 1;
            let hash = fnv1a_128(&[
                scheme.as_bytes(),
                finding.code.as_bytes(),
                path.as_bytes(),
                key_text.as_bytes(),
                index.as_bytes(),
            ]);
            format!("{:032x}", finish(hash))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::fnv1a_128;

    #[test]
    fn fnv1a_128_known_values() {
        // Reference values of 128-bit FNV-1a (without our separator byte).
        let plain = |bytes: &[u8]| {
            let mut hash = super::FNV_OFFSET;
            for &b in bytes {
                hash ^= u128::from(b);
                hash = hash.wrapping_mul(super::FNV_PRIME);
            }
            hash
        };
        assert_eq!(plain(b""), 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d);
        assert_eq!(plain(b"a"), 0xd228_cb69_6f1a_8caf_7891_2b70_4e4a_8964);
        assert_ne!(fnv1a_128(&[b"ab", b"c"]), fnv1a_128(&[b"a", b"bc"]));
        // Pinned: changing the hash would make every finding look new.
        assert_eq!(
            format!(
                "{:032x}",
                super::finish(fnv1a_128(&[b"meshlint/v1", b"MESH101"]))
            ),
            "16c5d559afcf046273784874c391be82"
        );
    }
}
