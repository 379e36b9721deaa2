//! Any bytes as a document's seed file (TOML, or JSON when the first byte is odd), with the rest of the minimal
//! fixture around it: validation must return a seed or problems, never panic.
#![no_main]

use dossier::seed::{SeedFiles, check};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut files = SeedFiles::minimal_fixture();
    let json = data.first().is_some_and(|b| b % 2 == 1);
    if json {
        files.files.remove("documents/note.toml");
        files.files.insert("documents/note.json".into(), data.to_vec());
    } else {
        files.files.insert("documents/note.toml".into(), data.to_vec());
    }
    if let Err(errors) = check(&files) {
        assert!(!errors.0.is_empty());
        let _ = errors.to_string();
    }
});
