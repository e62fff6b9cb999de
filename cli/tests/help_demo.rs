//! `--help`, `--version` and `outbox demo`.

mod common;

use common::{assert_exit, run, stdout};

#[test]
fn every_subcommand_has_help_with_an_example() {
    let commands: &[&[&str]] = &[
        &[],
        &["listen"],
        &["send"],
        &["send", "track"],
        &["send", "identify"],
        &["send", "group"],
        &["send", "alias"],
        &["send", "page"],
        &["send", "screen"],
        &["send", "webhook"],
        &["send", "batch"],
        &["sign"],
        &["verify"],
        &["token"],
        &["demo"],
        &["completions"],
    ];
    for c in commands {
        let mut args = c.to_vec();
        args.push("--help");
        let o = run(&args);
        assert_exit(&o, 0);
        let text = stdout(&o);
        assert!(text.contains("Usage: outbox"), "{args:?}: {text}");
        assert!(text.contains("Examples:"), "{args:?} has no examples: {text}");
        let first_example = text.split("Examples:").nth(1).unwrap_or_default();
        assert!(first_example.contains("outbox "), "{args:?}: the examples show no command: {text}");
    }
    // The environment variables are documented where they apply.
    let o = run(&["send", "track", "--help"]);
    for var in ["OUTBOX_ENDPOINT", "OUTBOX_API_KEY", "OUTBOX_SIGNING_SECRET", "OUTBOX_TIMEOUT"] {
        assert!(stdout(&o).contains(var), "send track --help should mention {var}");
    }
}

#[test]
fn version() {
    let o = run(&["--version"]);
    assert_exit(&o, 0);
    assert_eq!(stdout(&o).trim(), format!("outbox {}", env!("CARGO_PKG_VERSION")));
    let o = run(&["send", "--version"]);
    assert_exit(&o, 0);
}

#[test]
fn no_command_is_a_usage_error() {
    let o = run(&[]);
    assert_exit(&o, 2);
}

#[test]
fn demo_tells_the_whole_story_and_exits_0() {
    let o = run(&["demo"]);
    assert_exit(&o, 0);
    let text = stdout(&o);
    for needle in [
        "batch of 3 events",
        "✓ signature verified (standard-webhooks)",
        "POST /v1/batch 503",
        "retry: ids seen before",
        "on_error: 1 event(s) dropped (rejected), HTTP 400",
        "deliver: delivered=true, HTTP 200",
        "POST /hooks/old 410",
        "endpoint_gone",
        "/hooks/new received 2 of 2 messages",
        "✗ signature FAILED no_matching_signature",
        "client: enqueued 5 = delivered 4 + dropped 1 + pending 0",
        "Demo finished",
    ] {
        assert!(text.contains(needle), "the demo should show {needle:?}:\n{text}");
    }
    assert!(!text.contains("\x1b["), "no colour when stdout is not a terminal");

    let o = run(&["demo", "--color", "always"]);
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("\x1b[32m"), "--color always colours");
}

#[test]
fn completions_cover_every_subcommand_and_bash_parses_them() {
    let o = run(&["completions", "bash"]);
    assert_exit(&o, 0);
    let script = stdout(&o);
    for sub in ["listen", "send", "sign", "verify", "token", "demo", "webhook", "--algorithm"] {
        assert!(script.contains(sub), "the bash completions lack {sub}");
    }
    let path = std::env::temp_dir().join(format!("outbox-completions-{}.bash", std::process::id()));
    std::fs::write(&path, &script).unwrap();
    let syntax = std::process::Command::new("bash").arg("-n").arg(&path).status().expect("bash runs");
    let _ = std::fs::remove_file(&path);
    assert!(syntax.success(), "bash -n refused the completion script");
    for shell in ["zsh", "fish"] {
        let o = run(&["completions", shell]);
        assert_exit(&o, 0);
        assert!(stdout(&o).contains("outbox"), "{shell}");
    }
    assert_exit(&run(&["completions", "tcsh"]), 2);
}
