//! Sources at the edge: each reads the outside world, then a pure function converts what it
//! read into core types.

pub mod files;
pub mod host;
pub mod kube;
pub mod prometheus;
pub mod shard;
pub mod usage;
