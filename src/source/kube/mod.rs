//! The Kubernetes source: nodes, pods and metrics.k8s.io through the kube client, read-only.
//!
//! Every LIST is paginated (`limit` + `continue`), a 410 Expired continue token restarts that
//! list, and pages are aggregated as they arrive ([`Aggregator`]) so memory does not grow with
//! the number of pods. Only GET requests are ever sent. Failures degrade where they can (no
//! metrics API: requests only; 403 on a resource: that input is missing, and the report says so)
//! and are retried a bounded number of times where they may be transient.

//!
//! [`convert`] (the API objects planning reads, and their pure conversion into core types) is
//! always built; the client needs the `cluster` feature (on by default), so the fuzz targets
//! and other pure users build without kube, k8s-openapi and tokio.

pub mod convert;
#[cfg(feature = "cluster")]
pub mod gzip;
pub mod keep;
pub mod stream;

#[cfg(feature = "cluster")]
mod client;
#[cfg(feature = "cluster")]
pub use client::*;
