"""A default-configured Prometheus (Debian's `prometheus` on PATH) on a free loopback port, over
a TSDB the bench scripts backfilled: shared by bench/prometheus.py and bench/rightsize.py."""
import os, socket, subprocess, time, urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(work, tsdb, retention="60d"):
    """Starts Prometheus on `tsdb` (its config and log in `work`) and waits until it is ready
    (at most 5 minutes: a large backfilled TSDB takes a while to open). Returns (process, URL)."""
    cfg = os.path.join(work, "prometheus.yml")
    with open(cfg, "w") as f:
        f.write("global: {}\nscrape_configs: []\n")
    port = free_port()
    prom = subprocess.Popen(["prometheus", f"--storage.tsdb.path={tsdb}", f"--config.file={cfg}",
                             f"--web.listen-address=127.0.0.1:{port}", f"--storage.tsdb.retention.time={retention}"],
                            stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "prometheus.log"), "w"))
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        assert prom.poll() is None, f"prometheus exited: see {work}/prometheus.log"
        try:
            if urllib.request.urlopen(url + "/-/ready", timeout=2).status == 200:
                return prom, url
        except Exception:
            time.sleep(0.2)
    prom.kill()
    raise RuntimeError(f"prometheus not ready after 5 minutes: see {work}/prometheus.log")
