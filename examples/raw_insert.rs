//! The floor for the build benchmark: a bare rusqlite bulk insert of CSV files into plain tables, in one
//! transaction with prepared statements, no validation, no indexes, no full-text index.
//!
//!   cargo run --release --example raw_insert -- OUT.db TABLE=FILE.csv...

use std::error::Error;

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let out = args
        .next()
        .ok_or("usage: raw_insert OUT.db TABLE=FILE.csv...")?;
    let _ = std::fs::remove_file(&out);
    let mut conn = rusqlite::Connection::open(&out)?;
    conn.execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")?;
    let tx = conn.transaction()?;
    let mut rows = 0u64;
    for spec in args {
        let (table, path) = spec.split_once('=').ok_or("expected TABLE=FILE.csv")?;
        let mut reader = csv::Reader::from_path(path)?;
        let headers = reader.headers()?.clone();
        let columns: Vec<String> = headers.iter().map(|h| format!("\"{h}\"")).collect();
        tx.execute_batch(&format!(
            "CREATE TABLE \"{table}\" ({})",
            columns.join(", ")
        ))?;
        let marks: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
        let mut stmt = tx.prepare(&format!(
            "INSERT INTO \"{table}\" VALUES ({})",
            marks.join(", ")
        ))?;
        for record in reader.records() {
            let record = record?;
            stmt.execute(rusqlite::params_from_iter(record.iter()))?;
            rows += 1;
        }
    }
    tx.commit()?;
    eprintln!("raw_insert: {rows} rows");
    Ok(())
}
