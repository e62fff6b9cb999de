//! The command line, declared with clap's derive API. Every subcommand's
//! `--help` ends with examples.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use outbox_engine::sign::UserHashAlgorithm;

/// Default port of `outbox listen`: fixed, so `OUTBOX_ENDPOINT` can be set
/// once in a shell profile.
pub const DEFAULT_LISTEN_PORT: u16 = 8799;

const MAIN_EXAMPLES: &str = "\
Examples:
  outbox demo                                  # watch events travel, retry and verify
  outbox listen --secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
  export OUTBOX_ENDPOINT=http://127.0.0.1:8799
  outbox send track user-42 'Order Completed' -p total=99.5
  outbox send batch events.jsonl
  outbox sign --secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw body.json
  outbox token user-42 --secret my-identity-secret

Exit status: 0 success; 1 delivery or verification failed; 2 bad usage or input.
Documentation: docs/cli.md";

#[derive(Debug, Parser)]
#[command(
    name = "outbox",
    version,
    about = "Send, receive, sign and verify Outbox events and webhooks from the shell",
    long_about = "Send, receive, sign and verify Outbox events and webhooks from the shell.\n\n\
        Every delivery goes through the same engine as the libraries (batching, \
        retries with backoff, signatures), so what works here works in your code.",
    after_help = MAIN_EXAMPLES,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// When to colour the output: auto (a terminal, unless NO_COLOR is set), always or never
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a local receiver that prints and verifies every request
    #[command(after_help = LISTEN_EXAMPLES)]
    Listen(ListenArgs),
    /// Send events or a webhook through the engine
    #[command(subcommand, after_help = SEND_EXAMPLES)]
    Send(Box<SendCommand>),
    /// Print the signature headers for a body
    #[command(after_help = SIGN_EXAMPLES)]
    Sign(SignArgs),
    /// Check a request's signature; exit 0 when valid, 1 otherwise
    #[command(after_help = VERIFY_EXAMPLES)]
    Verify(VerifyArgs),
    /// Print the user hash (identity verification token) of a user id
    #[command(after_help = TOKEN_EXAMPLES)]
    Token(TokenArgs),
    /// Watch events travel through the engine to a local receiver
    #[command(after_help = DEMO_EXAMPLES)]
    Demo(DemoArgs),
    /// Print a shell completion script
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions(CompletionsArgs),
}

const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  outbox completions bash > ~/.local/share/bash-completion/completions/outbox
  outbox completions zsh > ~/.zfunc/_outbox        # with fpath+=~/.zfunc before compinit
  outbox completions fish > ~/.config/fish/completions/outbox.fish";

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

// ---------------------------------------------------------------------------
// listen

const LISTEN_EXAMPLES: &str = "\
Examples:
  outbox listen                                # print whatever arrives on :8799
  outbox listen --secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
  outbox listen --scheme hmac-sha256 --secret my-secret --signature-header X-Signature
  outbox listen --port 0 --json | jq .        # a free port; one JSON object per request
  outbox listen --status 503                   # watch a client back off and retry
  outbox listen --exit-after 1 --secret ... &  # CI: wait for one verified request

Any path is accepted: batches (POST /v1/batch) and webhooks alike. Gzip bodies are
decoded; signatures are checked over the decoded body. Without --scheme, each request
is verified with the scheme its headers use (webhook-signature: Standard Webhooks;
X-Hub-Signature-256 or --signature-header: hmac-sha256). Times are UTC.
With --exit-after, the exit status is 1 if any request failed verification.";

#[derive(Debug, Args)]
pub struct ListenArgs {
    /// Port on 127.0.0.1 (0 picks a free one)
    #[arg(long, short = 'p', default_value_t = DEFAULT_LISTEN_PORT, env = "OUTBOX_LISTEN_PORT")]
    pub port: u16,

