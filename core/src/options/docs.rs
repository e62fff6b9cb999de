//! Renders the option schema as each face documents it: the option tables
//! of the README and the guides, the keyword block of Python's `.pyi` and
//! the option interfaces of Node's `index.d.ts`.
//!
//! Generated text sits between marker lines in those files
//! (`<!-- generated:client:python -->` ... `<!-- /generated -->`,
//! and the same words in a `#` or `//` comment in code); [`fill_markers`]
//! rewrites it, and `core/tests/option_docs.rs` fails when a file is out of
//! date (`OUTBOX_BLESS=1 cargo test -p outbox-engine --test option_docs`
//! rewrites them).

use std::time::Duration;

use super::schema::{Default, Kind, Naming, OptionSpec, Table, CLIENT_OPTIONS, ENDPOINT_OPTIONS, WEBHOOK_OPTIONS};
use super::webhook::{Endpoint, WebhookOptions};
use super::Options;

const OPEN: &str = "generated:";
const CLOSE: &str = "/generated";

/// Whose documentation is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    /// Rust and the README: snake_case, durations as `500 ms`.
    Rust,
    /// Python: snake_case keywords, durations in seconds.
    Python,
    /// Node: camelCase, durations in milliseconds (`...Ms`).
    Node,
    /// C: the setter of each option.
    C,
}

impl Face {
    /// The marker name of this face (`generated:client:python`).
    pub fn marker(self) -> &'static str {
        match self {
            Face::Rust => "rust",
            Face::Python => "python",
            Face::Node => "node",
            Face::C => "c",
        }
    }

    fn naming(self) -> Naming {
        match self {
            Face::Node => Naming::Camel,
            _ => Naming::Snake,
        }
    }
}

/// The objects that take options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Object {
    /// A client (`Options`).
    Client,
    /// A webhook sender (`WebhookOptions`).
    Webhook,
    /// One webhook endpoint (`Endpoint`).
    Endpoint,
}

impl Object {
    /// The marker name of this object (`generated:client:python`).
    pub fn marker(self) -> &'static str {
        match self {
            Object::Client => "client",
            Object::Webhook => "webhook",
            Object::Endpoint => "endpoint",
        }
    }

    fn parse(name: &str) -> Option<Object> {
        [Object::Client, Object::Webhook, Object::Endpoint].into_iter().find(|o| o.marker() == name)
    }
}

/// One option as the docs need it: its name per face, kind, default and doc.
struct Row {
    name: &'static str,
    kind: Kind,
    default: Default,
    unset: Option<&'static str>,
    doc: &'static str,
}

fn rows_of<T>(table: &Table<T>, defaults: &T) -> Vec<Row> {
    table
        .iter()
        .map(|spec: &OptionSpec<T>| Row {
            name: spec.name,
            kind: spec.kind(),
            default: spec.default_of(defaults),
            unset: spec.unset,
            doc: spec.doc,
        })
        .collect()
}

fn rows(object: Object) -> Vec<Row> {
    match object {
        Object::Client => rows_of(&CLIENT_OPTIONS, &Options::default()),
        Object::Webhook => rows_of(&WEBHOOK_OPTIONS, &WebhookOptions::default()),
        Object::Endpoint => rows_of(&ENDPOINT_OPTIONS, &Endpoint::new("")),
    }
}

/// A face's name for one option (the rule of `Naming::option`, from a row).
fn name_in(face: Face, row: &Row) -> String {
    let name = face.naming().field(row.name).into_owned();
    if face == Face::Node && row.kind.is_duration() {
        return format!("{name}Ms");
    }
    name
}

/// The C function that sets an option, by rule.
pub fn c_setter(object: Object, name: &str, kind: Kind) -> String {
    let prefix = match object {
        Object::Client => "outbox_config",
        Object::Webhook => "outbox_webhook_config",
        Object::Endpoint => "outbox_webhook_config_set_endpoint",
    };
    match (object, kind) {
        (Object::Endpoint, Kind::Headers) => "outbox_webhook_config_add_endpoint_header".into(),
        (Object::Endpoint, k) if k.is_duration() => format!("{prefix}_{name}_ms"),
        // The URL, secrets and scheme are the arguments of adding one.
        (Object::Endpoint, _) | (_, Kind::Endpoints) => "outbox_webhook_config_add_endpoint".into(),
        (_, Kind::Headers) => format!("{prefix}_add_header"),
        (_, k) if k.is_duration() => format!("{prefix}_set_{name}_ms"),
        _ => format!("{prefix}_set_{name}"),
    }
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn bytes_or_count(n: u64) -> String {
    if n >= 1 << 20 && n % (1 << 20) == 0 {
        return format!("{} MiB", n >> 20);
    }
    thousands(n)
}

fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0}")
    } else {
        format!("{s}")
    }
}

