//! Recorded requests.

use serde::{Deserialize, Serialize};

/// One request as the simulator saw it. The bearer token itself is never
/// stored, only whether an `Authorization` header was present.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedRequest {
    /// Arrival order, from 1.
    pub seq: u64,
    /// HTTP method.
    pub method: String,
    /// Path without the query string.
    pub path: String,
    /// Raw query string, if any.
    pub query: Option<String>,
    /// `Accept` header.
    pub accept: Option<String>,
    /// `User-Agent` header.
    pub user_agent: Option<String>,
    /// `Accept-Encoding` header.
    #[serde(default)]
    pub accept_encoding: Option<String>,
    /// `Content-Encoding` of the answer (`gzip` when it was compressed).
    #[serde(default)]
    pub content_encoding: Option<String>,
    /// Body bytes sent (after compression).
    #[serde(default)]
    pub bytes: u64,
    /// Whether an `Authorization` header was sent.
    pub authorization: bool,
    /// HTTP status of the answer.
    pub status: u16,
}

impl RecordedRequest {
    /// A decoded query parameter (`None` when absent).
    pub fn query_param(&self, key: &str) -> Option<String> {
        self.query.as_deref()?.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (crate::util::percent_decode(k).as_deref() == Some(key))
                .then(|| crate::util::percent_decode(v).unwrap_or_default())
        })
    }
}
