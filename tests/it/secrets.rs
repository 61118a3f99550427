//! No secrets: tokens, client keys and passwords from a kubeconfig never appear in any output
//! or log, at any verbosity (none, -v, -vv, RUST_LOG=trace), whether authentication succeeds
//! (bearer token, exec plugin) or fails (basic auth refused, an unusable client key).

use std::path::Path;

use crate::common::bizo;
use bizo_sim::{Sim, SimConfig};

const TOKEN: &str = "bizo-secret-token-7c1e94d2a8";
const EXEC_TOKEN: &str = "bizo-exec-token-51b0f3e6c2";
const PASSWORD: &str = "bizo-secret-password-0d93e1";
const KEY_MARKER: &str = "BIZOSECRETKEYMATERIAL";

fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A kubeconfig with one context per kind of credential, all pointing at the simulator.
fn kubeconfig(sim: &Sim, dir: &Path) -> std::path::PathBuf {
    let exec = dir.join("credential.sh");
    std::fs::write(
        &exec,
        format!(
            "#!/bin/sh\nprintf '%s' '{{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{EXEC_TOKEN}\"}}}}'\n"
        ),
    )
    .expect("write the exec plugin");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&exec, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let key = base64(
        format!("-----BEGIN PRIVATE KEY-----\n{KEY_MARKER}{KEY_MARKER}\n-----END PRIVATE KEY-----\n")
            .as_bytes(),
    );
    let cert = base64(b"-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----\n");
    let url = sim.url();
    let text = format!(
        r#"apiVersion: v1
kind: Config
current-context: token
clusters:
- name: sim
  cluster:
    server: {url}
contexts:
- {{name: token, context: {{cluster: sim, user: token}}}}
- {{name: exec, context: {{cluster: sim, user: exec}}}}
- {{name: basic, context: {{cluster: sim, user: basic}}}}
- {{name: certificate, context: {{cluster: sim, user: certificate}}}}
users:
- name: token
  user:
    token: {TOKEN}
- name: exec
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: {exec}
      interactiveMode: Never
- name: basic
  user:
    username: admin
    password: {PASSWORD}
- name: certificate
  user:
    client-certificate-data: {cert}
    client-key-data: {key}
"#,
        exec = exec.display()
    );
    let path = dir.join("kubeconfig");
    std::fs::write(&path, text).expect("write the kubeconfig");
    path
}

struct Out {
    code: i32,
    all: String,
}

fn run(dir: &Path, kc: &Path, context: &str, verbosity: &str) -> Out {
    let mut cmd = bizo(dir);
    cmd.args(["check", "-o", "json", "--no-tiers", "--kubeconfig"]).arg(kc).args(["--context", context]);
    match verbosity {
        "" => {}
        "RUST_LOG=trace" => {
            cmd.env("RUST_LOG", "trace");
        }
        flag => {
            cmd.arg(flag);
        }
    }
    let out = cmd.timeout(std::time::Duration::from_secs(60)).output().expect("run bizo-plan");
    Out {
        code: out.status.code().unwrap_or(-1),
        all: format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
    }
}

fn assert_clean(out: &Out, what: &str) {
    for secret in [TOKEN, EXEC_TOKEN, PASSWORD, KEY_MARKER] {
        assert!(!out.all.contains(secret), "{what}: {secret} leaked:\n{}", out.all);
    }
    // Nor in the encodings a careless log would use.
    let basic = base64(format!("admin:{PASSWORD}").as_bytes());
    assert!(!out.all.contains(&basic), "{what}: the basic-auth header leaked");
    assert!(!out.all.contains(&base64(KEY_MARKER.as_bytes())[..16]), "{what}: key material leaked");
}

#[test]
fn no_secret_appears_at_any_verbosity() {
    let sim = Sim::start(SimConfig::laptop().with_token(TOKEN)).expect("simulator");
    let dir = tempfile::tempdir().expect("temp dir");
    let kc = kubeconfig(&sim, dir.path());
    for verbosity in ["", "-v", "-vv", "RUST_LOG=trace"] {
        let out = run(dir.path(), &kc, "token", verbosity);
        assert_eq!(out.code, 0, "token {verbosity}: {}", out.all);
        assert!(out.all.contains("\"context\": \"token\""), "{}", out.all);
        assert_clean(&out, &format!("token {verbosity}"));
        if verbosity == "-v" {
            // The request log is there, and names the kind of credential, not its value.
            assert!(out.all.contains("credentials: bearer token"), "{}", out.all);
            assert!(out.all.contains("GET /api/v1/nodes?limit=500 -> 200"), "{}", out.all);
        }
        if !verbosity.is_empty() {
            assert!(out.all.lines().count() > 20, "{verbosity} logs something:\n{}", out.all);
        }

        let out = run(dir.path(), &kc, "basic", verbosity);
        assert!(out.all.contains("401"), "basic {verbosity}: refused and reported:\n{}", out.all);
        assert_clean(&out, &format!("basic {verbosity}"));

        let out = run(dir.path(), &kc, "certificate", verbosity);
        assert_clean(&out, &format!("certificate {verbosity}"));
    }
}

