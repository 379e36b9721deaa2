//! dossier: source documents in, one verified, self-describing SQLite knowledge base out.
//!
//! The binary in `main.rs` is a thin shell over these modules; the library exists so that property tests and
//! fuzz targets can drive the parsers and the evidence locator directly.

/// Writes a line to stderr, as `eprintln!` does, but never panics: when the reader of stderr is gone (`dossier
/// build 2>&1 | head`), the notice is dropped and the command goes on.
#[macro_export]
macro_rules! notice {
    ($($arg:tt)*) => {{
        use ::std::io::Write as _;
        // A notice may quote the file's own text: its control characters are shown, never sent.
        let line = ::std::format!($($arg)*);
        let _ = ::std::writeln!(::std::io::stderr(), "{}", $crate::escape::visible(&line));
    }};
}

pub mod chart;
pub mod cli;
pub mod cmd;
pub mod db;
pub mod digest;
pub mod edtf;
pub mod escape;
pub mod export;
pub mod params;
pub mod query;
pub mod render;
pub mod schema;
pub mod seed;
pub mod synth;
pub mod verify;
