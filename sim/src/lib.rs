//! `bizo-sim`: a simulated, read-only Kubernetes API server on loopback.
//!
//! It serves nodes, pods and metrics.k8s.io from a scenario file or a lazily
//! generated cluster, over plain HTTP on `127.0.0.1`, with pagination,
//! selectors, server-side Tables, Kubernetes `Status` errors, switchable
//! faults and a record of every request. Real `kubectl` and kube-rs accept it
//! through a kubeconfig with `server: http://127.0.0.1:PORT`.
//!
//! ```no_run
//! use bizo_sim::{Sim, SimConfig};
//!
//! let sim = Sim::start(SimConfig::laptop()).expect("simulator starts");
//! let dir = std::env::temp_dir().join("bizo-sim-doc");
//! std::fs::create_dir_all(&dir).unwrap();
//! sim.write_kubeconfig(dir.join("config"), None).unwrap();
//! // ... run the client against sim.url() ...
//! assert!(sim.requests().iter().all(|r| r.method == "GET"));
//! ```

mod cluster;
mod config;
mod generate;
mod json;
pub mod model;
pub mod quantity;
mod record;
mod render;
mod scenario;
mod selector;
mod server;
pub mod usage;
mod util;

use std::fs::File;
use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::sync::oneshot;

pub use cluster::{ExpectedTotals, NodeTotals};
pub use config::{
    ClusterSpec, Faults, Forbid, ListOf, MetricsMode, SimConfig, Truncate, TruncateMode, Wrong200,
    Wrong200Body,
};
pub use generate::{GenerateSpec, MAX_PODS};
pub use model::CpuMem;
pub use record::RecordedRequest;
pub use scenario::{LAPTOP_YAML, MULTINODE_YAML, Scenario, ScenarioError, ScenarioMetrics};
pub use selector::{FieldSelector, LabelSelector};

use cluster::Source;
use server::State;

/// A running simulator. It serves on a background thread with its own Tokio
/// runtime and stops when dropped (or [`Sim::stop`]ped).
pub struct Sim {
    addr: SocketAddr,
    state: Arc<State>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Sim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sim").field("addr", &self.addr).finish_non_exhaustive()
    }
}

impl Sim {
    /// Binds `127.0.0.1:<config.port>` and starts serving.
    ///
    /// Fails when the port cannot be bound, the record file cannot be
    /// created, or a generated cluster's spec is invalid.
    pub fn start(config: SimConfig) -> io::Result<Sim> {
        let source = match config.cluster {
            ClusterSpec::Scenario(s) => Source::from_scenario(*s),
            ClusterSpec::Generated(spec) => {
                Source::from_spec(spec).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?
            }
        };
        let listener = std::net::TcpListener::bind(("127.0.0.1", config.port))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let record_file = match &config.record_file {
            Some(path) => Some(File::create(path)?),
            None => None,
        };
        let state = Arc::new(State::new(
            source,
            config.faults,
            config.token,
            config.user,
            config.resource_version,
            addr,
            record_file,
        ));
        let (shutdown_tx, shutdown_rx) = oneshot::channel();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<io::Result<()>>();
        let st = state.clone();
        let thread =
            std::thread::Builder::new().name(format!("bizo-sim-{}", addr.port())).spawn(move || {
                let rt = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name("bizo-sim-worker")
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                rt.block_on(async move {
                    match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => {
                            let _ = ready_tx.send(Ok(()));
                            server::serve(l, st, shutdown_rx).await;
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                        }
                    }
                });
                rt.shutdown_timeout(std::time::Duration::from_secs(1));
            })?;
        ready_rx.recv().map_err(|_| io::Error::other("simulator thread exited during start-up"))??;
        Ok(Sim { addr, state, shutdown: Some(shutdown_tx), thread: Some(thread) })
    }

    /// The bound address (always on 127.0.0.1).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        let mut v = self.state.requests.lock().map(|v| v.clone()).unwrap_or_default();
        v.sort_by_key(|r| r.seq);
        v
    }

    /// Forgets the requests recorded so far (the record file is kept).
    pub fn clear_requests(&self) {
        if let Ok(mut v) = self.state.requests.lock() {
            v.clear();
        }
    }

    /// A kubeconfig whose cluster, user and context are all named `sim`.
    pub fn kubeconfig(&self, token: Option<&str>) -> String {
        let user = match token {
            // JSON string quoting is valid YAML.
            Some(t) => format!("\n    token: {}", serde_json::to_string(t).unwrap_or_default()),
            None => " {}".to_string(),
        };
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: sim\n  cluster:\n    server: {}\ncontexts:\n- name: sim\n  context:\n    cluster: sim\n    user: sim\n    namespace: default\ncurrent-context: sim\nusers:\n- name: sim\n  user:{user}\npreferences: {{}}\n",
            self.url()
        )
    }

    /// Writes [`Sim::kubeconfig`] to `path`.
    pub fn write_kubeconfig(&self, path: impl AsRef<Path>, token: Option<&str>) -> io::Result<()> {
        std::fs::write(path, self.kubeconfig(token))
    }

    /// The exact totals a correct client computes from the served cluster.
    pub fn expected_totals(&self) -> ExpectedTotals {
        self.state.source.expected_totals()
    }

    /// The namespaces `/api/v1/namespaces` lists, sorted by name.
    pub fn namespaces(&self) -> Vec<String> {
        server::namespace_names(&self.state.source)
    }

    /// Stops serving and waits for the server thread.
    pub fn stop(mut self) {
        self.shutdown_now();
    }

    fn shutdown_now(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.shutdown_now();
    }
}

/// Exact totals of a cluster without starting a server.
pub fn expected_totals(cluster: &ClusterSpec) -> Result<ExpectedTotals, String> {
    let source = match cluster {
        ClusterSpec::Scenario(s) => Source::from_scenario((**s).clone()),
        ClusterSpec::Generated(spec) => Source::from_spec(*spec)?,
    };
    Ok(source.expected_totals())
}
