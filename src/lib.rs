//! dossier: source documents in, one verified, self-describing SQLite knowledge base out.
//!
//! The binary in `main.rs` is a thin shell over these modules; the library exists so that property tests and
//! fuzz targets can drive the parsers and the evidence locator directly.

pub mod chart;
pub mod cli;
pub mod cmd;
pub mod db;
pub mod edtf;
pub mod escape;
pub mod export;
pub mod query;
pub mod render;
pub mod seed;
pub mod synth;
pub mod verify;