/// The default as a face shows it in a table.
fn default_text(face: Face, row: &Row) -> String {
    match &row.default {
        Default::Unset => render_doc(face.naming(), &as_code(row.unset.unwrap_or("none"))),
        Default::Text(t) => match face {
            Face::Node => format!("`'{t}'`"),
            _ => format!("`\"{t}\"`"),
        },
        Default::Count(n) => bytes_or_count(*n),
        Default::Flag(b) => match face {
            Face::Python => format!("`{}`", if *b { "True" } else { "False" }),
            _ => format!("`{b}`"),
        },
        Default::Duration(d) => match face {
            Face::Python => format!("{} s", seconds(*d)),
            Face::Node => thousands(d.as_millis() as u64),
            Face::Rust | Face::C if d.as_millis() % 1000 == 0 => format!("{} s", d.as_secs()),
            Face::Rust | Face::C => format!("{} ms", d.as_millis()),
        },
    }
}

/// The option table of `object` for `face`, in Markdown.
pub fn markdown_table(object: Object, face: Face) -> String {
    markdown_rows(&rows(object), object, face)
}

/// `markdown_table` for any table (`defaults` gives the defaults shown).
pub fn markdown_table_of<T>(table: &Table<T>, defaults: &T, object: Object, face: Face) -> String {
    markdown_rows(&rows_of(table, defaults), object, face)
}

fn markdown_rows(rows: &[Row], object: Object, face: Face) -> String {
    let mut out = match face {
        Face::C => String::from("| option | setter | default | what it does |\n| --- | --- | --- | --- |\n"),
        _ => String::from("| option | default | what it does |\n| --- | --- | --- |\n"),
    };
    for row in rows {
        let doc = render_doc(face.naming(), &as_code(row.doc));
        let default = default_text(face, row);
        match face {
            Face::C => {
                let setter = c_setter(object, row.name, row.kind);
                out.push_str(&format!("| `{}` | `{setter}` | {default} | {doc} |\n", row.name));
            }
            _ => out.push_str(&format!("| `{}` | {default} | {doc} |\n", name_in(face, row))),
        }
    }
    out
}

fn python_type(row: &Row) -> String {
    match row.kind {
        Kind::Text => "Optional[str]".into(),
        Kind::Choice(names) => {
            format!("Literal[{}]", names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", "))
        }
        Kind::Count => "int".into(),
        Kind::Retries => "Optional[int]".into(),
        Kind::Duration { .. } | Kind::DurationOrForever => "_Seconds".into(),
        Kind::Flag => "bool".into(),
        Kind::Texts => "Union[str, Sequence[str], None]".into(),
        Kind::Headers => "Optional[_Headers]".into(),
        Kind::Path => "Union[str, os.PathLike[str], None]".into(),
        Kind::Callback => "Optional[Callable[[DeliveryError], object]]".into(),
        Kind::Endpoints => "_Endpoints".into(),
    }
}

fn python_default(row: &Row) -> String {
    match &row.default {
        Default::Unset => "None".into(),
        Default::Text(t) => format!("\"{t}\""),
        Default::Count(n) if *n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} << 20", n >> 20),
        Default::Count(n) => thousands(*n).replace(',', "_"),
        Default::Flag(b) => if *b { "True" } else { "False" }.into(),
        Default::Duration(d) => {
            let s = d.as_secs_f64();
            if s.fract() == 0.0 {
                format!("{s:.1}")
            } else {
                format!("{s}")
            }
        }
    }
}

/// The keyword parameters of a Python constructor (`.pyi`), one per line,
/// leaving out those the constructor takes positionally.
pub fn pyi_keywords(object: Object, positional: &[&str]) -> String {
    pyi_rows(&rows(object), positional)
}

/// `pyi_keywords` for any table.
pub fn pyi_keywords_of<T>(table: &Table<T>, defaults: &T, positional: &[&str]) -> String {
    pyi_rows(&rows_of(table, defaults), positional)
}

fn pyi_rows(rows: &[Row], positional: &[&str]) -> String {
    let mut out = String::new();
    for row in rows.iter().filter(|r| !positional.contains(&r.name)) {
        out.push_str(&format!("        {}: {} = {},\n", row.name, python_type(row), python_default(row)));
    }
    out
}

fn ts_type(row: &Row) -> String {
    match row.kind {
        Kind::Text | Kind::Path => "string".into(),
        Kind::Choice(names) => names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(" | "),
        Kind::Count | Kind::Duration { .. } | Kind::DurationOrForever => "number".into(),
        Kind::Retries => "number | null".into(),
        Kind::Flag => "boolean".into(),
        Kind::Texts => "string | readonly string[]".into(),
        Kind::Headers => "Readonly<Record<string, string>>".into(),
        Kind::Callback => "(error: DeliveryError) => void".into(),
        Kind::Endpoints => "readonly WebhookEndpoint[]".into(),
    }
}

/// The fields of a TypeScript options interface (`index.d.ts`).
pub fn dts_fields(object: Object) -> String {
    dts_rows(&rows(object))
}

