//! The one file that knows the YAML crate (serde-saphyr). Swapping crates touches only this.
//!
//! Errors carry the origin (file name), line, column and the field path, so a message reads
//! `plan.yaml:12:15: services[3].memory.typical: invalid quantity "4GB": did you mean 4G or 4Gi?`.

use std::fmt;

use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

use crate::model::profile::PathSeg;

/// A YAML document that could not be read into the expected type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// File name (or `<embedded ...>`, `<stdin>`).
    pub origin: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// Field path such as `services[3].memory.typical`; empty at the document root.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// A source excerpt pointing at the place, when available.
    pub snippet: Option<String>,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.origin)?;
        if let (Some(l), Some(c)) = (self.line, self.column) {
            write!(f, ":{l}:{c}")?;
        }
        if self.path.is_empty() {
            write!(f, ": {}", self.message)
        } else {
            write!(f, ": {}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for YamlError {}

/// YAML nodes a document may hold: about 450,000 services of a profile (a service is some ten
/// nodes); raised from the crate's 250,000, which stopped profiles at about 22,000 services.
pub const MAX_NODES: usize = 5_000_000;
/// Parser events a document may produce (about two per node).
pub const MAX_EVENTS: usize = 12_000_000;

fn options() -> serde_saphyr::Options {
    // The crate's budgets bound nesting depth, event and node counts (raised for large profiles;
    // the file size is capped before parsing, see `source::files::MAX_FILE_BYTES`); alias replay
    // is capped lower than its default so an alias bomb fails fast. Duplicate keys are errors.
    let mut o = serde_saphyr::Options::default();
    o.alias_limits.max_total_replayed_events = 100_000;
    let mut b = o.budget.clone().unwrap_or_default();
    b.max_nodes = MAX_NODES;
    b.max_events = MAX_EVENTS;
    o.budget = Some(b);
    o
}

/// Parses `text` into `T`, naming `origin` in errors.
pub fn from_str<T: DeserializeOwned>(text: &str, origin: &str) -> Result<T, Box<YamlError>> {
    if text.trim().is_empty() {
        return Err(Box::new(YamlError {
            origin: origin.to_string(),
            line: Some(1),
            column: Some(1),
            path: String::new(),
            message: "the document is empty".to_string(),
            snippet: None,
        }));
    }
    let mut path = String::new();
    let result = serde_saphyr::with_deserializer_from_str_with_options(text, options(), |de| {
        serde_path_to_error::deserialize(de).map_err(|e| {
            path = e.path().to_string();
            e.into_inner()
        })
    });
    result.map_err(|e| Box::new(yaml_error(&e, origin, path)))
}

fn yaml_error(e: &serde_saphyr::Error, origin: &str, path: String) -> YamlError {
    {
        let loc = e.location();
        let bare = e.without_snippet().to_string();
        let message = strip_position(&bare).to_string();
        let full = e.to_string();
        let friendly = friendlier(&message);
        let snippet = full
            .split_once('\n')
            .map(|(_, rest)| rest.replace("<input>", origin).replace(&message, &friendly))
            .filter(|s| !s.trim().is_empty());
        YamlError {
            origin: origin.to_string(),
            line: loc.map(|l| l.line() as usize),
            column: loc.map(|l| l.column() as usize),
            path: clean_path(&path),
            message: friendly,
            snippet,
        }
    }
}

/// serde_path_to_error marks segments it cannot name with `?`; they carry no information.
fn clean_path(path: &str) -> String {
    let p = path.replace(".?", "");
    if p == "." || p == "?" { String::new() } else { p }
}

/// Makes terse integer errors say what is expected, and the YAML crate's own wording (its
/// options, its types) the tool's.
fn friendlier(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("duplicate mapping key") {
        let key = rest.trim_start_matches(':').split(", set DuplicateKeyPolicy").next().unwrap_or("").trim();
        return if key.is_empty() {
            "duplicate key: each key may appear once in a mapping".to_string()
        } else {
            format!("duplicate key `{key}`: each key may appear once in a mapping")
        };
    }
    if let Some(b) = message.strip_prefix("budget breached: ") {
        let what = b.split(['{', ' ']).next().unwrap_or(b);
        return match what {
            "Nodes" => format!(
                "the document has more than {MAX_NODES} YAML nodes (about 450,000 services), the limit against resource exhaustion"
            ),
            "Events" => format!(
                "the document has more than {MAX_EVENTS} YAML events, the limit against resource exhaustion"
            ),
            "Depth" => {
                "the document nests deeper than 64 levels, the limit against resource exhaustion".to_string()
            }
            "Aliases" | "Anchors" | "AliasReplayLimitExceeded" => {
                "too many aliases or anchors (an alias bomb?), the limit against resource exhaustion"
                    .to_string()
            }
            _ => format!("the document exceeds a parser limit against resource exhaustion ({b})"),
        };
    }
    let range = match message {
        "invalid u8" => Some(u64::from(u8::MAX)),
        "invalid u16" => Some(u64::from(u16::MAX)),
        "invalid u32" => Some(u64::from(u32::MAX)),
        "invalid u64" => Some(u64::MAX),
        _ => None,
    };
    match range {
        Some(max) => format!("expected a whole number from 0 to {max}"),
        None => message.to_string(),
    }
}

/// Removes the crate's own " at line N, column M" suffix (we print the position in front).
fn strip_position(msg: &str) -> &str {
    match msg.rfind(" at line ") {
        Some(i) if msg[i..].contains(", column ") => &msg[..i],
        _ => msg,
    }
}

/// Parses every document of a multi-document YAML stream (`---` separated).
pub fn documents<T: DeserializeOwned>(text: &str, origin: &str) -> Result<Vec<T>, String> {
    serde_saphyr::from_multiple_with_options(text, options()).map_err(|e| format!("{origin}: {e}"))
}

/// Serializes a value as YAML.
pub fn to_string<T: Serialize>(value: &T) -> Result<String, String> {
    serde_saphyr::to_string(value).map_err(|e| e.to_string())
}

/// Serializes a value as YAML into a writer, as it goes. An I/O error keeps its kind (a closed
/// pipe stays a closed pipe).
pub fn to_writer<W: std::io::Write, T: Serialize>(w: W, value: &T) -> std::io::Result<()> {
    struct Track<W> {
        w: W,
        kind: Option<std::io::ErrorKind>,
    }
    impl<W: std::io::Write> std::io::Write for Track<W> {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.w.write(b).inspect_err(|e| self.kind = Some(e.kind()))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            self.w.flush().inspect_err(|e| self.kind = Some(e.kind()))
        }
    }
    let mut t = Track { w, kind: None };
    serde_saphyr::to_io_writer(&mut t, value).map_err(|e| match t.kind {
        Some(k) => std::io::Error::from(k),
        None => std::io::Error::other(e.to_string()),
    })
}

/// Finds the line and column of the node at `path` (for errors found after parsing, such as a
/// duplicate name). Falls back to the nearest ancestor that exists.
pub fn locate(text: &str, path: &[PathSeg]) -> Option<(usize, usize)> {
    let root: Spanned<Node> = serde_saphyr::from_str_with_options(text, options()).ok()?;
    let mut node = &root;
    for seg in path {
        let next = match (&node.value, seg) {
            (Node::Map(entries), PathSeg::Key(k)) => entries.iter().find(|(key, _)| key == k).map(|(_, v)| v),
            (Node::Seq(items), PathSeg::Index(i)) => items.get(*i),
            _ => None,
        };
        match next {
            Some(n) => node = n,
            None => break,
        }
    }
    let loc = node.referenced;
    Some((loc.line() as usize, loc.column() as usize))
}

/// A location-only view of a YAML document.
enum Node {
    Map(Vec<(String, Spanned<Node>)>),
    Seq(Vec<Spanned<Node>>),
    Scalar,
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML node")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(k) = map.next_key::<KeyText>()? {
            entries.push((k.0, map.next_value()?));
        }
        Ok(Node::Map(entries))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element()? {
            items.push(v);
        }
        Ok(Node::Seq(items))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Node, E> {
        Ok(Node::Scalar)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Node, E> {
        Ok(Node::Scalar)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Node, E> {
        Ok(Node::Scalar)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Node, E> {
        Ok(Node::Scalar)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Node, E> {
        Ok(Node::Scalar)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Scalar)
    }
    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Scalar)
    }
}

/// A mapping key of any scalar type, as text.
struct KeyText(String);

impl<'de> Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<KeyText, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = KeyText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a scalar key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The classic "billion laughs": 10^9 expansions if nothing stops it.
    const BOMB: &str = "a: &a [x,x,x,x,x,x,x,x,x,x]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h,*h]
";

    #[test]
    fn alias_bombs_hit_the_budget_even_for_a_generic_tree() {
        let started = std::time::Instant::now();
        let r: Result<Spanned<Node>, _> = serde_saphyr::from_str_with_options(BOMB, options());
        let e = r.err().expect("the budget must stop the expansion").to_string();
        assert!(e.to_lowercase().contains("budget") || e.to_lowercase().contains("alias"), "{e}");
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert_eq!(locate(BOMB, &[PathSeg::Key("i".into())]), None);
    }

    #[test]
    fn errors_carry_file_line_column_and_path() {
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct T {
            port: u16,
        }
        let e = from_str::<T>("port: 70000\n", "p.yaml").unwrap_err();
        assert_eq!(e.to_string(), "p.yaml:1:7: port: expected a whole number from 0 to 65535");
        let e = from_str::<T>("  \n", "p.yaml").unwrap_err();
        assert_eq!(e.to_string(), "p.yaml:1:1: the document is empty");
        let e = from_str::<T>("port: 1\nport: 2\n", "p.yaml").unwrap_err();
        assert_eq!(e.to_string(), "p.yaml:2:1: duplicate key `port`: each key may appear once in a mapping");
        assert!(!e.snippet.as_deref().unwrap_or_default().contains("DuplicateKeyPolicy"), "{e:?}");
    }

    #[test]
    fn locate_finds_nested_nodes_and_falls_back_to_ancestors() {
        let text = "name: x\nservices:\n  - name: a\n  - name: b\n    memory: {typical: 1Mi}\n";
        let at = |p: Vec<PathSeg>| locate(text, &p);
        use PathSeg::{Index, Key};
        assert_eq!(at(vec![Key("services".into()), Index(1), Key("name".into())]), Some((4, 11)));
        assert_eq!(
            at(vec![Key("services".into()), Index(1), Key("memory".into()), Key("typical".into())]),
            Some((5, 23))
        );
        // A missing key points at the nearest existing ancestor.
        assert_eq!(at(vec![Key("services".into()), Index(0), Key("memory".into())]), Some((3, 5)));
    }
}