#[test]
fn kubeconfig_exec_plugins_work_and_their_token_stays_secret() {
    let sim = Sim::start(SimConfig::laptop().with_token(EXEC_TOKEN)).expect("simulator");
    let dir = tempfile::tempdir().expect("temp dir");
    let kc = kubeconfig(&sim, dir.path());
    for verbosity in ["", "-vv", "RUST_LOG=trace"] {
        let out = run(dir.path(), &kc, "exec", verbosity);
        assert_eq!(out.code, 0, "exec {verbosity}: {}", out.all);
        assert!(!out.all.contains("\"missingInputs\""), "authenticated through the plugin: {}", out.all);
        assert_clean(&out, &format!("exec {verbosity}"));
    }
    assert!(sim.requests().iter().all(|q| q.authorization && q.status == 200));
}

// Fault matrix: TLS error
#[test]
fn tls_verification_is_only_skipped_on_request_and_then_warned_about() {
    // The simulator speaks plain HTTP: an https:// server is a TLS failure, reported as such.
    let sim = Sim::start(SimConfig::laptop()).expect("simulator");
    let dir = tempfile::tempdir().expect("temp dir");
    let https = sim.url().replacen("http://", "https://", 1);
    let kc = dir.path().join("kubeconfig");
    let text = sim.kubeconfig(None).replace(&sim.url(), &https);
    std::fs::write(&kc, &text).expect("write");
    let out = bizo(dir.path())
        .args(["check", "--no-tiers", "--require-cluster", "--kubeconfig"])
        .arg(&kc)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains(&https), "{err}");
    assert!(!err.contains("TLS certificate verification"), "verification is on by default: {err}");

    let out = bizo(dir.path())
        .args(["check", "--no-tiers", "--insecure-skip-tls-verify", "-o", "json", "--kubeconfig"])
        .arg(&kc)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    let warning = format!(
        "bizo-plan: warning: TLS certificate verification of {https} is OFF (--insecure-skip-tls-verify)"
    );
    assert!(err.contains(&warning), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    // In the report too, even though the cluster then turned out unreachable.
    let notes = v["notes"].to_string();
    assert!(notes.contains("WARNING: TLS certificate verification"), "{notes}");

    // The kubeconfig's own insecure-skip-tls-verify gets the same warning.
    let text = text.replace(
        &format!("server: {https}"),
        &format!("server: {https}\n    insecure-skip-tls-verify: true"),
    );
    std::fs::write(&kc, &text).expect("write");
    let out = bizo(dir.path())
        .args(["check", "--no-tiers", "-o", "json", "--kubeconfig"])
        .arg(&kc)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is OFF (insecure-skip-tls-verify in the kubeconfig)"), "{err}");
}

const URL_PASSWORD: &str = "bizo-url-password-9f2c7a";

// Fault matrix: Password in the server URL
#[test]
fn a_password_in_the_server_url_never_reaches_any_log_line() {
    let sim = Sim::start(SimConfig::laptop()).expect("simulator");
    let dir = tempfile::tempdir().expect("temp dir");
    let with_password = sim.url().replacen("http://", &format!("http://admin:{URL_PASSWORD}@"), 1);
    let kc = dir.path().join("kubeconfig");
    std::fs::write(&kc, sim.kubeconfig(None).replace(&sim.url(), &with_password)).expect("write");
    for verbosity in ["", "-v", "-vv", "-vvv", "RUST_LOG=trace"] {
        let out = run(dir.path(), &kc, "sim", verbosity);
        assert_eq!(out.code, 0, "{verbosity}: {}", out.all);
        for leak in [
            URL_PASSWORD.to_string(),
            base64(format!("admin:{URL_PASSWORD}").as_bytes()),
            base64(URL_PASSWORD.as_bytes()),
            format!("admin:{}", &URL_PASSWORD[..8]),
        ] {
            assert!(!out.all.contains(&leak), "{verbosity}: {leak} leaked:\n{}", out.all);
        }
        // The report names the server without its user information.
        assert!(out.all.contains(&format!("\"server\": \"{}\"", sim.url())), "{verbosity}: {}", out.all);
        if verbosity == "-vv" || verbosity == "RUST_LOG=trace" {
            // kube's request span is there, with the URL it really used.
            assert!(
                out.all.contains(&format!("http.url={}/api/v1/nodes", sim.url())),
                "{verbosity}: {}",
                out.all
            );
        }
    }
    // The credentials went as basic auth (Go's HTTP client does the same with URL user info).
    assert!(sim.requests().iter().all(|q| q.authorization));
}

