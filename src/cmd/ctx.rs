//! What every command gets from the edge: where the data is and how to print it. A leaf of `cmd`, so that each
//! command imports it and not the dispatcher that calls the command.

use crate::db::Database;
use crate::render::{Format, Style};

/// What every command gets: where the data is and how to print it.
pub struct Ctx {
    pub db: Database,
    pub format: Format,
    pub style: Style,
}

impl Ctx {
    pub fn out(&self) -> std::io::StdoutLock<'static> {
        std::io::stdout().lock()
    }
}

