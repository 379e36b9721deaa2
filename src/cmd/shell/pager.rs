//! The pager: a result taller than the terminal goes through `$PAGER` (default `less -FRSX`), as psql does.
//!
//! Output is held until it is taller than the screen, so a short result prints directly; once it is taller, the
//! pager starts with what was held and receives the rest as it comes. Memory stays at one screen.

use std::io::{self, Write};
use std::process::{Child, Command, Stdio};

pub struct Paged<'a> {
    out: &'a mut dyn Write,
    held: Vec<u8>,
    lines: usize,
    height: usize,
    pager: Option<Child>,
}

impl<'a> Paged<'a> {
    pub fn new(out: &'a mut dyn Write) -> Paged<'a> {
        let height = terminal_size::terminal_size()
            .map(|(_, h)| h.0 as usize)
            .unwrap_or(24);
        Paged {
            out,
            held: Vec::new(),
            lines: 0,
            // Leave room for the prompt that follows.
            height: height.saturating_sub(1).max(1),
            pager: None,
        }
    }

    /// Starts the pager and hands it what was held; if it cannot start, the output goes to the terminal.
    fn start(&mut self) -> io::Result<()> {
        let cmd = std::env::var("PAGER")
            .ok()
            .filter(|p| !p.trim().is_empty())
            .unwrap_or_else(|| "less -FRSX".to_string());
        self.out.flush()?;
        match Command::new("sh")
            .args(["-c", &cmd])
            .stdin(Stdio::piped())
            .spawn()
        {
            Ok(mut child) => {
                let stdin = child.stdin.as_mut().expect("piped stdin");
                stdin.write_all(&self.held)?;
                self.pager = Some(child);
            }
            Err(e) => {
                crate::notice!("dossier: cannot start the pager `{cmd}`: {e}; printing instead");
                self.out.write_all(&self.held)?;
                self.height = usize::MAX;
            }
        }
        self.held = Vec::new();
        Ok(())
    }

    /// Writes what is held, or waits for the pager to be closed.
    pub fn finish(mut self) -> io::Result<()> {
        match self.pager.take() {
            Some(mut child) => {
                drop(child.stdin.take());
                child.wait()?;
                Ok(())
            }
            None => {
                self.out.write_all(&self.held)?;
                self.out.flush()
            }
        }
    }
}

impl Write for Paged<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(child) = &mut self.pager {
            return child.stdin.as_mut().expect("piped stdin").write(buf);
        }
        if self.height == usize::MAX {
            return self.out.write(buf);
        }
        self.held.extend_from_slice(buf);
        self.lines += buf.iter().filter(|&&b| b == b'\n').count();
        if self.lines > self.height {
            self.start()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.pager {
            Some(child) => child.stdin.as_mut().expect("piped stdin").flush(),
            None => Ok(()),
        }
    }
}

impl Drop for Paged<'_> {
    fn drop(&mut self) {
        // An error part way leaves the pager open: close its input and wait, so the terminal is the shell's
        // again before the next prompt.
        if let Some(mut child) = self.pager.take() {
            drop(child.stdin.take());
            let _ = child.wait();
        }
    }
}
