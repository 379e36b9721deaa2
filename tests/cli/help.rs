//! Help, completions and the manual page.

use crate::support::Env;

const COMMANDS: &[&str] = &[
    "build",
    "report",
    "sql",
    "shell",
    "search",
    "evidence",
    "schema",
    "info",
    "verify",
    "completions",
    "man",
    "chart",
    "export",
];

#[test]
fn every_command_has_examples_in_its_help() {
    let env = Env::new();
    let (code, out, _) = env.run(&["--help"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("EXAMPLES:") && out.contains("EXIT CODES:"),
        "{out}"
    );
    for c in COMMANDS {
        let (code, out, _) = env.run(&[c, "--help"]);
        assert_eq!(code, 0, "{c}");
        assert!(
            out.contains("EXAMPLES:"),
            "{c} --help has no EXAMPLES section:\n{out}"
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    let env = Env::new();
    assert_eq!(env.run(&["nonsense"]).0, 2);
    assert_eq!(env.run(&["--format", "xml", "info"]).0, 2);
    assert_eq!(env.run(&["report", "timeline", "-p", "novalue"]).0, 2);
    assert_eq!(env.run(&["sql"]).0, 2);
}

#[test]
fn completions_and_man_page_are_generated() {
    let env = Env::new();
    for shell in ["bash", "zsh", "fish"] {
        let (code, out, _) = env.run(&["completions", shell]);
        assert_eq!(code, 0);
        assert!(
            out.contains("dossier") && out.contains("evidence"),
            "{shell}"
        );
    }
    let (code, out, _) = env.run(&["man"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with(".ie") || out.contains(".TH dossier"),
        "{}",
        &out[..200.min(out.len())]
    );
    assert!(env.entries().is_empty(), "help commands create no file");
}
