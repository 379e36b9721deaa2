//! `dossier shell`: an interactive SQL shell over one dossier file, with the stored reports, evidence and search
//! as dot-commands, completion from the open file, and a script mode that stops at the first error.
//!
//! The line editor is rustyline: it has what the shell needs (multi-line input through a validator, a file
//! history, list completion, Ctrl-C and Ctrl-D as results of `readline`) with a small dependency tree, and it
//! reads a pipe as plain lines. reedline draws richer menus but brings crossterm and its own event loop.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::Instant;

use anyhow::{Context, anyhow};
use rusqlite::Connection;
use rusqlite::types::Value;

use super::ctx::{Ctx, is_broken_pipe};
use super::sql::{self, Printer};
use crate::db::{self, Refusal};
use crate::render::{Expanded, Format, Style};

mod complete;
mod dot;
mod pager;

pub use complete::Completion;
pub use dot::DOT_HELP;

const ABOUT: &str = "\
An SQL shell over the file: ad hoc SQL, the stored reports, evidence and search, with completion
from the file (keywords, functions, tables, columns, report parameters, actor names) and a history
kept per user in $XDG_STATE_HOME/dossier/history (else ~/.local/state/dossier/history), never
beside the database.

A statement runs once it is complete by SQLite's own rule (sqlite3_complete), so it may span
lines; a line that starts with a dot is a dot-command. Ctrl-C clears the line, or interrupts a
running query, and the shell goes on; Ctrl-D or .quit leaves it. A result taller than the
terminal goes through $PAGER (default `less -FRSX`).

The file is opened read-only, with the same guard as `dossier sql`: a write is refused with the
same message. With --write, each statement commits on its own as it runs, as in the sqlite3
shell; BEGIN … COMMIT groups statements, and a transaction still open when the shell ends is
rolled back.

When stdin is not a terminal, the shell runs the statements it reads in order, prints each
result, and stops at the first error with exit 1, naming the statement and its line (as
`sqlite3 -bail` does).
";

/// An interactive SQL shell with the reports, evidence and search as dot-commands
#[derive(Debug, clap::Args)]
#[command(after_long_help = long_help())]
pub struct Args {
    /// Allow writes; each statement commits as it runs unless inside BEGIN … COMMIT
    #[arg(long)]
    pub write: bool,
    /// Print the completions for LINE (the cursor at its end), one a line, and exit
    #[arg(long, hide = true, value_name = "LINE")]
    pub complete: Option<String>,
}

fn long_help() -> String {
    format!("{ABOUT}\n{DOT_HELP}")
}

/// Where results go: the terminal (through the pager when on), or a file named by `.output`.
enum Output {
    Stdout,
    File(std::io::BufWriter<std::fs::File>, PathBuf),
}

/// Whether the shell goes on after an input.
#[derive(PartialEq, Eq)]
enum Flow {
    Continue,
    Quit,
}

/// One shell session: the connection and the settings the dot-commands change.
struct Session {
    conn: Rc<Connection>,
    refusal: Refusal,
    /// With --write, the tables each statement wrote, so that the full-text index follows them.
    written: Option<db::Written>,
    write: bool,
    interactive: bool,
    format: Format,
    expanded: Expanded,
    timer: bool,
    pager: bool,
    output: Output,
    params: BTreeMap<String, Value>,
}

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<ExitCode> {
    let mut conn = if args.write {
        db::open_write(&ctx.db)?
    } else {
        db::open_read_live(&ctx.db)?
    };
    let (refusal, written) = if args.write {
        let (r, w) = db::guard_writes(&mut conn)?;
        (r, Some(w))
    } else {
        (db::guard(&mut conn, false)?, None)
    };
    let conn = Rc::new(conn);
    if let Some(line) = args.complete {
        let mut out = ctx.out();
        for c in Completion::new(conn.clone())
            .candidates(&line, line.len())
            .1
        {
            writeln!(out, "{c}")?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let interactive = std::io::stdin().is_terminal();
    let mut session = Session {
        conn,
        refusal,
        written,
        write: args.write,
        interactive,
        format: ctx.format,
        expanded: Expanded::Off,
        timer: false,
        pager: interactive && std::io::stdout().is_terminal(),
        output: Output::Stdout,
        params: BTreeMap::new(),
    };
    if interactive {
        session.interactive_loop(ctx)?;
        return Ok(ExitCode::SUCCESS);
    }
    let stdin = std::io::stdin().lock();
    let result = session.run_script(ctx, stdin, "stdin").map(|_| ());
    // A file named by `.output` is complete before the exit code says so.
    let closed = session.close_output();
    match result.and(closed) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            ctx.out().flush()?;
            Err(e)
        }
    }
}

