//! Label and field selectors, parsed like the API server does.
//!
//! Label selectors: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x,y)`,
//! `a` (exists), `!a` (does not exist), `a>1`, `a<1`; commas AND requirements.
//! Field selectors: `f=v`, `f==v`, `f!=v`, comma separated, on the fields each
//! resource supports (checked by the caller through [`FieldSelector::keys`]).

use std::collections::BTreeMap;

/// One label requirement.
#[derive(Debug, Clone, PartialEq)]
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
    Greater(String, i64),
    Less(String, i64),
}

/// A parsed label selector (empty matches everything).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LabelSelector {
    reqs: Vec<Requirement>,
}

impl LabelSelector {
    /// Parses a selector; the error text follows the API server's
    /// `unable to parse requirement: ...` wording.
    pub fn parse(input: &str) -> Result<Self, String> {
        let mut p = Parser { s: input.as_bytes(), pos: 0 };
        let mut reqs = Vec::new();
        p.skip_ws();
        if p.at_end() {
            return Ok(LabelSelector { reqs });
        }
        loop {
            reqs.push(p.requirement()?);
            p.skip_ws();
            if p.at_end() {
                break;
            }
            if !p.eat(b',') {
                return Err(format!(
                    "unable to parse requirement: found '{}', expected: ',' or 'end of string'",
                    p.rest()
                ));
            }
        }
        Ok(LabelSelector { reqs })
    }

    /// Whether the selector has no requirement.
    pub fn is_empty(&self) -> bool {
        self.reqs.is_empty()
    }

    /// Whether the labels satisfy every requirement.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.reqs.iter().all(|r| match r {
            Requirement::Equals(k, v) => labels.get(k) == Some(v),
            Requirement::NotEquals(k, v) => labels.get(k) != Some(v),
            Requirement::In(k, vs) => labels.get(k).is_some_and(|l| vs.contains(l)),
            Requirement::NotIn(k, vs) => labels.get(k).is_none_or(|l| !vs.contains(l)),
            Requirement::Exists(k) => labels.contains_key(k),
            Requirement::NotExists(k) => !labels.contains_key(k),
            Requirement::Greater(k, n) => {
                labels.get(k).and_then(|l| l.parse::<i64>().ok()).is_some_and(|l| l > *n)
            }
            Requirement::Less(k, n) => {
                labels.get(k).and_then(|l| l.parse::<i64>().ok()).is_some_and(|l| l < *n)
            }
        })
    }
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }

    fn rest(&self) -> String {
        String::from_utf8_lossy(&self.s[self.pos.min(self.s.len())..]).into_owned()
    }

    fn skip_ws(&mut self) {
        while self.pos < self.s.len() && self.s[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.s.get(self.pos) == Some(&c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_str(&mut self, w: &str) -> bool {
        if self.s[self.pos..].starts_with(w.as_bytes()) {
            self.pos += w.len();
            true
        } else {
            false
        }
    }

    fn word(&mut self) -> String {
        let start = self.pos;
        while self.pos < self.s.len() {
            let c = self.s[self.pos];
            if c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-' | b'/') {
                self.pos += 1;
            } else {
                break;
            }
        }
        String::from_utf8_lossy(&self.s[start..self.pos]).into_owned()
    }

    fn key(&mut self) -> Result<String, String> {
        self.skip_ws();
        let k = self.word();
        if k.is_empty() {
            return Err(format!(
                "unable to parse requirement: found '{}', expected: identifier",
                self.rest()
            ));
        }
        validate_key(&k)?;
        Ok(k)
    }

    fn value(&mut self) -> Result<String, String> {
        self.skip_ws();
        let v = self.word();
        if v.contains('/') || v.len() > 63 {
            return Err(format!(
                "unable to parse requirement: invalid label value: {v:?}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.'"
            ));
        }
        Ok(v)
    }

    fn set(&mut self) -> Result<Vec<String>, String> {
        self.skip_ws();
        if !self.eat(b'(') {
            return Err(format!("unable to parse requirement: found '{}', expected: '('", self.rest()));
        }
        let mut vals = Vec::new();
        loop {
            vals.push(self.value()?);
            self.skip_ws();
            if self.eat(b')') {
                return Ok(vals);
            }
            if !self.eat(b',') {
                return Err(format!(
                    "unable to parse requirement: found '{}', expected: ',', ')' or identifier",
                    self.rest()
                ));
            }
        }
    }

    fn requirement(&mut self) -> Result<Requirement, String> {
        self.skip_ws();
        if self.eat(b'!') {
            return Ok(Requirement::NotExists(self.key()?));
        }
        let key = self.key()?;
        self.skip_ws();
        if self.at_end() || self.s[self.pos] == b',' {
            return Ok(Requirement::Exists(key));
        }
        if self.eat_str("!=") {
            return Ok(Requirement::NotEquals(key, self.value()?));
        }
        if self.eat_str("==") || self.eat(b'=') {
            return Ok(Requirement::Equals(key, self.value()?));
        }
        if self.eat(b'>') || self.eat(b'<') {
            let greater = self.s[self.pos - 1] == b'>';
            let v = self.value()?;
            let n: i64 = v.parse().map_err(|_| {
                format!("unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer: {v:?}")
            })?;
            return Ok(if greater { Requirement::Greater(key, n) } else { Requirement::Less(key, n) });
        }
        if self.eat_str("notin") {
            return Ok(Requirement::NotIn(key, self.set()?));
        }
        if self.eat_str("in") {
            return Ok(Requirement::In(key, self.set()?));
        }
        Err(format!(
            "unable to parse requirement: found '{}', expected: in, notin, =, ==, !=, gt, lt",
            self.rest()
        ))
    }
}

fn validate_key(k: &str) -> Result<(), String> {
    let name = match k.split_once('/') {
        Some((prefix, name)) => {
            if prefix.is_empty() || prefix.len() > 253 || name.contains('/') {
                return Err(format!("unable to parse requirement: invalid label key {k:?}"));
            }
            name
        }
        None => k,
    };
    let ok_edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if name.is_empty() || name.len() > 63 || !ok_edge(name.chars().next()) || !ok_edge(name.chars().last()) {
        return Err(format!(
            "unable to parse requirement: invalid label key {k:?}: name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
        ));
    }
    Ok(())
}

/// One field requirement: `key = value` or `key != value`.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldRequirement {
    /// Field path, e.g. `status.phase`.
    pub key: String,
    /// Value to compare to.
    pub value: String,
    /// `!=` instead of `=`.
    pub negated: bool,
}

