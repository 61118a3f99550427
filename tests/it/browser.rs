//! One headless Chromium for the whole test binary, shared by the tests that render pages.
//!
//! It is started on first use and driven over the DevTools protocol on a pipe
//! (`--remote-debugging-pipe`: NUL-terminated JSON messages; Chromium reads commands on its fd 3
//! and writes answers and events on its fd 4, which a `sh` wrapper makes of our stdin and stdout
//! pipes). Each page opens in its own browser context (no cookies, cache or storage shared
//! between tests) and tabs take turns on the one connection.
//!
//! Chromium exits when the pipe closes, and the kernel closes it when this test process ends,
//! however it ends (passing, failing, killed), so no browser outlives the run; the wrapper then
//! removes the profile directory.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};

/// How long one answer or event may take.
const WAIT: Duration = Duration::from_secs(60);

/// The connection to the browser.
struct Browser {
    stdin: ChildStdin,
    /// Every message the browser sent, in order (None: the pipe closed).
    messages: Receiver<Option<Value>>,
    /// Events read while waiting for an answer, not yet taken.
    events: Vec<Value>,
    next_id: u64,
    pid: u32,
    /// Chromium's stderr, for failure messages.
    stderr: Arc<Mutex<String>>,
}

static BROWSER: OnceLock<Mutex<Browser>> = OnceLock::new();

fn browser() -> MutexGuard<'static, Browser> {
    // A test that panicked with a tab open leaves the mutex poisoned but the connection usable:
    // answers are matched by id, stray ones are skipped.
    BROWSER.get_or_init(|| Mutex::new(Browser::start())).lock().unwrap_or_else(PoisonError::into_inner)
}

