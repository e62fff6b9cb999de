//! Reading what the user gives: files or stdin, JSON arguments, `KEY=VALUE`
//! pairs, headers and durations.

use std::io::Read;
use std::time::Duration;

use serde_json::{Map, Value};

use crate::error::{CliResult, Fail};

/// Reads a whole file, or stdin for `-`.
pub fn read_input(file: &str) -> CliResult<Vec<u8>> {
    let mut buf = Vec::new();
    if file == "-" {
        std::io::stdin()
            .lock()
            .read_to_end(&mut buf)
            .map_err(|e| Fail::usage(format!("cannot read standard input: {e}")))?;
    } else {
        buf = std::fs::read(file).map_err(|e| Fail::usage(format!("cannot read {file}: {e}")))?;
    }
    Ok(buf)
}

/// A JSON argument: inline text, `@FILE`, or `@-` for stdin.
pub fn json_arg(flag: &str, text: &str) -> CliResult<Value> {
    let (source, body) = match text.strip_prefix('@') {
        Some(file) => {
            let bytes = read_input(file)?;
            let body =
                String::from_utf8(bytes).map_err(|_| Fail::usage(format!("--{flag}: {file} is not UTF-8 text")))?;
            (format!(" (from {file})"), body)
        }
        None => (String::new(), text.to_owned()),
    };
    serde_json::from_str(&body).map_err(|e| Fail::usage(format!("--{flag}{source} is not valid JSON: {e}")))
}

/// A JSON object built from `--NAME JSON` plus `KEY=VALUE` pairs (pairs win).
/// `None` when neither was given.
pub fn object_arg(flag: &str, json: Option<&str>, pair_flag: &str, pairs: &[String]) -> CliResult<Option<Value>> {
    let mut map = match json {
        None => Map::new(),
        Some(text) => match json_arg(flag, text)? {
            Value::Object(map) => map,
            other => {
                return Err(Fail::usage(format!("--{flag} must be a JSON object ({{...}}), not {}", kind_of(&other))))
            }
        },
    };
    for pair in pairs {
        let (key, value) = parse_pair(pair_flag, pair)?;
        map.insert(key, value);
    }
    Ok((json.is_some() || !pairs.is_empty()).then_some(Value::Object(map)))
}

/// `KEY=VALUE`: the value is JSON when it parses as JSON (numbers, true,
/// null, quoted strings, objects), otherwise the text itself.
pub fn parse_pair(flag: &str, pair: &str) -> CliResult<(String, Value)> {
    let Some((key, raw)) = pair.split_once('=') else {
        return Err(Fail::usage(format!("--{flag} {pair:?}: expected KEY=VALUE")));
    };
    if key.is_empty() {
        return Err(Fail::usage(format!("--{flag} {pair:?}: the key is empty")));
    }
    let value = serde_json::from_str::<Value>(raw).unwrap_or_else(|_| Value::String(raw.to_owned()));
    Ok((key.to_owned(), value))
}

/// `Name: value` (a request header as curl takes it).
pub fn parse_header(text: &str) -> CliResult<(String, String)> {
    let Some((name, value)) = text.split_once(':') else {
        return Err(Fail::usage(format!("header {text:?}: expected 'Name: value'")));
    };
    let name = name.trim();
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Fail::usage(format!("header {text:?}: {name:?} is not a valid header name")));
    }
    Ok((name.to_owned(), value.trim().to_owned()))
}

/// How an error message names the JSON type of `v`: "an array", "null", ...
pub fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `30s`, `500ms`, `2m`, `1h`, or plain seconds (`30`, `0.5`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (number, unit) = match t.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => (&t[..i], &t[i..]),
        None => (t, "s"),
    };
    let scale = match unit {
        "ms" => 0.001,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        _ => return Err(format!("unknown unit {unit:?} in {text:?} (use ms, s, m or h, e.g. 30s)")),
    };
    let value: f64 = number.trim().parse().map_err(|_| format!("{text:?} is not a duration (e.g. 30s, 500ms, 2m)"))?;
    let secs = value * scale;
    if !secs.is_finite() || !(0.0..=1e9).contains(&secs) {
        return Err(format!("{text:?} is out of range"));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("0.25"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5 years").is_err());
        assert!(parse_duration("-1s").is_err());
    }

    #[test]
    fn pairs_and_headers() {
        assert_eq!(parse_pair("p", "total=99.5").ok(), Some(("total".into(), serde_json::json!(99.5))));
        assert_eq!(parse_pair("p", "plan=pro").ok(), Some(("plan".into(), serde_json::json!("pro"))));
        assert_eq!(parse_pair("p", "zip=01234").ok(), Some(("zip".into(), serde_json::json!("01234"))));
        assert_eq!(parse_pair("p", "a=b=c").ok(), Some(("a".into(), serde_json::json!("b=c"))));
        assert_eq!(parse_pair("p", "empty=").ok(), Some(("empty".into(), serde_json::json!(""))));
        assert!(parse_pair("p", "novalue").is_err());
        assert!(parse_pair("p", "=x").is_err());
        assert_eq!(parse_header("X-A:  b c ").ok(), Some(("X-A".into(), "b c".into())));
        assert_eq!(
            parse_header("webhook-signature: v1,abc=").ok(),
            Some(("webhook-signature".into(), "v1,abc=".into()))
        );
        assert!(parse_header("nocolon").is_err());
        assert!(parse_header("bad name: x").is_err());
    }

    #[test]
    fn objects() {
        let v = object_arg("properties", Some(r#"{"a":1,"b":2}"#), "property", &["b=3".into()]).ok().flatten();
        assert_eq!(v, Some(serde_json::json!({"a": 1, "b": 3})));
        assert_eq!(object_arg("properties", None, "property", &[]).ok().flatten(), None);
        assert!(object_arg("properties", Some("[1]"), "property", &[]).is_err());
        assert!(object_arg("properties", Some("{nope"), "property", &[]).is_err());
    }
}
