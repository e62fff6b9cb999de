//! The schema's derivations: names per face, checks, messages, hints, docs.

use std::collections::HashMap;
use std::time::Duration;

use super::*;
use crate::options::docs::{self, Face, Object};
use crate::options::{AuthScheme, OnFull, Options};
use crate::spool::SpoolSync;

/// A host that has a value for some names (its own names, as a face would).
struct Given(HashMap<String, Value>);

impl<T> Source<T> for Given {
    type Error = Error;
    fn read(&mut self, _spec: &OptionSpec<T>, name: &str) -> Result<Option<Value>, Error> {
        Ok(self.0.remove(name))
    }
}

fn given(pairs: &[(&str, Value)]) -> Given {
    Given(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
}

fn apply_client(naming: Naming, what: &str, pairs: &[(&str, Value)]) -> Result<Options, String> {
    let mut options = Options::default();
    CLIENT_OPTIONS.apply(&mut options, naming, what, &mut given(pairs)).map_err(|e| e.message(naming))?;
    Ok(options)
}

#[test]
fn each_face_names_options_by_rule() {
    let spec = CLIENT_OPTIONS.get("flush_interval").unwrap();
    assert_eq!(spec.name_in(Naming::Snake), "flush_interval");
    assert_eq!(spec.name_in(Naming::Camel), "flushIntervalMs");
    assert_eq!(docs::c_setter(Object::Client, spec.name, spec.kind()), "outbox_config_set_flush_interval_ms");
    let spool = CLIENT_OPTIONS.get("spool_dir").unwrap();
    assert_eq!(spool.name_in(Naming::Camel), "spoolDir");
    assert_eq!(docs::c_setter(Object::Client, spool.name, spool.kind()), "outbox_config_set_spool_dir");
    let block = WEBHOOK_OPTIONS.get("block_timeout").unwrap();
    assert_eq!(block.name_in(Naming::Camel), "blockTimeoutMs");
    assert_eq!(docs::c_setter(Object::Webhook, block.name, block.kind()), "outbox_webhook_config_set_block_timeout_ms");
    assert_eq!(Naming::Camel.field("anonymous_id"), "anonymousId");
}

#[test]
fn names_are_unique_in_every_face() {
    for naming in [Naming::Snake, Naming::Camel] {
        let mut names = CLIENT_OPTIONS.names(naming);
        let count = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), count, "{naming:?}");
    }
}

#[test]
fn client_and_webhook_share_the_delivery_options() {
    for name in [
        "max_queue_size",
        "on_full",
        "block_timeout",
        "max_retries",
        "retry_max_backoff",
        "proxy",
        "on_error",
        "shutdown_timeout",
        "test_mode",
    ] {
        assert!(CLIENT_OPTIONS.get(name).is_some() && WEBHOOK_OPTIONS.get(name).is_some(), "{name}");
    }
    // Same declaration, different defaults: read off each type's own.
    let client = CLIENT_OPTIONS.get("max_queue_size").unwrap().default_of(&Options::default());
    let webhook = WEBHOOK_OPTIONS.get("max_queue_size").unwrap().default_of(&WebhookOptions::default());
    assert_eq!((client, webhook), (Default::Count(200_000), Default::Count(10_000)));
}

#[test]
fn values_are_applied_in_schema_order_and_checked() {
    let o = apply_client(
        Naming::Camel,
        "options.",
        &[
            ("flushAt", Value::Count(10)),
            ("flushIntervalMs", Value::Seconds(0.25)),
            ("onFull", Value::Text("block".into())),
            ("blockTimeoutMs", Value::Seconds(f64::INFINITY)),
            ("maxRetries", Value::Retries(None)),
            ("spoolDir", Value::Path("/tmp/spool".into())),
            ("spoolSync", Value::Text("event".into())),
            ("authScheme", Value::Text("BASIC".into())),
        ],
    )
    .unwrap();
    assert_eq!(o.flush_at, 10);
    assert_eq!(o.flush_interval, Duration::from_millis(250));
    assert_eq!(o.delivery.on_full, OnFull::Block(Duration::MAX));
    assert_eq!(o.spool_dir.as_deref(), Some(std::path::Path::new("/tmp/spool")));
    assert_eq!(o.spool_sync, SpoolSync::Event);
    assert_eq!(o.auth_scheme, AuthScheme::Basic);
}