    /// Secret to verify signatures with; repeat for rotation
    #[arg(
        long = "secret",
        alias = "signing-secret",
        value_name = "SECRET",
        env = "OUTBOX_SIGNING_SECRET",
        hide_env_values = true
    )]
    pub secrets: Vec<String>,

    /// Signing scheme to verify (default: by the headers of each request)
    #[arg(long, value_enum, env = "OUTBOX_SIGNATURE_SCHEME")]
    pub scheme: Option<SchemeArg>,

    /// Signature header of the hmac-sha256 scheme [default: X-Hub-Signature-256]
    #[arg(long = "signature-header", alias = "header", value_name = "NAME", env = "OUTBOX_SIGNATURE_HEADER")]
    pub signature_header: Option<String>,

    /// Largest age (and clock skew) of a Standard Webhooks timestamp, in seconds
    #[arg(long, default_value_t = 300, value_name = "SECS")]
    pub tolerance: u64,

    /// Print one JSON object per line instead of text
    #[arg(long)]
    pub json: bool,

    /// Status to answer every request with (a 2xx stores it; others let clients retry)
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u16).range(200..=599))]
    pub status: u16,

    /// Exit after this many requests (scripts and CI)
    #[arg(long, value_name = "N")]
    pub exit_after: Option<u64>,

    /// Show at most this many events of each batch
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub max_events: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemeArg {
    /// webhook-id, webhook-timestamp, webhook-signature: v1,<base64>
    #[value(name = "standard-webhooks", alias = "standard")]
    StandardWebhooks,
    /// X-Hub-Signature-256: sha256=<hex> (GitHub's style)
    #[value(name = "hmac-sha256", alias = "sha256")]
    HmacSha256,
}

// ---------------------------------------------------------------------------
// send

const SEND_EXAMPLES: &str = "\
Examples:
  export OUTBOX_ENDPOINT=https://collector.example.com OUTBOX_API_KEY=my-write-key
  outbox send track user-42 'Order Completed' -p total=99.5 -p currency=EUR
  outbox send identify user-42 -t plan=pro -t email=ada@example.com
  outbox send group user-42 acme -t seats=12
  outbox send webhook invoice.paid --url https://example.com/hooks -d invoice=in_1
  outbox send batch events.jsonl               # one Segment-shaped event per line

