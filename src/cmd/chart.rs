//! `dossier chart`: the timeline, the designations over time, or who acted on whom, as SVG, Mermaid or DOT.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use rusqlite::Connection;

use super::ctx::Ctx;
use super::report::resolve_actor;
use crate::chart::Picture;
use crate::chart::{self, Filter};
use crate::edtf::Edtf;
use crate::{db, query};

const EXAMPLES: &str = "\
Pictures to put in reports and Markdown. --format picks the picture's language; chart takes
these three, and svg is its default:
  svg      a drawing any browser, editor or word processor opens
  mermaid  text GitHub and GitLab draw in a ```mermaid block: gantt charts, and a flowchart
           (graph LR) for the network
  dot      Graphviz (`dot -Tpng`) and Gephi
Parameters filter as the reports do: actor=SLUG-OR-ALIAS keeps what that actor takes part in;
from=DATE and to=DATE (YYYY, YYYY-MM or YYYY-MM-DD) keep what may fall in that window.

EXAMPLES:
  dossier chart timeline > timeline.svg
  dossier chart timeline -p actor=Moscow -p from=2022 --to moscow.svg
  dossier chart designations --format mermaid
  dossier chart network --format dot | dot -Tpng > network.png";

/// Draw the timeline, the designations over time, or who acted on whom (--format svg|mermaid|dot)
#[derive(Debug, clap::Args)]
#[command(after_long_help = EXAMPLES)]
pub struct Args {
    /// What to draw
    #[arg(value_enum)]
    pub what: What,
    /// A filter, as key=value (repeatable): actor=SLUG-OR-ALIAS, from=DATE, to=DATE
    #[arg(short = 'p', long = "param", value_name = "KEY=VALUE", value_parser = query::parse_param)]
    pub params: Vec<(String, String)>,
    /// Write the picture to FILE instead of stdout
    #[arg(long, value_name = "FILE")]
    pub to: Option<PathBuf>,
    /// Overwrite FILE if it exists
    #[arg(long, requires = "to")]
    pub force: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum What {
    /// Every event at its date, coloured by kind
    Timeline,
    /// Each designation as a bar from its start to its end
    Designations,
    /// Who acted on whom, from the events' participants
    Network,
}

const KEYS: &str = "chart takes -p actor=SLUG-OR-ALIAS, -p from=DATE and -p to=DATE";

/// The filter from `-p` values: the actor resolved as the reports resolve it, the dates to their first and
/// last days.
pub fn filter(conn: &Connection, params: &[(String, String)]) -> anyhow::Result<Filter> {
    let mut f = Filter::default();
    for (key, value) in params {
        let slot = match key.as_str() {
            "actor" => &mut f.actor,
            "from" => &mut f.from,
            "to" => &mut f.to,
            _ => bail!("unknown parameter \"{key}\"; {KEYS}"),
        };
        if slot.is_some() {
            bail!("parameter \"{key}\" is given twice");
        }
        let v = match key.as_str() {
            "actor" => resolve_actor(conn, value)
                .map_err(|e| anyhow::anyhow!("parameter \"actor\": {e}"))?,
            _ => {
                let d = Edtf::parse_plain(value).map_err(|e| {
                    anyhow::anyhow!("parameter \"{key}\": {e}; use YYYY, YYYY-MM or YYYY-MM-DD")
                })?;
                let day = if key == "from" {
                    d.earliest()
                } else {
                    d.latest()
                };
                day.map(|d| d.to_string()).unwrap_or_default()
            }
        };
        *slot = Some(v);
    }
    Ok(f)
}

pub fn run(ctx: &Ctx, picture: Picture, args: Args) -> anyhow::Result<ExitCode> {
    if let Some(to) = &args.to
        && to.exists()
        && !args.force
    {
        bail!("{} exists; pass --force to overwrite it", to.display());
    }
    let conn = db::open_read(&ctx.db)?;
    let f = filter(&conn, &args.params)?;
    let text = draw(&conn, &f, args.what, picture)?;
    match &args.to {
        Some(to) => {
            std::fs::write(to, text).with_context(|| format!("cannot write {}", to.display()))?
        }
        None => {
            use std::io::Write;
            ctx.out().write_all(text.as_bytes())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One picture, whole, as text.
fn draw(conn: &Connection, f: &Filter, what: What, format: Picture) -> anyhow::Result<String> {
    use chart::svg::Target::File;
    let read = || format!("cannot read the {what:?} from the file").to_lowercase();
    Ok(match what {
        What::Timeline => {
            let t = chart::timeline(conn, f, None).with_context(read)?;
            match format {
                Picture::Mermaid => chart::mermaid::timeline(&t),
                Picture::Dot => chart::dot::timeline(&t),
                Picture::Svg => chart::svg::timeline(&t, File),
            }
        }
        What::Designations => {
            let d = chart::designations(conn, f, None).with_context(read)?;
            match format {
                Picture::Mermaid => chart::mermaid::designations(&d),
                Picture::Dot => chart::dot::designations(&d),
                Picture::Svg => chart::svg::designations(&d, File),
            }
        }
        What::Network => {
            let n = chart::network(conn, f, None).with_context(read)?;
            match format {
                Picture::Mermaid => chart::mermaid::network(&n),
                Picture::Dot => chart::dot::network(&n),
                Picture::Svg => chart::svg::network(&n, File),
            }
        }
    })
}