/// `dts_fields` for any table.
pub fn dts_fields_of<T>(table: &Table<T>, defaults: &T) -> String {
    dts_rows(&rows_of(table, defaults))
}

fn dts_rows(rows: &[Row]) -> String {
    let mut out = String::new();
    for row in rows {
        let required = row.unset == Some("required");
        let doc = render_doc(Naming::Camel, &as_code(row.doc));
        let default = match (&row.default, row.unset) {
            (Default::Unset, Some(unset)) => format!("Default: {}.", render_doc(Naming::Camel, &as_code(unset))),
            (Default::Unset, None) => String::new(),
            _ => format!("Default {}.", default_text(Face::Node, row).replace('`', "")),
        };
        let unit = if row.kind.is_duration() { " In milliseconds." } else { "" };
        let forever = if row.kind == Kind::DurationOrForever { " `Infinity`: no limit." } else { "" };
        out.push_str(&format!("  /** {}.{unit}{forever} {default} */\n", capitalised(&doc)));
        out.push_str(&format!(
            "  {}{}: {};\n",
            name_in(Face::Node, row),
            if required { "" } else { "?" },
            ts_type(row)
        ));
    }
    out
}

/// A doc line with each `{option}` (of any table) or `{field}` written as
/// the face names it; other braces stay.
fn render_doc(naming: Naming, doc: &str) -> String {
    let mut out = String::with_capacity(doc.len());
    let mut rest = doc;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else { break };
        out.push_str(&rest[..open]);
        let token = &rest[open + 1..close];
        let spec_name = CLIENT_OPTIONS
            .get(token)
            .map(|s| s.name_in(naming))
            .or_else(|| WEBHOOK_OPTIONS.get(token).map(|s| s.name_in(naming)))
            .or_else(|| ENDPOINT_OPTIONS.get(token).map(|s| s.name_in(naming)));
        match spec_name {
            Some(name) => out.push_str(&name),
            None => out.push_str(&rest[open..=close]),
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Option names in a doc line as code: `{on_full}` becomes `` `{on_full}` ``
/// before the face's naming renders it.
fn as_code(doc: &str) -> String {
    let mut out = String::with_capacity(doc.len() + 8);
    let mut rest = doc;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else { break };
        out.push_str(&rest[..open]);
        out.push('`');
        out.push_str(&rest[open..=close]);
        out.push('`');
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Error codes as a TypeScript union's members, one per line.
fn dts_codes(verification: bool) -> String {
    let wanted = |c: &crate::ErrorCode| {
        if verification {
            c.is_verification()
        } else {
            !c.is_verification() || c.as_str().ends_with("secret")
        }
    };
    crate::ErrorCode::ALL.iter().filter(|c| wanted(c)).map(|c| format!("  | '{c}'\n")).collect()
}

/// The error codes as JavaScript string literals, one per line.
fn js_codes() -> String {
    crate::ErrorCode::ALL.iter().map(|c| format!("  '{c}',\n")).collect()
}

/// What goes between the markers named `object:face` (or `object:pyi` /
/// `object:dts` in typings, `codes:dts` / `codes:js` for the error codes),
/// or `None` for an unknown marker.
pub fn generated(marker: &str) -> Option<String> {
    match marker {
        "codes:dts" => return Some(dts_codes(false)),
        "verifycodes:dts" => return Some(dts_codes(true)),
        "codes:js" => return Some(js_codes()),
        _ => {}
    }
    let (object, face) = marker.split_once(':')?;
    let object = Object::parse(object)?;
    Some(match face {
        "pyi" => pyi_keywords(
            object,
            match object {
                Object::Client => &["endpoint", "api_key"],
                Object::Webhook => &["endpoints"],
                Object::Endpoint => &["url"],
            },
        ),
        "dts" => dts_fields(object),
        "rust" => markdown_table(object, Face::Rust),
        "python" => markdown_table(object, Face::Python),
        "node" => markdown_table(object, Face::Node),
        "c" => markdown_table(object, Face::C),
        _ => return None,
    })
}

/// Rewrites every generated block of `text`. A block starts with a line
/// containing `generated:<object>:<face>` (in any comment syntax)
/// and ends at the next line containing `/generated`. Unknown
/// markers are an error.
pub fn fill_markers(text: &str) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut lines = text.split_inclusive('\n');
    while let Some(line) = lines.next() {
        out.push_str(line);
        let Some(at) = line.find(OPEN) else { continue };
        let marker: String = line[at + OPEN.len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == ':' || *c == '_')
            .collect();
        if !marker.contains(':') {
            continue; // prose that happens to say "generated:"
        }
        let body = generated(&marker).ok_or_else(|| format!("unknown marker {OPEN}{marker}"))?;
        let end = loop {
            match lines.next() {
                Some(l) if l.contains(CLOSE) => break l,
                Some(_) => {}
                None => return Err(format!("{OPEN}{marker} has no closing {CLOSE} line")),
            }
        };
        out.push_str(&body);
        out.push_str(end);
    }
    Ok(out)
}