/// Whether `sql` ends in a complete statement, by SQLite's own rule: a semicolon outside strings, comments and
/// the body of a CREATE TRIGGER.
pub fn is_complete(sql: &str) -> bool {
    let Ok(c) = std::ffi::CString::new(sql) else {
        // A NUL byte ends the text for SQLite; let the statement run and fail with SQLite's own message.
        return true;
    };
    // SAFETY: sqlite3_complete reads the NUL-terminated string, which lives until the call returns, and keeps
    // no pointer to it. It needs no connection and initialises the library itself.
    unsafe { rusqlite::ffi::sqlite3_complete(c.as_ptr()) != 0 }
}

/// The per-user history file: $XDG_STATE_HOME/dossier/history, else ~/.local/state/dossier/history.
fn history_path() -> Option<PathBuf> {
    let state = std::env::var_os("XDG_STATE_HOME")
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|h| !h.is_empty())
                .map(|h| PathBuf::from(h).join(".local/state"))
        })?;
    Some(state.join("dossier").join("history"))
}

impl Session {
    fn interactive_loop(&mut self, ctx: &Ctx) -> anyhow::Result<()> {
        use rustyline::error::ReadlineError;
        use rustyline::{CompletionType, Config, Editor, history::FileHistory};
        // Ctrl-C while a query runs reaches the process as SIGINT (the terminal is not in raw mode then); it
        // interrupts the query through SQLite and the shell goes on. While a line is edited, rustyline reads
        // Ctrl-C as a key instead.
        let handle = self.conn.get_interrupt_handle();
        ctrlc::set_handler(move || handle.interrupt())
            .context("cannot install the Ctrl-C handler")?;
        let config = Config::builder()
            .completion_type(CompletionType::List)
            .history_ignore_dups(true)?
            .history_ignore_space(true)
            .max_history_size(10_000)?
            .auto_add_history(false)
            .build();
        let mut editor: Editor<Completion, FileHistory> =
            Editor::with_config(config).context("cannot start the line editor")?;
        editor.set_helper(Some(Completion::new(self.conn.clone())));
        // A history that cannot be kept is worth a notice, not a shell that will not start.
        let history = match history_path() {
            Some(path) => match open_history(&mut editor, &path) {
                Ok(()) => Some(path),
                Err(e) => {
                    crate::notice!("dossier: {e:#}; the history is not kept");
                    None
                }
            },
            None => {
                crate::notice!("dossier: no HOME or XDG_STATE_HOME; the history is not kept");
                None
            }
        };
        crate::notice!(
            "dossier shell on {}{}. .help lists the dot-commands; Ctrl-D quits.",
            ctx.db.label(),
            if self.write {
                ", writable"
            } else {
                ", read-only"
            }
        );
        loop {
            ctx.out().flush()?;
            let line = match editor.readline("dossier> ") {
                Ok(line) => line,
                Err(ReadlineError::Interrupted) => continue,
                Err(ReadlineError::Eof) => break,
                Err(e) => return Err(e).context("cannot read the input"),
            };
            if line.trim().is_empty() {
                continue;
            }
            // `.quit` is left out, so that Up after a restart finds the last real input.
            let quit = matches!(line.trim(), ".quit" | ".exit");
            if !quit {
                editor.add_history_entry(line.as_str())?;
            }
            if let Some(path) = history.as_ref().filter(|_| !quit) {
                // Appended as it is typed, so a shell that is killed keeps its history.
                if let Err(e) = editor.append_history(path) {
                    crate::notice!("dossier: cannot write the history {}: {e}", path.display());
                }
            }
            match self.execute(ctx, &line) {
                Ok(Flow::Quit) => break,
                Ok(Flow::Continue) => {}
                Err(e) if is_broken_pipe(&e) => {}
                Err(e) => {
                    let _ = ctx.out().flush();
                    crate::notice!("dossier: error: {e:#}");
                }
            }
        }
        self.close_output()?;
        ctx.out().flush()?;
        Ok(())
    }

    /// Runs the statements and dot-commands read from `input` in order; the first error stops it, naming the
    /// statement and its line in `origin`.
    fn run_script(&mut self, ctx: &Ctx, input: impl BufRead, origin: &str) -> anyhow::Result<Flow> {
        let mut pending = String::new();
        let mut first_line = 0;
        for (n, line) in input.lines().enumerate() {
            let line = line.with_context(|| format!("cannot read {origin}"))?;
            if pending.trim().is_empty() {
                pending.clear();
                first_line = n + 1;
                if line.trim_start().starts_with('.') {
                    let flow = self
                        .execute(ctx, &line)
                        .map_err(|e| at(e, origin, first_line, &line))?;
                    if flow == Flow::Quit {
                        return Ok(flow);
                    }
                    continue;
                }
            }
            pending.push_str(&line);
            pending.push('\n');
            if is_complete(&pending) {
                let stmt = std::mem::take(&mut pending);
                self.execute(ctx, &stmt)
                    .map_err(|e| at(e, origin, first_line, &stmt))?;
            }
        }
        if !pending.trim().is_empty() {
            self.execute(ctx, &pending)
                .map_err(|e| at(e, origin, first_line, &pending))?;
        }
        Ok(Flow::Continue)
    }

