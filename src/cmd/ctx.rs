//! What every command gets from the edge: where the data is and how to print it. A leaf of `cmd`, so that each
//! command imports it and not the dispatcher that calls the command.

use crate::db::Database;
use std::io::Write;

use crate::render::{Format, Style};

/// What every command gets: where the data is and how to print it.
pub struct Ctx {
    pub db: Database,
    pub format: Format,
    pub style: Style,
    /// Rust's stdout is line-buffered, one write(2) per row; data goes through this one buffer instead, flushed
    /// when the command ends (and by the shell before each prompt).
    pub(crate) out: std::cell::RefCell<std::io::BufWriter<std::io::Stdout>>,
}

/// The data output of a command: the one buffered stdout.
pub struct Out<'a>(std::cell::RefMut<'a, std::io::BufWriter<std::io::Stdout>>);

impl Write for Out<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.0.write_all(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

impl Ctx {
    pub fn out(&self) -> Out<'_> {
        Out(self.out.borrow_mut())
    }
}

/// Whether an error comes from writing to a pipe whose reader is gone (`dossier sql … | head`).
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