#[test]
fn messages_name_the_option_as_the_face_does() {
    let cases: Vec<(Naming, &str, (&str, Value), &str)> = vec![
        (
            Naming::Camel,
            "options.",
            ("flushAt", Value::Count(0)),
            "invalid option: options.flushAt must be at least 1, got 0",
        ),
        (
            Naming::Snake,
            "Client(): ",
            ("flush_at", Value::Count(-3)),
            "invalid option: Client(): flush_at must be at least 1, got -3",
        ),
        (
            Naming::Camel,
            "options.",
            ("requestTimeoutMs", Value::Seconds(0.0)),
            "options.requestTimeoutMs must be greater than zero",
        ),
        (Naming::Camel, "options.", ("requestTimeoutMs", Value::Seconds(86_400.001)), "must be at most one day"),
        (
            Naming::Camel,
            "options.",
            ("shutdownTimeoutMs", Value::Seconds(f64::INFINITY)),
            "shutdownTimeoutMs must be at most one day",
        ),
        (Naming::Camel, "options.", ("maxRetries", Value::Retries(Some(-1))), "maxRetries must be 0 or more"),
        (
            Naming::Camel,
            "options.",
            ("blockTimeoutMs", Value::Seconds(1.0)),
            "options.blockTimeoutMs only applies with onFull \"block\"",
        ),
        (
            Naming::Snake,
            "",
            ("block_timeout", Value::Seconds(1.0)),
            "block_timeout only applies with on_full \"block\"",
        ),
        (
            Naming::Camel,
            "options.",
            ("signatureHeader", Value::Text("X-Sig".into())),
            "signatureHeader only applies with signatureScheme \"hmac-sha256\"",
        ),
        (
            Naming::Camel,
            "options.",
            ("onFull", Value::Text("explode".into())),
            "options.onFull must be \"drop_oldest\", \"drop_newest\" or \"block\", not \"explode\"",
        ),
        (
            Naming::Camel,
            "options.",
            ("spoolSync", Value::Text("often".into())),
            "options.spoolSync must be \"batch\" or \"event\"",
        ),
        (
            Naming::Camel,
            "options.",
            ("headers", Value::Headers(vec![("a b".into(), "v".into())])),
            "options.headers header name \"a b\"",
        ),
        (
            Naming::Camel,
            "options.",
            ("apiKey", Value::Text(String::new())),
            "options.apiKey must be non-empty printable text",
        ),
    ];
    for (naming, what, pair, needle) in cases {
        let err = apply_client(naming, what, &[pair]).map(|_| ()).unwrap_err();
        assert!(err.contains(needle), "{err:?} should contain {needle:?}");
    }
}

#[test]
fn validation_messages_follow_the_face() {
    let o = Options { max_event_bytes: 100, max_batch_bytes: 50, ..Options::new("http://x") };
    let err = o.validate().unwrap_err();
    assert!(
        err.to_string().contains("max_batch_bytes (50) must leave room for one event of max_event_bytes (100)"),
        "{err}"
    );
    assert!(
        err.message(Naming::Camel).contains("maxBatchBytes (50) must leave room for one event of maxEventBytes (100)"),
        "{err}"
    );
    let too_large = Error::EventTooLarge { size: 10, limit: 5 };
    assert!(too_large.message(Naming::Camel).ends_with("(maxEventBytes)"));
}

