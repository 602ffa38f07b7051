//! The committed model files are the ones `models/SHA256SUMS` names.

use sha2::{Digest, Sha256};

use crate::common::repo;

#[test]
fn model_files_match_their_recorded_sha256() {
    let dir = repo().join("models");
    let sums = std::fs::read_to_string(dir.join("SHA256SUMS")).expect("models/SHA256SUMS");
    let mut checked = 0;
    for line in sums.lines().filter(|l| !l.trim().is_empty()) {
        let (hash, name) = line.split_once(char::is_whitespace).expect("`HASH  FILE` lines");
        let name = name.trim().trim_start_matches('*');
        let data = std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("models/{name}: {e}"));
        let got = format!("{:x}", Sha256::digest(&data));
        assert_eq!(got, hash, "models/{name} does not match SHA256SUMS");
        checked += 1;
    }
    assert_eq!(checked, 3, "detector, lite and full are committed");
}
