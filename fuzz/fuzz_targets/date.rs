//! Any text as an EDTF date: a value with ordered bounds, or an error, never a panic.
#![no_main]

use dossier::edtf::Edtf;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(e) = text.parse::<Edtf>() {
            if let (Some(a), Some(b)) = (e.earliest(), e.latest()) {
                assert!(a <= b, "{text}: {a} > {b}");
            }
            assert_eq!(e.as_str(), text);
        }
        let _ = Edtf::parse_plain(text);
    }
});