    /// One complete input: a dot-command, or SQL of one or more statements.
    fn execute(&mut self, ctx: &Ctx, input: &str) -> anyhow::Result<Flow> {
        let started = Instant::now();
        let flow = if input.trim_start().starts_with('.') {
            self.dot(ctx, input.trim())?
        } else {
            let conn = self.conn.clone();
            let (params, write, refusal) = (self.params.clone(), self.write, self.refusal.clone());
            let (mut used, mut direct) = (Vec::new(), 0);
            self.with_printer(ctx, |print| {
                sql::run_all(
                    &conn,
                    input,
                    &params,
                    write,
                    &refusal,
                    &mut used,
                    &mut direct,
                    print,
                )
            })
            .map_err(parameter_hint)?;
            // Inside BEGIN … COMMIT this joins the user's transaction; otherwise it is one of its own.
            if let Some(w) = &self.written {
                db::search_index::follow(&conn, w)
                    .context("cannot bring the full-text index in step")?;
            }
            if direct > 0 {
                crate::notice!(
                    "dossier: {direct} row{} changed",
                    if direct == 1 { "" } else { "s" }
                );
            }
            Flow::Continue
        };
        if self.timer {
            crate::notice!("Run Time: real {:.3}", started.elapsed().as_secs_f64());
        }
        Ok(flow)
    }

    /// Calls `f` with a printer to the current output: the file of `.output`, else stdout, through the pager
    /// when it is on.
    fn with_printer<T>(
        &mut self,
        ctx: &Ctx,
        f: impl FnOnce(&mut Printer) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        let format = self.format;
        let expanded = self.expanded;
        match &mut self.output {
            Output::File(file, _) => {
                let style = Style {
                    width: None,
                    color: false,
                    terminal: false,
                    expanded,
                };
                let r = f(&mut Printer {
                    format,
                    style,
                    out: file,
                });
                file.flush()?;
                r
            }
            Output::Stdout => {
                let style = Style {
                    expanded,
                    ..Style::detect()
                };
                let mut out = ctx.out();
                if self.pager {
                    let mut paged = pager::Paged::new(&mut out);
                    let r = f(&mut Printer {
                        format,
                        style,
                        out: &mut paged,
                    });
                    let done = paged.finish();
                    let r = r?;
                    done?;
                    Ok(r)
                } else {
                    f(&mut Printer {
                        format,
                        style,
                        out: &mut out,
                    })
                }
            }
        }
    }

    fn close_output(&mut self) -> anyhow::Result<()> {
        if let Output::File(mut file, path) = std::mem::replace(&mut self.output, Output::Stdout) {
            file.flush()
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        Ok(())
    }
}

/// The error of a script's statement, naming where it is.
fn at(e: anyhow::Error, origin: &str, line: usize, stmt: &str) -> anyhow::Error {
    if is_broken_pipe(&e) {
        return e;
    }
    let shown: String = stmt.trim().chars().take(200).collect();
    let shown = shown.lines().collect::<Vec<_>>().join(" ");
    e.context(format!("{origin}:{line}: `{shown}`"))
}

/// `query::bind` speaks of `-p`, the flag of `sql` and `report`; in the shell a value comes from `.param set`.
fn parameter_hint(e: anyhow::Error) -> anyhow::Error {
    let msg = format!("{e:#}");
    match msg.split_once(", but no value was given: pass -p ") {
        Some((head, rest)) => {
            let key = rest.split('=').next().unwrap_or(rest);
            anyhow!("{head}, but no value was given: `.param set {key} VALUE` sets one")
        }
        None => e,
    }
}

/// Creates the history's directory, readable by its owner only (the history holds what was typed), and loads
/// the history when there is one.
fn open_history(
    editor: &mut rustyline::Editor<Completion, rustyline::history::FileHistory>,
    path: &std::path::Path,
) -> anyhow::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if let Some(dir) = path.parent() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
    }
    if path.exists() {
        editor
            .load_history(path)
            .with_context(|| format!("cannot read the history {}", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::is_complete;

    #[test]
    fn completeness_follows_sqlite() {
        assert!(is_complete("SELECT 1;"));
        assert!(!is_complete("SELECT 1"));
        assert!(!is_complete("SELECT ';'"));
        assert!(is_complete("SELECT ';';\n"));
        assert!(!is_complete("SELECT 1 -- ;"));
        assert!(!is_complete(
            "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1;"
        ));
        assert!(is_complete(
            "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END;"
        ));
    }
}
