//! The test harness: a temporary directory per test, a scrubbed environment, and seed fixtures.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub struct Env {
    pub dir: TempDir,
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("temporary directory"),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// The binary, run in this test's directory with a fixed, clean environment.
    pub fn cmd(&self) -> Command {
        Command::from_std(self.std_cmd())
    }

    /// The same, as a plain `std::process::Command`, for tests that spawn and read as they go.
    pub fn std_cmd(&self) -> std::process::Command {
        let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin!("dossier"));
        c.current_dir(self.dir.path())
            .env_remove("NO_COLOR")
            .env_remove("DOSSIER_DB")
            .env("COLUMNS", "120")
            .env("TZ", "UTC");
        c
    }

    /// Copies the project's seed into `seed/` here.
    pub fn real_seed(&self) -> PathBuf {
        let to = self.path("seed");
        copy_dir(&repo().join("seed"), &to);
        to
    }

    /// The minimal fixture with `case` laid over it (files replaced or added, and those named in REMOVE deleted),
    /// in `name/` here.
    pub fn fixture(&self, case: &str, name: &str) -> PathBuf {
        let fixtures = repo().join("tests/fixtures");
        let to = self.path(name);
        copy_dir(&fixtures.join("minimal"), &to);
        if case != "minimal" {
            copy_dir(&fixtures.join(case), &to);
            for f in ["expected.txt", "REMOVE"] {
                let _ = std::fs::remove_file(to.join(f));
            }
            if let Ok(list) = std::fs::read_to_string(fixtures.join(case).join("REMOVE")) {
                for rel in list.lines().filter(|l| !l.is_empty()) {
                    std::fs::remove_file(to.join(rel)).expect("file named in REMOVE exists");
                }
            }
        }
        to
    }

    /// Builds `seed` into `out` and returns the file's bytes.
    pub fn build(&self, seed: &Path, out: &str) -> Vec<u8> {
        self.cmd()
            .args(["build", "--seed"])
            .arg(seed)
            .args(["--out", out])
            .assert()
            .success();
        std::fs::read(self.path(out)).expect("built file")
    }

    /// Starts `dossier build --seed SEED --out OUT` (stderr piped) and returns once the build has created its
    /// temporary files, or has ended, or `patience` has passed.
    pub fn start_build(
        &self,
        seed: &str,
        out: &str,
        patience: std::time::Duration,
    ) -> std::process::Child {
        let mut child = self
            .std_cmd()
            .args(["build", "--seed", seed, "--out", out])
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn dossier build");
        let mine = format!(".dossier-build-{}-", child.id());
        let deadline = std::time::Instant::now() + patience;
        while child.try_wait().expect("wait").is_none()
            && std::time::Instant::now() < deadline
            && !self.entries().iter().any(|e| e.starts_with(&mine))
        {
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        child
    }

    /// Names of the entries directly in this test's directory, sorted.
    pub fn entries(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read fixture dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

pub fn sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn stdout(out: &std::process::Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("utf-8 stdout")
}

pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("utf-8 stderr")
}

impl Env {
    /// A directory holding `dossier.db` built from the real seed.
    pub fn with_db() -> Env {
        let env = Env::new();
        let seed = env.real_seed();
        env.build(&seed, "dossier.db");
        env
    }

    /// Runs the binary with `args`; returns (exit code, stdout, stderr).
    pub fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = self.cmd().args(args).output().expect("run dossier");
        (out.status.code().unwrap_or(-1), stdout(&out), stderr(&out))
    }

    pub fn file_sha(&self, rel: &str) -> String {
        sha256(&std::fs::read(self.path(rel)).expect("file"))
    }
}

/// An outside program a test reads the output with. A missing one fails the test with the command that installs
/// it: never a silent skip. `bash .ci/run` installs every one of them.
pub fn client(program: impl AsRef<std::ffi::OsStr>) -> std::process::Command {
    let program = program.as_ref();
    let name = Path::new(program)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let found = if Path::new(program).components().count() > 1 {
        Path::new(program).is_file()
    } else {
        std::env::var_os("PATH")
            .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
    };
    if !found {
        let how = match name.as_str() {
            "sqlite3" => "apt-get install sqlite3",
            "python3" => "apt-get install python3 python3-venv",
            "setpriv" | "script" => "apt-get install util-linux bsdutils",
            "tmux" => "apt-get install tmux",
            "chromium" => "apt-get install chromium",
            "dot" => "apt-get install graphviz",
            _ => "the venvs that .ci/run makes",
        };
        panic!(
            "this test needs `{}`, which is not installed: run `bash .ci/run`, which installs every client the \
             tests use ({how})",
            program.to_string_lossy()
        );
    }
    std::process::Command::new(program)
}

/// Replays a dump through the real sqlite3 shell into a new file, as the README says to.
pub fn replay_dump(env: &Env, dump: &str, into: &str) {
    let out = client("sqlite3")
        .arg(env.path(into))
        .stdin(std::fs::File::open(env.path(dump)).unwrap())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
