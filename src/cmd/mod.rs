//! One module per subcommand. `run` dispatches; each command writes data to stdout and notices to stderr.

use std::io::Write;
use std::process::ExitCode;

use crate::cli::{Cli, Command, FormatName};
use crate::db::Database;
use crate::render::{Format, Style};

pub mod build;
pub mod chart;
pub mod check;
pub mod completions;
pub mod ctx;
pub mod diff;
pub mod draft;
pub mod evidence;
pub mod export;
pub mod info;
pub mod locate;
pub mod report;
pub mod schema;
pub mod search;
pub mod shell;
pub mod sql;
pub mod synth;
pub mod verify;

pub use ctx::{Ctx, is_broken_pipe};

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    // One --format serves every command, and each takes the names that fit it: rows for the commands that print
    // rows, the kinds of export for export, pictures for chart (whose default is svg).
    let usage = |msg: &str| -> ! {
        use clap::CommandFactory;
        Cli::command()
            .error(clap::error::ErrorKind::InvalidValue, msg)
            .exit()
    };
    let (format, export_kind, picture) = match &cli.command {
        Command::Export(_) => match cli.format.and_then(FormatName::export) {
            Some(k) => (Format::Table, Some(k), None),
            None => usage("export needs --format csv, json, sql, seed, datasette, ftm or html"),
        },
        Command::Chart(_) => match cli
            .format
            .map_or(Some(crate::chart::Picture::Svg), FormatName::picture)
        {
            Some(p) => (Format::Table, None, Some(p)),
            None => usage("chart draws --format svg (the default), mermaid or dot"),
        },
        _ => match cli.format.map_or(Some(Format::Table), FormatName::rows) {
            Some(f) => (f, None, None),
            None if cli.format.and_then(FormatName::picture).is_some() => usage(
                "--format svg, mermaid and dot are for `dossier chart`; use table, markdown, csv, tsv, json or ndjson",
            ),
            None => usage(
                "--format sql, seed, datasette, ftm and html are for `dossier export`; use table, markdown, csv, tsv, \
                 json or ndjson",
            ),
        },
    };
    crate::db::harden::set_bounds(crate::db::harden::Bounds {
        timeout: (cli.timeout > 0).then(|| std::time::Duration::from_secs(cli.timeout)),
        max_memory: cli.max_memory << 20,
    });
    crate::db::provide_embedded(crate::seed::load_embedded);
    let reads = !matches!(
        cli.command,
        Command::Build(_)
            | Command::Check(_)
            | Command::Draft(_)
            | Command::Locate(_)
            | Command::Synth(_)
            | Command::Completions(_)
            | Command::Man(_)
            | Command::Diff(_)
    );
    // The progress handler stops a statement between two of its instructions; one instruction can run long (a
    // LIKE over a huge string), and so can printing. A command that only reads holds nothing to clean up, so past
    // the bound and a grace period it simply ends.
    let only_reads = match &cli.command {
        Command::Sql(a) => !a.write,
        Command::Report(_)
        | Command::Search(_)
        | Command::Evidence(_)
        | Command::Schema(_)
        | Command::Info(_)
        | Command::Verify(_)
        | Command::Diff(_)
        | Command::Locate(_) => true,
        _ => false,
    };
    if only_reads && cli.timeout > 0 {
        watchdog(cli.timeout);
    }
    let ctx = Ctx {
        db: Database::resolve(cli.db.as_deref()),
        format,
        style: Style::detect(),
        out: std::cell::RefCell::new(std::io::BufWriter::with_capacity(
            64 * 1024,
            std::io::stdout(),
        )),
    };
    if reads && ctx.db == Database::Embedded {
        crate::notice!(
            "dossier: no dossier.db here; using the seed compiled into this binary (run `dossier build` to write one)"
        );
    }
    let code = dispatch(&ctx, cli.db.as_deref(), cli.command, export_kind, picture)
        .map_err(crate::db::harden::explain)?;

    ctx.out().flush()?;
    Ok(code)
}

/// Ends the process with the time limit's message once the bound and a grace period have passed. An alarm
/// signal rather than a thread: starting a thread cost more than a small report's own work (about 1 ms).
fn watchdog(seconds: u64) {
    const GRACE: u64 = 2;
    let message = format!(
        "dossier: error: {}\n",
        crate::db::harden::time_limit_message(seconds)
    )
    .into_bytes();
    #[cfg(unix)]
    {
        // SAFETY: the handler calls only write(2) and _exit(2), both async-signal-safe, on a buffer made before.
        let registered = unsafe {
            signal_hook::low_level::register(signal_hook::consts::SIGALRM, move || {
                libc::write(2, message.as_ptr().cast(), message.len());
                signal_hook::low_level::exit(1);
            })
        };
        if registered.is_ok() {
            let secs = u32::try_from(seconds + GRACE).unwrap_or(u32::MAX);
            // SAFETY: alarm(2) takes a plain integer.
            unsafe {
                libc::alarm(secs);
            }
        }
    }
    #[cfg(not(unix))]
    std::thread::spawn(move || {
        use std::io::Write;
        std::thread::sleep(std::time::Duration::from_secs(seconds + GRACE));
        let _ = std::io::stderr().write_all(&message);
        std::process::exit(1);
    });
}

fn dispatch(
    ctx: &Ctx,
    db: Option<&std::path::Path>,
    command: Command,
    export_kind: Option<crate::export::Kind>,
    picture: Option<crate::chart::Picture>,
) -> anyhow::Result<ExitCode> {
    let code = match command {
        Command::Build(args) => build::run(ctx, db, args)?,
        Command::Check(args) => check::run(ctx, args)?,
        Command::Locate(args) => locate::run(ctx, args)?,
        Command::Draft(args) => draft::run(ctx, args)?,
        Command::Report(args) => report::run(ctx, args)?,
        Command::Sql(args) => sql::run(ctx, args)?,
        Command::Search(args) => search::run(ctx, args)?,
        Command::Shell(args) => shell::run(ctx, args)?,
        Command::Evidence(args) => evidence::run(ctx, args)?,
        Command::Schema(args) => schema::run(ctx, args)?,
        Command::Synth(args) => synth::run(ctx, args)?,
        Command::Completions(args) => {
            completions::completions(ctx, args, <Cli as clap::CommandFactory>::command())?
        }
        Command::Man(args) => {
            completions::man(ctx, args, <Cli as clap::CommandFactory>::command())?
        }
        Command::Export(args) => export::run(ctx, export_kind.expect("chosen above"), args)?,
        Command::Chart(args) => chart::run(ctx, picture.expect("chosen above"), args)?,
        Command::Diff(args) => diff::run(ctx, args)?,
        Command::Info(args) => info::run(ctx, args)?,
        Command::Verify(args) => verify::run(ctx, args)?,
    };
    Ok(code)
}
