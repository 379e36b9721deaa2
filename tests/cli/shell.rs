//! `dossier shell` in a real terminal (a tmux pane: keys in, the screen out) and as a script from a pipe.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Env, stderr, stdout};

/// A dossier shell running in its own tmux server, sized 160×50, with a clean environment.
struct Pane {
    socket: String,
}

impl Pane {
    /// Starts `dossier --db dossier.db shell` in `dir`, with HOME and XDG_STATE_HOME under `state`.
    fn start(dir: &Path, state: &Path) -> Pane {
        Pane::start_with(dir, state, "cat")
    }

    /// The same, with `pager` as $PAGER.
    fn start_with(dir: &Path, state: &Path, pager: &str) -> Pane {
        let version = Command::new("tmux").arg("-V").output();
        assert!(
            version.is_ok_and(|o| o.status.success()),
            "tmux is needed for the terminal tests: apt-get install tmux (.ci/run installs it)"
        );
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let socket = format!("dossier-test-{}-{n}", std::process::id());
        let bin = assert_cmd::cargo::cargo_bin!("dossier");
        let quote = |p: &Path| format!("'{}'", p.display().to_string().replace('\'', "'\\''"));
        let command = format!(
            "env -i PATH=/usr/bin:/bin TERM=xterm-256color LANG=C.UTF-8 TZ=UTC PAGER={pager} HOME={home} \
             XDG_STATE_HOME={xdg} {bin} --db dossier.db shell; echo SHELL-EXITED; sleep 60",
            home = quote(state),
            xdg = quote(&state.join("xdg")),
            bin = quote(bin),
            pager = quote(Path::new(pager)),
        );
        let status = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                "160",
                "-y",
                "50",
                "-c",
            ])
            .arg(dir)
            .arg(command)
            .status()
            .expect("tmux starts");
        assert!(status.success(), "tmux new-session failed");
        let pane = Pane { socket };
        // capture-pane drops the space that ends the prompt.
        pane.wait_for("the first prompt", |s| s.contains("dossier>"));
        pane
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux runs");
        assert!(out.status.success(), "tmux {args:?}: {}", stderr(&out));
        stdout(&out)
    }

    /// Types `text` literally. tmux reads an argument ending in `;` as its own command separator, so semicolons
    /// go as a key code.
    fn type_text(&self, text: &str) {
        for (i, part) in text.split(';').enumerate() {
            if i > 0 {
                self.tmux(&["send-keys", "-t", "0", "-H", "3b"]);
            }
            if !part.is_empty() {
                self.tmux(&["send-keys", "-t", "0", "-l", part]);
            }
        }
    }

    fn key(&self, key: &str) {
        self.tmux(&["send-keys", "-t", "0", key]);
    }

    /// The screen and its scrollback, as text.
    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-t", "0", "-p", "-S", "-500"])
    }

    /// Polls the screen until `done` holds; fails after 10 s, showing the screen.
    fn wait_for(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let s = self.screen();
            if done(&s) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "waited 10 s for {what}; the screen:\n{s}\nsessions: {}",
                self.tmux(&["list-sessions"])
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The number of prompts on the screen: one more each time the shell is ready for input.
    fn prompts(&self) -> usize {
        self.screen().matches("dossier>").count()
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

fn db_env() -> (Env, PathBuf) {
    let env = Env::with_db();
    let state = env.path("state");
    std::fs::create_dir_all(&state).unwrap();
    (env, state)
}

#[test]
fn the_shell_completes_runs_interrupts_and_refuses_in_a_terminal() {
    let (env, state) = db_env();
    let before = env.file_sha("dossier.db");
    let pane = Pane::start(env.dir.path(), &state);

    // A partial table name and Tab: completed from the file's own tables.
    pane.type_text("SELECT count(*) AS n FROM designa");
    pane.key("Tab");
    pane.wait_for("the table name completed", |s| {
        s.contains("dossier> SELECT count(*) AS n FROM designations")
    });
    pane.type_text(";");
    pane.key("Enter");
    pane.wait_for("the count of designations", |s| s.contains("│ 3 │"));

    // Ctrl-C on a half-typed line clears it: the next statement runs alone.
    pane.type_text("SELECT 'half");
    let prompts = pane.prompts();
    pane.key("C-c");
    pane.wait_for("a fresh prompt", |s| {
        s.matches("dossier>").count() > prompts
    });
    pane.type_text("SELECT 'clean' AS c;");
    pane.key("Enter");
    pane.wait_for("the statement after a cleared line", |s| {
        s.contains("│ clean │")
    });

    // A statement over two lines: Enter on an incomplete statement continues it.
    pane.type_text("SELECT 'first line' AS a,");
    pane.key("Enter");
    pane.type_text("'second line' AS b;");
    pane.key("Enter");
    pane.wait_for("the two-line statement's row", |s| {
        s.contains("│ first line ┆ second line │")
    });

    // A stored report, its actor given by an alias.
    pane.type_text(".report timeline actor=Moscow");
    pane.key("Enter");
    pane.wait_for("the timeline of Russia", |s| {
        s.contains("russia-recognizes-isl") && s.contains("russia-revokes-taliba")
    });

    // A query that never ends, Ctrl-C, and the next statement answered within a second.
    let prompts = pane.prompts();
    pane.type_text(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c;",
    );
    pane.key("Enter");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(pane.prompts(), prompts, "the endless query has not ended");
    let pressed = Instant::now();
    pane.key("C-c");
    pane.wait_for("a fresh prompt", |s| {
        s.matches("dossier>").count() > prompts
    });
    pane.type_text("SELECT 'after' AS answer;");
    pane.key("Enter");
    let screen = pane.wait_for("the answer after Ctrl-C", |s| s.contains("│ after  │"));
    let took = pressed.elapsed();
    assert!(
        took < Duration::from_secs(1),
        "the next answer took {took:?}"
    );
    assert!(screen.contains("dossier: error: interrupted"), "{screen}");

    // A write is refused with the message of `dossier sql`, and the file is unchanged.
    pane.type_text("DELETE FROM actors;");
    pane.key("Enter");
    pane.wait_for("the refusal", |s| {
        s.contains(
            "writing to actors is refused: the file is opened read-only; pass --write to change it",
        )
    });
    pane.type_text("SELECT count(*) AS actors FROM actors;");
    pane.key("Enter");
    pane.wait_for("the actors still there", |s| s.contains("│ 12     │"));
    pane.key("C-d");
    pane.wait_for("the shell to exit on Ctrl-D", |s| {
        s.contains("SHELL-EXITED")
    });
    assert_eq!(env.file_sha("dossier.db"), before);
}

#[test]
fn the_history_survives_a_restart_and_lives_in_the_state_directory() {
    let (env, state) = db_env();
    let first = Pane::start(env.dir.path(), &state);
    first.type_text("SELECT 'remembered' AS word;");
    first.key("Enter");
    first.wait_for("the first answer", |s| s.contains("│ remembered │"));
    first.type_text(".quit");
    first.key("Enter");
    first.wait_for("the shell to exit on .quit", |s| s.contains("SHELL-EXITED"));
    drop(first);

    let history = state.join("xdg/dossier/history");
    let kept = std::fs::read_to_string(&history).expect("the history file in XDG_STATE_HOME");
    assert!(kept.contains("SELECT 'remembered' AS word;"), "{kept}");
    // Nothing beside the database.
    assert_eq!(env.entries(), vec!["dossier.db", "seed", "state"]);

    let second = Pane::start(env.dir.path(), &state);
    second.key("Up");
    second.wait_for("the last statement recalled with Up", |s| {
        s.contains("dossier> SELECT 'remembered' AS word;")
    });
    second.key("Enter");
    second.wait_for("the recalled statement run", |s| {
        s.contains("│ remembered │")
    });
}

fn script(env: &Env, input: &str, args: &[&str]) -> (i32, String, String) {
    let mut child = env
        .std_cmd()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.code().unwrap_or(-1), stdout(&out), stderr(&out))
}

#[test]
fn a_script_stops_at_its_first_failing_statement_with_exit_1() {
    let env = Env::with_db();
    let before = env.file_sha("dossier.db");
    let input =
        "SELECT 'one' AS a;\n\n-- a comment\nDELETE\n  FROM actors;\nSELECT 'three' AS c;\n";
    let (code, out, err) = script(&env, input, &["--format", "csv", "shell"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(out, "a\none\n");
    assert_eq!(
        err,
        "dossier: error: stdin:3: `-- a comment DELETE   FROM actors;`: writing to actors is refused: \
         the file is opened read-only; pass --write to change it\n"
    );
    assert_eq!(env.file_sha("dossier.db"), before);
}

#[test]
fn a_script_binds_parameters_and_runs_dot_commands() {
    let env = Env::with_db();
    let input = "\
.format csv
.param set who  Robert'); DROP TABLE actors; --
SELECT :who AS who;
.param set n 2
SELECT :n + 1 AS three, typeof(:n) AS t;
.output out.csv
SELECT slug FROM actors ORDER BY slug LIMIT 2;
.output stdout
.report actors kind=state
.output last.csv
SELECT 'written at exit' AS w;
";
    let (code, out, err) = script(&env, input, &["shell"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("who\n\"Robert'); DROP TABLE actors; --\"\nthree,t\n3,integer\nslug,name,"),
        "{out}"
    );
    assert!(out.contains("\nrussia,Russia,state,RUS,"), "{out}");
    let file = std::fs::read_to_string(env.path("out.csv")).unwrap();
    assert_eq!(file, "slug\nafghan-dissidents\nafghan-embassy-moscow\n");
    let last = std::fs::read_to_string(env.path("last.csv")).unwrap();
    assert_eq!(last, "w\n\"written at exit\"\n");
}

#[test]
fn an_unknown_dot_command_and_a_missing_parameter_say_what_to_do() {
    let env = Env::with_db();
    let (code, _, err) = script(&env, ".tabels\n", &["shell"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("unknown dot-command .tabels; did you mean \".tables\"?"),
        "{err}"
    );
    let (code, _, err) = script(&env, "SELECT :missing;\n", &["shell"]);
    assert_eq!(code, 1);
    assert!(
        err.contains(
            "the SQL uses :missing, but no value was given: `.param set missing VALUE` sets one"
        ),
        "{err}"
    );
}

#[test]
fn completion_offers_columns_of_an_alias_and_actor_names() {
    let env = Env::with_db();
    let (code, out, err) = env.run(&[
        "shell",
        "--complete",
        "SELECT * FROM evidence ev WHERE ev.ex",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "exact\n");
    let (_, out, _) = env.run(&["shell", "--complete", ".report timeline actor=Mos"]);
    assert_eq!(out, "Moscow\n");
}

#[test]
fn a_result_taller_than_the_terminal_goes_through_the_pager() {
    let (env, state) = db_env();
    // A pager that marks each line it shows, so the screen tells which output went through it.
    let pane = Pane::start_with(env.dir.path(), &state, "sed 's/^/PAGED /'");
    pane.type_text("SELECT 'short' AS s;");
    pane.key("Enter");
    let screen = pane.wait_for("the short result", |s| s.contains("│ short │"));
    assert!(!screen.contains("PAGED"), "{screen}");
    pane.type_text(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 80) SELECT i FROM n;",
    );
    pane.key("Enter");
    pane.wait_for("the tall result through the pager", |s| {
        s.contains("PAGED │ 80 │") && s.contains("PAGED └────┘")
    });
}

#[test]
fn with_write_each_statement_commits_and_an_open_transaction_is_rolled_back() {
    let env = Env::with_db();
    let input = "UPDATE actors SET description = 'Changed' WHERE slug = 'russia';\nBEGIN;\nDELETE FROM quotes;\n";
    let (code, _, err) = script(&env, input, &["shell", "--write"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("dossier: 1 row changed"), "{err}");
    let (_, out, _) = env.run(&[
        "sql",
        "--format",
        "csv",
        "SELECT (SELECT description FROM actors WHERE slug = 'russia'), (SELECT count(*) FROM quotes)",
    ]);
    assert_eq!(out.lines().nth(1), Some("Changed,5"), "{out}");
}

#[test]
fn read_runs_a_file_and_names_its_failing_line() {
    let env = Env::with_db();
    std::fs::write(
        env.path("checks.sql"),
        "SELECT 'from the file' AS f;\nSELECT nope FROM actors;\n",
    )
    .unwrap();
    let input = ".expanded on\n.read checks.sql\nSELECT 'after' AS a;\n";
    let (code, out, err) = script(&env, input, &["shell"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(out, "-[ RECORD 1 ]---\nf | from the file\n");
    assert!(
        err.starts_with(
            "dossier: error: stdin:2: `.read checks.sql`: checks.sql:2: `SELECT nope FROM actors;`: no such column: nope"
        ),
        "{err}"
    );
}