Options come from flags or OUTBOX_* environment variables (see each subcommand's --help).";

#[derive(Debug, Subcommand)]
pub enum SendCommand {
    /// Send a track event: USER_ID did EVENT
    #[command(after_help = TRACK_EXAMPLES)]
    Track {
        /// The user's id ('' with --anonymous-id for an anonymous event)
        user_id: String,
        /// The event name, e.g. 'Order Completed'
        event: String,
        #[command(flatten)]
        properties: PropertiesArgs,
        #[command(flatten)]
        common: EventArgs,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Send an identify event: who USER_ID is (traits)
    #[command(after_help = IDENTIFY_EXAMPLES)]
    Identify {
        /// The user's id ('' with --anonymous-id for an anonymous user)
        user_id: String,
        #[command(flatten)]
        traits: TraitsArgs,
        #[command(flatten)]
        common: EventArgs,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Send a group event: USER_ID belongs to GROUP_ID
    #[command(after_help = GROUP_EXAMPLES)]
    Group {
        /// The user's id
        user_id: String,
        /// The group's (account's, company's) id
        group_id: String,
        #[command(flatten)]
        traits: TraitsArgs,
        #[command(flatten)]
        common: EventArgs,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Send an alias event: PREVIOUS_ID is now USER_ID
    #[command(after_help = ALIAS_EXAMPLES)]
    Alias {
        /// The old id (often an anonymous id)
        previous_id: String,
        /// The new user id
        user_id: String,
        #[command(flatten)]
        common: EventArgs,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Send a page event: USER_ID viewed page NAME
    #[command(after_help = PAGE_EXAMPLES)]
    Page {
        /// The user's id
        user_id: String,
        /// The page's name
        name: Option<String>,
        #[command(flatten)]
        properties: PropertiesArgs,
        #[command(flatten)]
        common: EventArgs,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Send a screen event: USER_ID viewed screen NAME
    #[command(after_help = SCREEN_EXAMPLES)]
    Screen {
        /// The user's id
        user_id: String,
        /// The screen's name
        name: Option<String>,
        #[command(flatten)]
        properties: PropertiesArgs,
        #[command(flatten)]
        common: EventArgs,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Send a signed webhook {"type", "timestamp", "data"} to one or more URLs
    #[command(after_help = WEBHOOK_EXAMPLES)]
    Webhook(WebhookArgs),
    /// Send many events, one JSON object per line, from a file or stdin
    #[command(after_help = BATCH_EXAMPLES)]
    Batch(BatchArgs),
}

const TRACK_EXAMPLES: &str = "\
Examples:
  outbox send track user-42 'Order Completed' -p total=99.5 -p currency=EUR
  outbox send track user-42 'Signed Up' --properties '{\"plan\": \"pro\"}'
  outbox send track '' 'Page Viewed' --anonymous-id anon-7 --endpoint http://127.0.0.1:8799
  outbox send track user-42 Exported --properties @props.json --json

Exit status 0 once the collector answered 2xx; 1 if it refused the event or kept
failing until --timeout (transient failures are retried with backoff).";

const IDENTIFY_EXAMPLES: &str = "\
Examples:
  outbox send identify user-42 -t plan=pro -t email=ada@example.com
  outbox send identify user-42 --traits '{\"name\": \"Ada\", \"logins\": 3}'";

const GROUP_EXAMPLES: &str = "\
Examples:
  outbox send group user-42 acme -t seats=12 -t plan=enterprise";

const ALIAS_EXAMPLES: &str = "\
Examples:
  outbox send alias anon-7 user-42";

const PAGE_EXAMPLES: &str = "\
Examples:
  outbox send page user-42 Pricing -p path=/pricing";

const SCREEN_EXAMPLES: &str = "\
Examples:
  outbox send screen user-42 Settings -p tab=billing";

const WEBHOOK_EXAMPLES: &str = "\
Examples:
  outbox send webhook invoice.paid --url https://example.com/hooks -d invoice=in_1 -d amount=990 \\
      --secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
  outbox send webhook order.shipped --url http://127.0.0.1:8799/hooks --data @order.json
  OUTBOX_WEBHOOK_URL=https://a.example/hooks outbox send webhook ping

The message is signed per attempt (Standard Webhooks by default) and retried on
network errors, 408, 429 and 5xx until --timeout. Exit status 0 once every URL
answered 2xx.";

const BATCH_EXAMPLES: &str = "\
Examples:
  outbox send batch events.jsonl
  cat events.jsonl | outbox send batch
  printf '%s\\n' '{\"type\":\"track\",\"userId\":\"u1\",\"event\":\"Signed Up\"}' | outbox send batch -

Each line is one event in Segment's shape: {\"type\": \"track\", \"userId\": ..., \"event\": ...,
\"properties\": {...}} (also identify, group, alias, page, screen). Blank lines are skipped.
An invalid line is reported with its number and skipped. Events are queued and sent in
batches; the exit status is 1 if any line was invalid, or any event was refused or still
undelivered at --timeout.";

/// Properties of track, page and screen.
#[derive(Debug, Args)]
pub struct PropertiesArgs {
    /// A property as KEY=VALUE (VALUE is JSON when it parses, else a string); repeat
    #[arg(short = 'p', long = "property", value_name = "KEY=VALUE")]
    pub property: Vec<String>,
    /// Properties as a JSON object (or @FILE, @- for stdin)
    #[arg(long, value_name = "JSON")]
    pub properties: Option<String>,
}

/// Traits of identify and group.
#[derive(Debug, Args)]
pub struct TraitsArgs {
    /// A trait as KEY=VALUE (VALUE is JSON when it parses, else a string); repeat
    #[arg(short = 't', long = "trait", value_name = "KEY=VALUE")]
    pub trait_: Vec<String>,
    /// Traits as a JSON object (or @FILE, @- for stdin)
    #[arg(long, value_name = "JSON")]
    pub traits: Option<String>,
}

/// Fields every event may carry.
#[derive(Debug, Args)]
#[command(next_help_heading = "Event fields")]
pub struct EventArgs {
    /// Anonymous id (device or cookie id), with or instead of a user id
    #[arg(long, value_name = "ID")]
    pub anonymous_id: Option<String>,
    /// Message id (default: a new UUID); a collector deduplicates by it
    #[arg(long, value_name = "ID")]
    pub message_id: Option<String>,
    /// When it happened, RFC 3339 (default: now)
    #[arg(long, value_name = "RFC3339")]
    pub timestamp: Option<String>,
    /// Context as a JSON object (or @FILE, @- for stdin)
    #[arg(long, value_name = "JSON")]
    pub context: Option<String>,
    /// Integrations as a JSON object (or @FILE, @- for stdin)
    #[arg(long, value_name = "JSON")]
    pub integrations: Option<String>,
}

/// The client options, as the libraries have them.
#[derive(Debug, Args)]
#[command(next_help_heading = "Client options")]
pub struct ClientArgs {
    /// Base URL of the collector
    #[arg(long, value_name = "URL", env = "OUTBOX_ENDPOINT")]
    pub endpoint: Option<String>,
    /// Path of the batch API under the endpoint
    #[arg(long, value_name = "PATH", default_value = "/v1/batch", env = "OUTBOX_PATH")]
    pub path: String,
    /// API key, sent as Authorization: Bearer (or Basic, see --auth-scheme)
    #[arg(long, value_name = "KEY", env = "OUTBOX_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// How the API key is sent (basic: Segment write keys)
    #[arg(long, value_enum, default_value_t = AuthArg::Bearer, env = "OUTBOX_AUTH_SCHEME")]
    pub auth_scheme: AuthArg,
    #[command(flatten)]
    pub signing: SigningArgs,
    /// Extra request header 'Name: value'; repeat
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// Do not gzip request bodies
    #[arg(long, env = "OUTBOX_NO_GZIP", value_parser = clap::builder::FalseyValueParser::new())]
    pub no_gzip: bool,
    /// Give up after this long in all, retries included (e.g. 30s, 500ms, 2m)
    #[arg(long, value_name = "DURATION", default_value = "30s", env = "OUTBOX_TIMEOUT", value_parser = crate::input::parse_duration)]
    pub timeout: std::time::Duration,
    /// Deadline of one request
    #[arg(long, value_name = "DURATION", default_value = "10s", env = "OUTBOX_REQUEST_TIMEOUT", value_parser = crate::input::parse_duration)]
    pub request_timeout: std::time::Duration,
    /// Give up after this many retries (default: retry until --timeout)
    #[arg(long, value_name = "N", env = "OUTBOX_MAX_RETRIES")]
    pub max_retries: Option<u32>,
    /// Proxy URL (default: HTTPS_PROXY / HTTP_PROXY / NO_PROXY)
    #[arg(long, value_name = "URL", env = "OUTBOX_PROXY")]
    pub proxy: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Signing options of senders.
#[derive(Debug, Args)]
pub struct SigningArgs {
    /// Secret to sign every request with; repeat to sign with several (rotation)
    #[arg(
        long = "signing-secret",
        alias = "secret",
        value_name = "SECRET",
        env = "OUTBOX_SIGNING_SECRET",
        hide_env_values = true
    )]
    pub secrets: Vec<String>,
    /// Signing scheme
    #[arg(long, value_enum, default_value_t = SchemeArg::StandardWebhooks, env = "OUTBOX_SIGNATURE_SCHEME")]
    pub scheme: SchemeArg,
    /// Signature header of the hmac-sha256 scheme [default: X-Hub-Signature-256]
    #[arg(long, value_name = "NAME", env = "OUTBOX_SIGNATURE_HEADER")]
    pub signature_header: Option<String>,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Print the outcome as one JSON object on stdout
    #[arg(long)]
    pub json: bool,
    /// Print nothing on success
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Log every request and retry on stderr
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthArg {
    Bearer,
    Basic,
}

#[derive(Debug, Args)]
pub struct WebhookArgs {
    /// The message type, e.g. invoice.paid
    #[arg(value_name = "TYPE")]
    pub event_type: String,
    /// A data field as KEY=VALUE (VALUE is JSON when it parses, else a string); repeat
    #[arg(short = 'd', long = "field", value_name = "KEY=VALUE")]
    pub field: Vec<String>,
    /// The data as JSON (or @FILE, @- for stdin)
    #[arg(long, value_name = "JSON")]
    pub data: Option<String>,
    /// Endpoint URL; repeat to send to several
    #[arg(long = "url", value_name = "URL", env = "OUTBOX_WEBHOOK_URL", required = true)]
    pub urls: Vec<String>,
    #[command(flatten)]
    pub signing: SigningArgs,
    /// Extra request header 'Name: value'; repeat
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// Give up after this long in all, retries included
    #[arg(long, value_name = "DURATION", default_value = "30s", env = "OUTBOX_TIMEOUT", value_parser = crate::input::parse_duration)]
    pub timeout: std::time::Duration,
    /// Deadline of one attempt
    #[arg(long, value_name = "DURATION", default_value = "5s", env = "OUTBOX_REQUEST_TIMEOUT", value_parser = crate::input::parse_duration)]
    pub request_timeout: std::time::Duration,
    /// Give up after this many retries (default: retry until --timeout)
    #[arg(long, value_name = "N", env = "OUTBOX_MAX_RETRIES")]
    pub max_retries: Option<u32>,
    /// Proxy URL (default: HTTPS_PROXY / HTTP_PROXY / NO_PROXY)
    #[arg(long, value_name = "URL", env = "OUTBOX_PROXY")]
    pub proxy: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct BatchArgs {
    /// File of JSON lines ('-' or nothing: stdin)
    #[arg(value_name = "FILE", default_value = "-")]
    pub file: String,
    /// Progress bar on stderr: auto (when stderr is a terminal), always or never
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub progress: ColorWhen,
    #[command(flatten)]
    pub client: ClientArgs,
}

// ---------------------------------------------------------------------------
// sign, verify, token

const SIGN_EXAMPLES: &str = "\
Examples:
  outbox sign --secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw body.json
  printf '%s' '{\"test\": 2432232314}' | outbox sign --secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw \\
      --id msg_p5jXN8AQM9LWM0D4loKWxJek --timestamp 1614265330
  outbox sign --scheme hmac-sha256 --secret \"It's a Secret to Everybody\" body.json
  outbox sign --secret $SECRET --json body.json

The body is signed byte for byte: `echo` adds a newline, `printf '%s'` does not.";

#[derive(Debug, Args)]
pub struct SignArgs {
    /// The body ('-' or nothing: stdin)
    #[arg(value_name = "FILE", default_value = "-")]
    pub file: String,
    /// Secret to sign with; repeat to sign with several (rotation)
    #[arg(
        long = "secret",
        alias = "signing-secret",
        value_name = "SECRET",
        env = "OUTBOX_SIGNING_SECRET",
        hide_env_values = true,
        required = true
    )]
    pub secrets: Vec<String>,
    /// Signing scheme
    #[arg(long, value_enum, default_value_t = SchemeArg::StandardWebhooks, env = "OUTBOX_SIGNATURE_SCHEME")]
    pub scheme: SchemeArg,
    /// Signature header of the hmac-sha256 scheme [default: X-Hub-Signature-256]
    #[arg(long, value_name = "NAME", env = "OUTBOX_SIGNATURE_HEADER")]
    pub signature_header: Option<String>,
    /// Message id (webhook-id) (default: a new msg_ id)
    #[arg(long, value_name = "ID")]
    pub id: Option<String>,
    /// Unix seconds (webhook-timestamp) (default: now)
    #[arg(long, value_name = "SECS")]
    pub timestamp: Option<i64>,
    /// Print the headers as one JSON object
    #[arg(long)]
    pub json: bool,
}

const VERIFY_EXAMPLES: &str = "\
Examples:
  outbox verify --secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw body.json \\
      -H 'webhook-id: msg_p5jXN8AQM9LWM0D4loKWxJek' -H 'webhook-timestamp: 1614265330' \\
      -H 'webhook-signature: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' --now 1614265330
  outbox sign --secret $SECRET body.json > headers.txt
  outbox verify --secret $SECRET --header-file headers.txt body.json
  outbox verify --scheme hmac-sha256 --secret \"$GITHUB_SECRET\" -H \"X-Hub-Signature-256: $SIG\" < body.json

Exit status 0 when a signature matches; 1 otherwise, with the reason as a stable code
and a sentence (e.g. no_matching_signature, timestamp_too_old, missing_header).";

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The body ('-' or nothing: stdin)
    #[arg(value_name = "FILE", default_value = "-")]
    pub file: String,
    /// Secret to verify with; repeat for rotation (any may match)
    #[arg(
        long = "secret",
        alias = "signing-secret",
        value_name = "SECRET",
        env = "OUTBOX_SIGNING_SECRET",
        hide_env_values = true,
        required = true
    )]
    pub secrets: Vec<String>,
    /// A request header 'Name: value'; repeat
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// Read more headers from a file of 'Name: value' lines (such as `outbox sign` prints)
    #[arg(long, value_name = "FILE")]
    pub header_file: Vec<PathBuf>,
    /// Signing scheme (default: by the headers given)
    #[arg(long, value_enum, env = "OUTBOX_SIGNATURE_SCHEME")]
    pub scheme: Option<SchemeArg>,
    /// Signature header of the hmac-sha256 scheme [default: X-Hub-Signature-256]
    #[arg(long, value_name = "NAME", env = "OUTBOX_SIGNATURE_HEADER")]
    pub signature_header: Option<String>,
    /// Largest age (and clock skew) of a Standard Webhooks timestamp, in seconds
    #[arg(long, default_value_t = 300, value_name = "SECS")]
    pub tolerance: u64,
    /// Check the timestamp against this time (unix seconds) instead of the clock
    #[arg(long, value_name = "SECS")]
    pub now: Option<i64>,
    /// Print the outcome as one JSON object on stdout
    #[arg(long)]
    pub json: bool,
}

const TOKEN_EXAMPLES: &str = "\
Examples:
  outbox token user-42 --secret my-identity-secret
  OUTBOX_IDENTITY_SECRET=my-identity-secret outbox token user-42
  outbox token user-42 --secret my-identity-secret --check 3f1c...   # exit 0 if it matches
  outbox token user-42 --secret my-identity-secret --algorithm sha256 # Notifizz's user token

The token is the lowercase hex HMAC-SHA256 of the user id, keyed with the secret: hand it
to your front end for identity verification (chat and notification widgets). With
--algorithm sha256 it is the plain hex SHA-256 of the user id followed by the secret.";

#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The user id
    pub user_id: String,
    /// The identity verification secret
    #[arg(long, value_name = "SECRET", env = "OUTBOX_IDENTITY_SECRET", hide_env_values = true, required = true)]
    pub secret: String,
    /// Instead of printing the token, check this one (exit 0 if it matches, 1 if not)
    #[arg(long, value_name = "HASH")]
    pub check: Option<String>,
    /// hmac-sha256 (default): HMAC of the user id keyed with the secret; sha256: SHA-256 of the user id + secret
    #[arg(long, value_name = "NAME", default_value = "hmac-sha256", value_parser = UserHashAlgorithm::parse)]
    pub algorithm: UserHashAlgorithm,
}

const DEMO_EXAMPLES: &str = "\
Examples:
  outbox demo
  outbox demo --color never | less

Starts a receiver on a free loopback port, sends a short story of events through the
engine (a batch, a retried 503, a permanent 400, deliver(), signed webhooks with a 410,
a forged signature) and shows each request arrive and its signature verified.";

#[derive(Debug, Args)]
pub struct DemoArgs {}