const PROM_TOKEN: &str = "bizo-prom-token-6d1f0a9c3b";
const PROM_TENANT: &str = "bizo-prom-tenant-2c7e51";

/// A private CA and a certificate for 127.0.0.1 signed by it (openssl), in `dir`:
/// (ca.pem, server.pem, server.key).
fn private_ca(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let [ca, ca_key, cert, key, csr] =
        ["ca.pem", "ca.key", "server.pem", "server.key", "server.csr"].map(|f| dir.join(f));
    let ext = dir.join("san.cnf");
    std::fs::write(&ext, "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n").expect("ext");
    let openssl = |args: &[&str]| {
        let out = std::process::Command::new("openssl")
            .args(args)
            .output()
            .expect("openssl (apt-get install openssl)");
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    let p = |x: &std::path::PathBuf| x.display().to_string();
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=bizo test CA",
        "-keyout",
        &p(&ca_key),
        "-out",
        &p(&ca),
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        &p(&key),
        "-out",
        &p(&csr),
    ]);
    openssl(&[
        "x509",
        "-req",
        "-in",
        &p(&csr),
        "-CA",
        &p(&ca),
        "-CAkey",
        &p(&ca_key),
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        &p(&ext),
        "-out",
        &p(&cert),
    ]);
    (ca, cert, key)
}

// Fault matrix: Prometheus TLS error
#[test]
fn prometheus_over_tls_trusts_the_ca_file_and_no_token_or_header_appears_at_any_verbosity() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (ca, cert, key) = private_ca(dir.path());
    let web = dir.path().join("web.yml");
    std::fs::write(
        &web,
        format!("tls_server_config:\n  cert_file: {}\n  key_file: {}\n", cert.display(), key.display()),
    )
    .expect("web config");
    let prom = crate::prometheus::start_prometheus_with(
        dir.path(),
        &dir.path().join("tsdb"),
        &[&format!("--web.config.file={}", web.display())],
    );
    assert!(prom.url.starts_with("https://"), "{}", prom.url);
    let token = dir.path().join("token");
    std::fs::write(&token, PROM_TOKEN).expect("token");
    let profile = crate::common::fixture("profiles/history.yaml");
    let header = format!("X-Scope-OrgID: {PROM_TENANT}");
    let (ca_s, token_s, profile_s) =
        (ca.display().to_string(), token.display().to_string(), profile.display().to_string());
    let args = [
        "check",
        "-p",
        &profile_s,
        "--profile-only",
        "--capacity",
        "16Gi",
        "--no-tiers",
        "-o",
        "json",
        "--prometheus",
        &prom.url,
        "--prometheus-bearer-token-file",
        &token_s,
        "--prometheus-header",
        &header,
    ];
    for verbosity in ["", "-v", "-vv", "RUST_LOG=trace"] {
        let mut cmd = bizo(dir.path());
        match verbosity {
            "" => {}
            "RUST_LOG=trace" => {
                cmd.env("RUST_LOG", "trace");
            }
            v => {
                cmd.arg(v);
            }
        }
        let out = cmd
            .args(args)
            .args(["--prometheus-ca-file", &ca_s])
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .expect("run");
        let all =
            format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert_eq!(out.status.code(), Some(0), "{verbosity}: {all}");
        // Verified against the private CA: read (an empty Prometheus answers empty vectors).
        assert!(all.contains("\"status\": \"ok\""), "{verbosity}: {all}");
        if verbosity == "-v" {
            assert!(all.contains(&format!("POST {}/api/v1/query (cardinality) -> 200", prom.url)), "{all}");
        }
        for secret in [PROM_TOKEN, PROM_TENANT] {
            assert!(!all.contains(secret), "{verbosity}: {secret} leaked:\n{all}");
        }
    }
    // Without the CA file the certificate is not trusted: a TLS error, degraded, never skipped.
    let out = bizo(dir.path()).args(args).timeout(std::time::Duration::from_secs(60)).output().expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let missing = v["missingInputs"][0].as_str().unwrap_or_default();
    assert!(
        missing.starts_with(&format!("Prometheus at {}: unreachable (", prom.url))
            && (missing.contains("UnknownIssuer") || missing.contains("certificate")),
        "{missing}"
    );
    // An http:// URL with a CA file is a mistake worth saying.
    let out = bizo(dir.path())
        .args(["check", "-p", &profile_s, "--profile-only", "--capacity", "16Gi", "--no-tiers", "-o", "json"])
        .args(["--prometheus", "http://127.0.0.1:1", "--prometheus-ca-file", &ca_s])
        .output()
        .expect("run");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("--prometheus-ca-file is given but the URL is http://")
    );
    drop(prom);
}