/// A parsed field selector.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FieldSelector {
    reqs: Vec<FieldRequirement>,
}

impl FieldSelector {
    /// Parses `a=b,c!=d` (backslash escapes `\,` `\=` `\\` in values).
    pub fn parse(input: &str) -> Result<Self, String> {
        let mut reqs = Vec::new();
        for term in split_unescaped(input, ',') {
            if term.trim().is_empty() {
                continue;
            }
            let (key, value, negated) = if let Some(i) = find_unescaped(&term, "!=") {
                (&term[..i], &term[i + 2..], true)
            } else if let Some(i) = find_unescaped(&term, "==") {
                (&term[..i], &term[i + 2..], false)
            } else if let Some(i) = find_unescaped(&term, "=") {
                (&term[..i], &term[i + 1..], false)
            } else {
                return Err(format!("invalid selector: '{input}'; can't understand '{term}'"));
            };
            reqs.push(FieldRequirement { key: key.trim().to_string(), value: unescape(value), negated });
        }
        Ok(FieldSelector { reqs })
    }

    /// Whether the selector has no requirement.
    pub fn is_empty(&self) -> bool {
        self.reqs.is_empty()
    }

    /// The field paths used.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.reqs.iter().map(|r| r.key.as_str())
    }

    /// Whether an object matches, given a lookup of its field values.
    pub fn matches<'a>(&self, field: impl Fn(&str) -> Option<&'a str>) -> bool {
        self.reqs.iter().all(|r| {
            let actual = field(&r.key).unwrap_or("");
            (actual == r.value) != r.negated
        })
    }
}

fn split_unescaped(s: &str, sep: char) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            cur.push(c);
            if let Some(n) = chars.next() {
                cur.push(n);
            }
        } else if c == sep {
            parts.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    parts.push(cur);
    parts
}

fn find_unescaped(s: &str, pat: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            i += 2;
            continue;
        }
        if b[i..].starts_with(pat.as_bytes()) {
            return Some(i);
        }
        i += 1;
    }
    None
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn label_selectors() {
        let l = labels(&[("app", "web"), ("tier", "front"), ("n", "5")]);
        let m = |s: &str| LabelSelector::parse(s).map(|sel| sel.matches(&l));
        assert_eq!(m(""), Ok(true));
        assert_eq!(m("app=web"), Ok(true));
        assert_eq!(m("app==web"), Ok(true));
        assert_eq!(m("app!=web"), Ok(false));
        assert_eq!(m("other!=x"), Ok(true));
        assert_eq!(m("app in (web, api)"), Ok(true));
        assert_eq!(m("app notin (web,api)"), Ok(false));
        assert_eq!(m("missing notin (web)"), Ok(true));
        assert_eq!(m("app,tier=front"), Ok(true));
        assert_eq!(m("!app"), Ok(false));
        assert_eq!(m("!missing, app"), Ok(true));
        assert_eq!(m("n>4,n<6"), Ok(true));
        assert_eq!(m("node-role.kubernetes.io/control-plane"), Ok(false));
        assert!(m("app=(").is_err());
        assert!(m("=x").is_err());
        assert!(m("app in web").is_err());
        assert!(m("a b").is_err());
    }

    #[test]
    fn field_selectors() {
        let f = FieldSelector::parse("status.phase!=Succeeded,status.phase!=Failed").expect("valid");
        let phase = |p: &'static str| move |k: &str| (k == "status.phase").then_some(p);
        assert!(f.matches(phase("Running")));
        assert!(!f.matches(phase("Failed")));
        let g = FieldSelector::parse("spec.nodeName==n\\,1").expect("valid");
        assert!(g.matches(|k| (k == "spec.nodeName").then_some("n,1")));
        assert!(FieldSelector::parse("nonsense").is_err());
    }
}