#[test]
fn hints_for_unknown_names() {
    let camel = CLIENT_OPTIONS.names(Naming::Camel);
    let snake = CLIENT_OPTIONS.names(Naming::Snake);
    assert_eq!(suggest("flushat", camel.iter().map(|n| n.as_ref())), Some("flushAt"));
    assert_eq!(suggest("flush_att", snake.iter().map(|n| n.as_ref())), Some("flush_at"));
    assert!(suggest("spool", camel.iter().map(|n| n.as_ref())).is_some_and(|s| s.starts_with("spool")));
    assert_eq!(suggest("completely_else", snake.iter().map(|n| n.as_ref())), None);
    let known: Vec<&str> = camel.iter().map(|n| n.as_ref()).collect();
    let message = unknown_name("option", "flushInterval", &known, "options");
    assert_eq!(message, "unknown option \"flushInterval\" in options (did you mean \"flushIntervalMs\"?)");
}

#[test]
fn documented_defaults_are_the_real_ones() {
    let defaults = Options::default();
    let shown = |name: &str| CLIENT_OPTIONS.get(name).unwrap().default_of(&defaults);
    assert_eq!(shown("flush_interval"), Default::Duration(defaults.flush_interval));
    assert_eq!(shown("retry_max_backoff"), Default::Duration(defaults.delivery.retry_max_backoff));
    assert_eq!(shown("block_timeout"), Default::Duration(DEFAULT_BLOCK_TIMEOUT));
    assert_eq!(shown("signature_header"), Default::Text("X-Hub-Signature-256".into()));
    assert_eq!(shown("max_retries"), Default::Unset);
}

/// Adding an option is one entry: a throwaway one reaches every face's
/// names, a host's reader (through `apply`), the C setter's name and every
/// generated doc, with no other code.
#[test]
fn a_new_option_reaches_every_face_and_the_docs() {
    static EXTRA: [OptionSpec<Options>; 1] = [OptionSpec {
        name: "probe_window",
        doc: "a throwaway option of this test",
        unset: None,
        access: Access::Duration { zero_ok: false, set: |o, d| o.flush_interval = d, get: |o| o.flush_interval },
    }];
    static PARTS: [&[OptionSpec<Options>]; 2] = [&EXTRA, &super::declared::CLIENT_OWN];
    let table = Table { parts: &PARTS };
    let spec = table.get("probe_window").unwrap();
    assert_eq!(spec.name_in(Naming::Camel), "probeWindowMs");
    assert_eq!(docs::c_setter(Object::Client, spec.name, spec.kind()), "outbox_config_set_probe_window_ms");

    for (naming, name) in [(Naming::Snake, "probe_window"), (Naming::Camel, "probeWindowMs")] {
        let mut o = Options::default();
        table.apply(&mut o, naming, "", &mut given(&[(name, Value::Seconds(2.0))])).unwrap();
        assert_eq!(o.flush_interval, Duration::from_secs(2));
        let err = table.apply(&mut o, naming, "", &mut given(&[(name, Value::Seconds(-1.0))])).unwrap_err();
        assert!(err.message(naming).contains(&format!("{name} must be 0 or more")), "{err}");
    }

    let defaults = Options::default();
    for face in [Face::Rust, Face::Python, Face::Node, Face::C] {
        let md = docs::markdown_table_of(&table, &defaults, Object::Client, face);
        assert!(md.contains("a throwaway option of this test"), "{face:?}: {md}");
    }
    assert!(
        docs::markdown_table_of(&table, &defaults, Object::Client, Face::Node).contains("| `probeWindowMs` | 500 |")
    );
    assert!(
        docs::markdown_table_of(&table, &defaults, Object::Client, Face::Python).contains("| `probe_window` | 0.5 s |")
    );
    assert!(docs::markdown_table_of(&table, &defaults, Object::Client, Face::C)
        .contains("`outbox_config_set_probe_window_ms`"));
    assert!(docs::pyi_keywords_of(&table, &defaults, &[]).contains("        probe_window: _Seconds = 0.5,\n"));
    assert!(docs::dts_fields_of(&table, &defaults).contains("  probeWindowMs?: number;\n"));
}