impl Browser {
    fn start() -> Browser {
        let chromium = crate::common::require_program("chromium", "chromium");
        let profile = std::env::temp_dir().join(format!("bizo-plan-chromium-{}", std::process::id()));
        std::fs::create_dir_all(&profile).expect("chromium profile dir");
        // fd 3 = our stdin pipe, fd 4 = our stdout pipe; Chromium's own stdin and stdout are
        // /dev/null. After it exits (the pipe closed), its profile directory is removed.
        let script = r#"exec 3<&0 4>&1 </dev/null >/dev/null
"$0" "$@"; status=$?
rm -rf "$BIZO_CHROMIUM_PROFILE"
exit $status"#;
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg(&chromium)
            .args([
                "--headless",
                "--remote-debugging-pipe",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--window-size=1100,900",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .env("BIZO_CHROMIUM_PROFILE", &profile)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", chromium.display()));
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let mut err = child.stderr.take().expect("stderr");
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = err.read(&mut buf) {
                sink.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let (tx, messages) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut raw = Vec::new();
                match reader.read_until(0, &mut raw) {
                    Ok(0) | Err(_) => {
                        let _ = tx.send(None);
                        return;
                    }
                    Ok(_) => {
                        raw.pop_if(|b| *b == 0);
                        let msg = serde_json::from_slice(&raw).unwrap_or_else(
                            |e| json!({"unparsed": format!("{e}: {}", String::from_utf8_lossy(&raw))}),
                        );
                        if tx.send(Some(msg)).is_err() {
                            return;
                        }
                    }
                }
            }
        });
        let pid = child.id();
        // The child is not waited for: it ends with this process (see the module comment).
        drop(child);
        let mut b = Browser { stdin, messages, events: Vec::new(), next_id: 0, pid, stderr };
        let version = b.call("Browser.getVersion", json!({}), None);
        assert!(version["product"].as_str().is_some_and(|p| p.contains("Chrome")), "{version}");
        b
    }

    /// The next message from the browser, or a panic with what Chromium printed.
    fn next(&mut self, waiting_for: &str) -> Value {
        match self.messages.recv_timeout(WAIT) {
            Ok(Some(m)) => m,
            Ok(None) | Err(RecvTimeoutError::Disconnected) => {
                panic!(
                    "chromium (pid {}) closed the DevTools pipe while {waiting_for}; its stderr:\n{}",
                    self.pid,
                    self.stderr_tail()
                )
            }
            Err(RecvTimeoutError::Timeout) => {
                panic!(
                    "chromium (pid {}) did not answer within {WAIT:?} while {waiting_for}; its stderr:\n{}",
                    self.pid,
                    self.stderr_tail()
                )
            }
        }
    }

    fn stderr_tail(&self) -> String {
        let s = self.stderr.lock().unwrap_or_else(PoisonError::into_inner);
        s[s.len().saturating_sub(4000)..].to_string()
    }

    /// Sends a command; returns its id, or the error writing it.
    fn send(&mut self, method: &str, params: Value, session: Option<&str>) -> Result<u64, std::io::Error> {
        self.next_id += 1;
        let mut msg = json!({"id": self.next_id, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        let mut bytes = serde_json::to_vec(&msg).map_err(std::io::Error::other)?;
        bytes.push(0);
        self.stdin.write_all(&bytes).and_then(|()| self.stdin.flush())?;
        Ok(self.next_id)
    }

    /// Sends a command and returns its result; events read meanwhile are kept.
    fn call(&mut self, method: &str, params: Value, session: Option<&str>) -> Value {
        let shown = params.to_string();
        let id = match self.send(method, params, session) {
            Ok(id) => id,
            Err(e) => panic!("writing {method} to chromium: {e}; its stderr:\n{}", self.stderr_tail()),
        };
        loop {
            let m = self.next(method);
            if m.get("id").and_then(Value::as_u64) == Some(id) {
                if let Some(err) = m.get("error") {
                    panic!("chromium refused {method} {shown}: {err}");
                }
                return m["result"].clone();
            }
            if m.get("method").is_some() {
                self.events.push(m);
            }
            // Anything else is the answer to a command of a test that panicked: skipped.
        }
    }

    /// Waits for the event `name` of `session`.
    fn event(&mut self, name: &str, session: &str) -> Value {
        let is = |m: &Value| m["method"] == name && m["sessionId"] == session;
        if let Some(i) = self.events.iter().position(is) {
            return self.events.remove(i);
        }
        loop {
            let m = self.next(name);
            if is(&m) {
                return m;
            }
            if m.get("method").is_some() {
                self.events.push(m);
            }
        }
    }

    /// Takes the log lines (console, security, exceptions) of `session` read so far.
    fn logs(&mut self, session: &str) -> Vec<String> {
        let (mine, rest): (Vec<Value>, Vec<Value>) =
            std::mem::take(&mut self.events).into_iter().partition(|m| m["sessionId"] == session);
        self.events = rest;
        mine.iter()
            .filter_map(|m| {
                let p = &m["params"];
                match m["method"].as_str()? {
                    "Log.entryAdded" => Some(format!(
                        "{} {}: {}",
                        p["entry"]["level"].as_str().unwrap_or("?"),
                        p["entry"]["source"].as_str().unwrap_or("?"),
                        p["entry"]["text"].as_str().unwrap_or_default()
                    )),
                    "Runtime.consoleAPICalled" => Some(format!(
                        "console.{}: {}",
                        p["type"].as_str().unwrap_or("?"),
                        p["args"]
                            .as_array()
                            .map(|a| a.iter().map(|v| v["value"].to_string()).collect::<Vec<_>>().join(" "))
                            .unwrap_or_default()
                    )),
                    "Runtime.exceptionThrown" => Some(format!(
                        "exception: {}",
                        p["exceptionDetails"]["exception"]["description"]
                            .as_str()
                            .or(p["exceptionDetails"]["text"].as_str())
                            .unwrap_or_default()
                    )),
                    _ => None,
                }
            })
            .collect()
    }
}

/// A page loaded in the shared browser, in a browser context of its own; closed when dropped.
/// Other tests' tabs wait while it is open.
pub struct Tab {
    browser: MutexGuard<'static, Browser>,
    context: String,
    target: String,
    session: String,
}

impl Tab {
    /// Opens `file` in a `width` x `height` viewport and waits until it has loaded.
    pub fn open(file: &Path, width: u32, height: u32) -> Tab {
        let mut browser = browser();
        let context = browser.call("Target.createBrowserContext", json!({}), None)["browserContextId"]
            .as_str()
            .expect("browserContextId")
            .to_string();
        let target = browser.call(
            "Target.createTarget",
            json!({"url": "about:blank", "browserContextId": context}),
            None,
        )["targetId"]
            .as_str()
            .expect("targetId")
            .to_string();
        let session = browser.call(
            "Target.attachToTarget",
            json!({"targetId": target, "flatten": true}),
            None,
        )["sessionId"]
            .as_str()
            .expect("sessionId")
            .to_string();
        let mut tab = Tab { browser, context, target, session };
        for domain in ["Page.enable", "Runtime.enable", "Log.enable"] {
            tab.call(domain, json!({}));
        }
        tab.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}),
        );
        let url = format!("file://{}", file.canonicalize().unwrap_or_else(|_| file.to_path_buf()).display());
        let nav = tab.call("Page.navigate", json!({"url": url}));
        assert!(nav.get("errorText").is_none(), "loading {url}: {nav}");
        let session = tab.session.clone();
        tab.browser.event("Page.loadEventFired", &session);
        tab
    }

    fn call(&mut self, method: &str, params: Value) -> Value {
        let session = self.session.clone();
        self.browser.call(method, params, Some(&session))
    }

    /// The value of a JavaScript expression (JSON-serializable), evaluated in the page.
    pub fn eval(&mut self, expression: &str) -> Value {
        let r = self.call("Runtime.evaluate", json!({"expression": expression, "returnByValue": true}));
        if let Some(e) = r.get("exceptionDetails") {
            panic!("{expression} threw: {e}");
        }
        r["result"]["value"].clone()
    }

    /// The document as it is now (the DOM serialized, scripts' changes included).
    pub fn dom(&mut self) -> String {
        self.eval("document.documentElement.outerHTML").as_str().expect("outerHTML").to_string()
    }

    /// The page printed to PDF (A4 by Chromium's defaults, no header or footer).
    pub fn pdf(&mut self) -> Vec<u8> {
        let r = self.call("Page.printToPDF", json!({"displayHeaderFooter": false}));
        base64::engine::general_purpose::STANDARD
            .decode(r["data"].as_str().expect("PDF data"))
            .expect("base64")
    }

    /// Lays the page out as printed (`@media print`) on a `width` px wide page: A4 at 96 px per
    /// inch is 794 px, less Chromium's default margins of 0.4 in on each side, 718 px.
    pub fn emulate_print(&mut self, width: u32) {
        self.call("Emulation.setEmulatedMedia", json!({"media": "print"}));
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": 1100, "deviceScaleFactor": 1, "mobile": false}),
        );
    }

    /// What the page logged so far: console messages, exceptions and the browser's own entries
    /// (a Content Security Policy violation is a "security" entry).
    pub fn logs(&mut self) -> Vec<String> {
        // A round trip first, so that entries sent before it are in.
        self.eval("0");
        let session = self.session.clone();
        self.browser.logs(&session)
    }
}

impl Drop for Tab {
    fn drop(&mut self) {
        let close = json!({"targetId": self.target});
        let dispose = json!({"browserContextId": self.context});
        if std::thread::panicking() {
            // Unwinding from a failed test: no second panic. The commands are sent without
            // waiting; their answers are skipped by whoever calls next.
            let _ = self.browser.send("Target.closeTarget", close, None);
            let _ = self.browser.send("Target.disposeBrowserContext", dispose, None);
        } else {
            self.browser.call("Target.closeTarget", close, None);
            self.browser.call("Target.disposeBrowserContext", dispose, None);
        }
        let session = self.session.clone();
        self.browser.events.retain(|m| m["sessionId"] != session.as_str());
    }
}
