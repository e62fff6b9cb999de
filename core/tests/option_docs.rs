//! The option tables of the README and the guides, the option blocks of the
//! Python and TypeScript typings and Node's list of error codes are
//! generated from the option schema; this test fails when one is out of
//! date. `OUTBOX_BLESS=1 cargo test -p outbox-engine --test option_docs`
//! rewrites them.

use std::path::{Path, PathBuf};

use outbox_engine::options::docs::{c_setter, fill_markers, Object};
use outbox_engine::options::schema::{CLIENT_OPTIONS, ENDPOINT_OPTIONS, WEBHOOK_OPTIONS};

const GENERATED_IN: [&str; 7] = [
    "README.md",
    "docs/python.md",
    "docs/node.md",
    "docs/c-abi.md",
    "bindings/python/python/outbox/_outbox.pyi",
    "bindings/node/index.d.ts",
    "bindings/node/index.js",
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("core/ sits in the repository").to_path_buf()
}

#[test]
fn generated_option_docs_are_up_to_date() {
    let bless = std::env::var_os("OUTBOX_BLESS").is_some();
    let mut stale = Vec::new();
    for file in GENERATED_IN {
        let path = repo().join(file);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(text.contains("generated:"), "{file} has no generated block");
        let fresh = fill_markers(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        if fresh != text {
            if bless {
                std::fs::write(&path, fresh).unwrap();
            } else {
                stale.push(file);
            }
        }
    }
    assert!(
        stale.is_empty(),
        "generated option docs are out of date in {stale:?}: run `OUTBOX_BLESS=1 cargo test -p outbox-engine --test option_docs` and commit"
    );
}

/// Every C setter the docs name (by rule from the schema) exists in the header.
#[test]
fn every_option_has_its_c_setter() {
    let header = std::fs::read_to_string(repo().join("include/outbox.h")).unwrap();
    let mut names = Vec::new();
    names.extend(CLIENT_OPTIONS.iter().map(|s| c_setter(Object::Client, s.name, s.kind())));
    names.extend(WEBHOOK_OPTIONS.iter().map(|s| c_setter(Object::Webhook, s.name, s.kind())));
    names.extend(ENDPOINT_OPTIONS.iter().map(|s| c_setter(Object::Endpoint, s.name, s.kind())));
    let missing: Vec<_> = names.iter().filter(|n| !header.contains(&format!("{n}("))).collect();
    assert!(missing.is_empty(), "outbox.h lacks {missing:?}");
}
