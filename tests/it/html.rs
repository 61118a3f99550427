//! `-o html` end to end: the page's structure (self-contained, one `<svg>` per chart, a data
//! table under each), and the charts as real headless Chromium draws them: every chart has a
//! non-zero drawn size and the expected number of bars (one per group, per tier, per node).
//!
//! Chromium is required, not optional: these tests fail when `chromium` is missing (Debian's
//! `chromium` package; `scripts/test` installs it). One headless Chromium serves every test of
//! the run (`browser.rs`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::browser::Tab;
use crate::common::bizo;
use bizo_sim::{Sim, SimConfig};
use serde_json::Value;

/// Runs `bizo-plan ARGS` and returns (exit code, stdout).
fn run(home: &Path, args: &[&str]) -> (i32, String) {
    let out = bizo(home).args(args).timeout(Duration::from_secs(120)).output().expect("run bizo-plan");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    (
        out.status.code().expect("exit code"),
        String::from_utf8(out.stdout).unwrap_or_else(|_| panic!("utf-8; {stderr}")),
    )
}

fn html(args: &[&str]) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let (code, out) = run(dir.path(), args);
    assert!(code == 0 || code == 1, "{args:?} exited {code}");
    out
}

/// `check -o html` against a simulated cluster (written kubeconfig, real kube client).
fn cluster_html(sim: &Sim, extra: &[&str]) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let kc = dir.path().join("kubeconfig");
    sim.write_kubeconfig(&kc, None).expect("kubeconfig");
    let kc = kc.to_str().expect("utf-8 path").to_string();
    let mut args = vec!["check", "-o", "html", "--kubeconfig", kc.as_str()];
    args.extend_from_slice(extra);
    let (code, out) = run(dir.path(), &args);
    assert!(code == 0 || code == 1, "exit {code}");
    out
}

// ---------------------------------------------------------------------------------------------
// Structure.

/// The attributes of a tag (`<name a="1" b>`), values unquoted; panics on an unquoted value.
fn attributes(tag: &str) -> Vec<(&str, &str)> {
    let inner = tag.trim_start_matches('<').trim_end_matches('>').trim_end_matches('/');
    let mut rest = inner.trim_start_matches(|c: char| !c.is_whitespace());
    let mut out = Vec::new();
    loop {
        rest = rest.trim_start();
        if rest.is_empty() || tag.starts_with("<!") {
            return out;
        }
        let end = rest.find(|c: char| c == '=' || c.is_whitespace()).unwrap_or(rest.len());
        let name = &rest[..end];
        rest = &rest[end..];
        if let Some(r) = rest.strip_prefix('=') {
            let r = r.strip_prefix('"').unwrap_or_else(|| panic!("unquoted attribute {name} in {tag}"));
            let close = r.find('"').unwrap_or_else(|| panic!("unterminated attribute {name} in {tag}"));
            out.push((name, &r[..close]));
            rest = &r[close + 1..];
        } else {
            out.push((name, ""));
        }
    }
}

/// The tags of a page (`<...>`), in order.
fn tags(page: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = page;
    while let Some(i) = rest.find('<') {
        let Some(j) = rest[i..].find('>') else { break };
        out.push(&rest[i..=i + j]);
        rest = &rest[i + j + 1..];
    }
    out
}

/// Checks what every page must be, and returns the `data-chart` names in order.
fn self_contained(page: &str) -> Vec<String> {
    assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"), "{}", &page[..page.len().min(200)]);
    assert!(page.trim_end().ends_with("</html>"));
    assert!(page.contains(r#"<meta http-equiv="Content-Security-Policy" content="default-src 'none'"#));
    // Nothing to fetch: no tag loads anything (no src= or href=, so none with http:// or
    // https://), no scripts, no fonts, no CSS imports. Text is escaped, so every '<' opens a tag.
    for tag in tags(page) {
        let lower = tag.to_ascii_lowercase();
        for name in ["<script", "<link", "<img", "<iframe", "<object", "<embed", "<image", "<use", "<a "] {
            assert!(!lower.starts_with(name), "found {tag}");
        }
        for (name, value) in attributes(tag) {
            assert!(!matches!(name, "src" | "href" | "xlink:href" | "srcset" | "action"), "{name} in {tag}");
            assert!(!name.starts_with("on"), "event handler {name} in {tag}");
            assert!(!value.contains('<') && !value.contains('>'), "unescaped value in {tag}");
        }
        for url in ["http://", "https://"] {
            if let Some(i) = tag.find(url) {
                assert!(tag[..i].ends_with("xmlns=\""), "URL in a tag: {tag}");
            }
        }
    }
    for needle in ["@import", "@font-face", "url(http", "url(//"] {
        assert!(!page.contains(needle), "found {needle:?}");
    }
    let charts: Vec<String> = page
        .match_indices("data-chart=\"")
        .map(|(i, m)| {
            let rest = &page[i + m.len()..];
            rest[..rest.find('"').expect("closing quote")].to_string()
        })
        .collect();
    assert_eq!(page.matches("<svg").count(), charts.len(), "one <svg> per chart");
    // Each chart: accessible name and description; a data table follows it.
    for name in &charts {
        let at = page.find(&format!("data-chart=\"{name}\"")).expect("chart");
        let svg_start = page[..at].rfind("<svg").expect("svg");
        let svg = &page[svg_start..svg_start + page[svg_start..].find("</svg>").expect("end")];
        assert!(svg.contains(r#"role="img""#), "{name}");
        assert!(svg.contains("aria-labelledby=") || svg.contains("aria-label="), "{name}: accessible name");
        assert!(svg.contains("<title") && svg.contains("<desc"), "{name}: title and description");
        assert!(page[at..].contains("<table>"), "{name}: a data table under the chart");
    }
    charts
}

#[test]
fn replay_page_is_self_contained_with_a_chart_per_question() {
    let page = html(&["check", "--replay", "-o", "html"]);
    assert_eq!(self_contained(&page), vec!["groups", "capacity"]);
    assert!(page.contains(
        r#"<section id="verdict" class="verdict v-warn" aria-labelledby="verdict-h"><h2 id="verdict-h">Verdict: <span class="status s-warn">TIGHT</span></h2>"#
    ));
    assert!(page.contains("projected used memory is 75.61% of 7.7Gi"));
    // Human form shown, exact value in the tooltip.
    assert!(page.contains(r#"<span title="975175680 bytes">930Mi</span>"#));
    assert!(page.contains(r#"<span title="1694079386 bytes">1.58Gi</span>"#));
    // One tier row per tier of the catalog (5), one group row per group (4).
    assert_eq!(page.matches(r#"<g data-bar="tier""#).count(), 5);
    assert_eq!(page.matches(r#"<g data-bar="group""#).count(), 4);
    assert!(page.contains("strategy-3-multi-node-ha"));
    // Every service is in the services table.
    assert!(page.contains("<caption>18 services</caption>"));
    // Without --explain there is no arithmetic section; with it there is.
    assert!(!page.contains("How each figure was computed"));
    let explained = html(&["check", "--replay", "-o", "html", "--explain"]);
    assert!(explained.contains("How each figure was computed"));
    assert!(explained.contains("would count 600Mi twice"));
}

#[test]
fn html_output_keeps_the_exit_codes() {
    let dir = tempfile::tempdir().expect("temp dir");
    assert_eq!(run(dir.path(), &["check", "--replay", "-o", "html"]).0, 0);
    let (code, page) = run(dir.path(), &["check", "--replay", "-o", "html", "--fail-on", "tight"]);
    assert_eq!(code, 1);
    assert!(page.contains("gate <code>--fail-on tight</code>: <span class=\"bad\">FAILED</span>"));
    let (code, page) = run(dir.path(), &["recommend", "-o", "html", "--budget", "1"]);
    assert_eq!(code, 1, "nothing passes within 1 USD");
    assert!(page.contains("Nothing passes within the budget"));
    self_contained(&page);
}

#[test]
fn a_script_in_a_profile_is_escaped() {
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = dir.path().join("evil.yaml");
    std::fs::write(
        &profile,
        r#"name: "<script>alert('name')</script>"
services:
  - name: "<script>alert(1)</script>"
    group: "<img src=x onerror=alert(2)>"
    status: deployed
    memory: {typical: 100Mi}
  - name: "\"><svg onload=alert(3)>"
    group: core
    status: planned
    memory: {typical: 50Mi}
"#,
    )
    .expect("write profile");
    let p = profile.to_str().expect("utf-8 path");
    let (code, page) =
        run(dir.path(), &["check", "-p", p, "--profile-only", "--capacity", "8Gi", "-o", "html"]);
    assert_eq!(code, 0);
    assert_eq!(self_contained(&page), vec!["groups", "capacity"]);
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(page.contains("&lt;img src=x onerror=alert(2)&gt;"));
    assert!(page.contains("&quot;&gt;&lt;svg onload=alert(3)&gt;"));
    assert!(page.contains(
        "<title>bizo-plan check: HEALTHY (profile &lt;script&gt;alert('name')&lt;/script&gt;)</title>"
    ));
}

#[test]
fn recommend_page_draws_the_options_and_the_picks_nodes() {
    let page = html(&["recommend", "-o", "html"]);
    assert_eq!(self_contained(&page), vec!["pick-nodes", "options"]);
    assert!(page.contains(
        "bizo-plan recommend: <span class=\"status s-good\">hetzner CX33 at 9.17 USD per month</span>"
    ));
    // The pick, its 10 alternatives and the 10 cheapest rejected (--show-rejected default).
    assert_eq!(page.matches(r#"<g data-bar="option""#).count(), 21);
    let page = html(&["recommend", "-o", "html", "--show-rejected", "3"]);
    assert_eq!(page.matches(r#"<g data-bar="option""#).count(), 14);
}

// ---------------------------------------------------------------------------------------------
// Headless Chromium.

/// Measures each chart as Chromium lays it out: the `<svg>`'s box, each `data-bar` row's
/// drawn box, the segments, points and tier lines; written as JSON into `<pre id="layout">`.
const MEASURE: &str = r#"<script>
(function () {
  var out = [];
  var each = function (list, f) { return Array.prototype.map.call(list, f); };
  each(document.querySelectorAll('svg[data-chart]'), function (svg) {
    var r = svg.getBoundingClientRect();
    out.push({
      chart: svg.getAttribute('data-chart'),
      width: r.width,
      height: r.height,
      bars: each(svg.querySelectorAll('[data-bar]'), function (g) {
        var b = g.getBBox();
        var c = g.getBoundingClientRect();
        return { kind: g.getAttribute('data-bar'), w: b.width, h: b.height, cw: c.width, ch: c.height };
      }),
      segments: each(svg.querySelectorAll('[data-seg]'), function (e) {
        var c = e.getBoundingClientRect();
        return { w: c.width, h: c.height };
      }),
      points: svg.querySelectorAll('[data-point]').length,
      tiers: svg.querySelectorAll('[data-tier]').length,
      painted: each(svg.querySelectorAll('[data-seg]'), function (e) {
        return getComputedStyle(e).fill;
      })
    });
  });
  var pre = document.createElement('pre');
  pre.id = 'layout';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>"#;

/// The page with the measuring script added (and the page's CSP widened to let it run).
fn with_measurement(page: &str) -> String {
    let csp = "content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\"";
    assert!(page.contains(csp), "the page's CSP changed; update the test hook");
    page.replacen(
        csp,
        "content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\"",
        1,
    )
    .replacen("</body>", &format!("{MEASURE}</body>"), 1)
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write page");
    p
}

/// Renders `page` in Chromium and returns the measured charts by name.
fn measure(page: &str) -> Vec<Value> {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(dir.path(), "report.html", &with_measurement(page));
    let mut tab = Tab::open(&file, 1100, 900);
    let dom = tab.dom();
    let start = dom
        .find("<pre id=\"layout\">")
        .unwrap_or_else(|| panic!("no layout: the script did not run\n{:?}", tab.logs()))
        + "<pre id=\"layout\">".len();
    let end = start + dom[start..].find("</pre>").expect("end of layout");
    let json = dom[start..end].replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
    let v: Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("layout JSON ({e}): {json}"));
    v.as_array().expect("array").clone()
}

fn chart<'a>(charts: &'a [Value], name: &str) -> &'a Value {
    charts.iter().find(|c| c["chart"] == name).unwrap_or_else(|| panic!("chart {name} not drawn: {charts:?}"))
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// Every chart has a drawn size; each bar row of `kind` has a drawn box; returns the count.
fn drawn_bars(c: &Value, kind: &str) -> usize {
    assert!(num(&c["width"]) > 100.0 && num(&c["height"]) > 20.0, "{c}");
    let bars: Vec<&Value> =
        c["bars"].as_array().expect("bars").iter().filter(|b| b["kind"] == kind).collect();
    for b in &bars {
        assert!(num(&b["w"]) > 0.0 && num(&b["h"]) > 0.0, "{kind} bar not drawn: {b}");
        assert!(num(&b["cw"]) > 0.0 && num(&b["ch"]) > 0.0, "{kind} bar has no box on screen: {b}");
    }
    // A segment may be narrower than a pixel (45Mi on a 2Ti axis), never missing or negative.
    for s in c["segments"].as_array().expect("segments") {
        assert!(num(&s["w"]) >= 0.0 && num(&s["h"]) > 0.0, "segment not drawn: {s}");
    }
    for p in c["painted"].as_array().expect("paint") {
        let p = p.as_str().expect("fill");
        assert!(p != "none" && !p.is_empty(), "segment without paint in {c}");
    }
    bars.len()
}

/// The page as delivered (CSP intact) loads without a single blocked resource or script.
fn no_csp_violation(page: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(dir.path(), "report.html", page);
    let mut tab = Tab::open(&file, 1100, 900);
    assert!(tab.dom().contains("<svg"), "the page rendered");
    let blocked = csp_violations(&mut tab);
    assert!(blocked.is_empty(), "blocked by the page's CSP:\n{}", blocked.join("\n"));
}

/// What the browser logged as blocked by the page's Content Security Policy.
fn csp_violations(tab: &mut Tab) -> Vec<String> {
    tab.logs().into_iter().filter(|l| l.contains("Content Security Policy")).collect()
}

#[test]
fn the_csp_check_sees_a_blocked_script_and_image() {
    let dir = tempfile::tempdir().expect("temp dir");
    let page = "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\"><title>t</title></head><body><svg></svg><script>document.title = 'ran'</script><img src=\"data:image/gif;base64,R0lGODlhAQABAAAAACw=\"></body></html>";
    let file = write(dir.path(), "blocked.html", page);
    let mut tab = Tab::open(&file, 800, 600);
    assert_eq!(tab.eval("document.title"), "t", "the inline script was blocked");
    let blocked = csp_violations(&mut tab);
    assert_eq!(blocked.len(), 2, "{blocked:?}");
    assert!(
        blocked[0].starts_with("error security: ") && blocked[0].contains("inline script"),
        "{blocked:?}"
    );
    assert!(blocked[1].contains("image"), "{blocked:?}");
}

#[test]
fn chromium_draws_the_replay_charts() {
    let page = html(&["check", "--replay", "-o", "html"]);
    no_csp_violation(&page);
    let charts = measure(&page);
    assert_eq!(charts.len(), 2, "{charts:?}");
    let groups = chart(&charts, "groups");
    assert_eq!(drawn_bars(groups, "group"), 4);
    let capacity = chart(&charts, "capacity");
    assert_eq!(drawn_bars(capacity, "workload"), 1);
    assert_eq!(drawn_bars(capacity, "baseline"), 1);
    assert_eq!(drawn_bars(capacity, "tier"), 5, "one bar per tier");
    // Tier boxes grow with capacity: strategy-3 (26Gi) is drawn wider than minimum (6Gi).
    let tiers: Vec<f64> = capacity["bars"]
        .as_array()
        .expect("bars")
        .iter()
        .filter(|b| b["kind"] == "tier")
        .map(|b| num(&b["w"]))
        .collect();
    let (min, max) = (tiers[0], tiers[4]);
    assert!(max > 4.0 * min * 0.95, "26Gi vs 6Gi: {tiers:?}");

    // It prints: a PDF of several pages.
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(dir.path(), "report.html", &page);
    let bytes = Tab::open(&file, 1100, 900).pdf();
    assert!(bytes.starts_with(b"%PDF"), "not a PDF");
    let text = String::from_utf8_lossy(&bytes);
    let pages =
        text.match_indices("/Type /Page").filter(|(i, m)| !text[i + m.len()..].starts_with('s')).count();
    assert!(pages >= 2, "{pages} page(s)");
}

#[test]
fn chromium_draws_the_cluster_nodes_25_fullest_and_says_how_many_are_hidden() {
    let sim = Sim::start(SimConfig::generated(40, 30)).expect("simulator");
    let page = cluster_html(&sim, &[]);
    assert_eq!(self_contained(&page), vec!["groups", "capacity", "nodes"]);
    assert!(page.contains("25 of 40 nodes shown (those with the least free memory); 15 more"), "hidden note");
    no_csp_violation(&page);
    let charts = measure(&page);
    let nodes = chart(&charts, "nodes");
    assert_eq!(drawn_bars(nodes, "node"), 25, "the 25 fullest nodes");
    assert_eq!(drawn_bars(chart(&charts, "capacity"), "tier"), 5);
    assert_eq!(drawn_bars(chart(&charts, "capacity"), "baseline"), 1);

    let all = cluster_html(&sim, &["--all-rows"]);
    assert!(!all.contains("nodes shown"));
    assert_eq!(drawn_bars(chart(&measure(&all), "nodes"), "node"), 40);
}

#[test]
fn chromium_draws_the_laptop_cluster() {
    let sim = Sim::start(SimConfig::laptop()).expect("simulator");
    let page = cluster_html(&sim, &[]);
    assert_eq!(self_contained(&page), vec!["groups", "capacity", "nodes"]);
    assert!(page.contains("Context <code>sim</code>"));
    let charts = measure(&page);
    assert_eq!(drawn_bars(chart(&charts, "nodes"), "node"), 1);
    assert_eq!(drawn_bars(chart(&charts, "groups"), "group"), 4);
}

#[test]
fn chromium_draws_the_recommend_charts() {
    let page = html(&["recommend", "-o", "html"]);
    no_csp_violation(&page);
    let charts = measure(&page);
    assert_eq!(drawn_bars(chart(&charts, "pick-nodes"), "node"), 1);
    assert_eq!(drawn_bars(chart(&charts, "options"), "option"), 21);
}

#[test]
fn chromium_draws_the_forecast_chart() {
    const GI: u64 = 1 << 30;
    let months: Vec<(u32, u64)> = (0..13).map(|m| (m, 2 * GI + u64::from(m) * GI / 2)).collect();
    let tiers = vec![("minimum-production".to_string(), 6 * GI), ("strategy-2-balanced".to_string(), 9 * GI)];
    let svg = bizo_plan::render::forecast_chart(&months, &tiers);
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\"><title>forecast</title></head><body>{svg}</body></html>"
    );
    let charts = measure(&page);
    let f = chart(&charts, "forecast");
    assert!(num(&f["width"]) > 100.0 && num(&f["height"]) > 100.0, "{f}");
    assert_eq!(f["points"], 13);
    assert_eq!(f["tiers"], 2);
}

#[test]
fn chromium_draws_the_forecast_page() {
    let page = html(&["forecast", "--growth", "15%/month", "--months", "12", "-o", "html"]);
    assert_eq!(self_contained(&page), vec!["forecast"]);
    assert!(page.contains("<li>months 8-11: strategy-3-multi-node-ha</li>"), "the phase timeline");
    no_csp_violation(&page);
    let charts = measure(&page);
    let f = chart(&charts, "forecast");
    assert!(num(&f["width"]) > 100.0 && num(&f["height"]) > 100.0, "{f}");
    assert_eq!(f["points"], 13, "months 0 to 12");
    assert_eq!(f["tiers"], 5, "one line per tier");
}

#[test]
fn what_if_page_shows_the_changes_before_and_after() {
    let scenario = crate::common::fixture("../examples/scenarios/vault-upgrade.yaml");
    let scenario = scenario.to_str().expect("utf-8 path");
    let page = html(&["check", "--replay", "--scenario", scenario, "-o", "html"]);
    assert_eq!(self_contained(&page), vec!["groups", "capacity"]);
    assert!(page.contains(r#"<h2 id="what-if-h">What-if: vault-upgrade</h2>"#));
    assert!(page.contains("<td>vault-simple -&gt; hashicorp-vault</td>"));
    assert!(page.contains(r#"<span title="6474956800 bytes">6.03Gi</span>"#), "after, exact in the tooltip");
    assert!(page.contains("does NOT stay under the 70% threshold"));
}

/// A kubeconfig with one context per (name, server URL).
fn multi_kubeconfig(path: &Path, contexts: &[(&str, String)]) {
    let mut y = String::from("apiVersion: v1\nkind: Config\nclusters:\n");
    for (n, url) in contexts {
        y.push_str(&format!("- name: {n}\n  cluster:\n    server: {url}\n"));
    }
    y.push_str("users:\n- name: u\n  user: {}\ncontexts:\n");
    for (n, _) in contexts {
        y.push_str(&format!("- name: {n}\n  context: {{cluster: {n}, user: u}}\n"));
    }
    y.push_str(&format!("current-context: {}\n", contexts[0].0));
    std::fs::write(path, y).expect("write kubeconfig");
}

/// `check -o html` over two contexts, `laptop` and `multi`.
fn two_clusters_html(laptop: &Sim, multi: &Sim) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let kc = dir.path().join("kubeconfig");
    multi_kubeconfig(&kc, &[("laptop", laptop.url()), ("multi", multi.url())]);
    let kc = kc.to_str().expect("utf-8 path");
    let (code, page) = run(
        dir.path(),
        &["check", "-o", "html", "--kubeconfig", kc, "--context", "laptop", "--context", "multi"],
    );
    assert!(code == 0 || code == 1, "exit {code}");
    page
}

#[test]
fn chromium_draws_several_clusters() {
    let laptop = Sim::start(SimConfig::laptop()).expect("simulator");
    let multi = Sim::start(SimConfig::multinode()).expect("simulator");
    let page = two_clusters_html(&laptop, &multi);
    // The contexts, then each cluster's own report (its own verdict and charts).
    assert_eq!(
        self_contained(&page),
        vec!["contexts", "groups", "capacity", "nodes", "groups", "capacity", "nodes"]
    );
    assert!(page.contains("<caption>Cluster contexts</caption>"));
    assert_eq!(page.matches("<article id=\"cluster-").count(), 2);
    // Ids stay unique although each cluster has the same sections.
    let mut ids: Vec<&str> = page.split(" id=\"").skip(1).filter_map(|s| s.split('"').next()).collect();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "duplicate ids");
    let charts = measure(&page);
    assert_eq!(drawn_bars(chart(&charts, "contexts"), "context"), 3, "one bar per cluster and their total");
    let nodes: Vec<usize> =
        charts.iter().filter(|c| c["chart"] == "nodes").map(|c| drawn_bars(c, "node")).collect();
    assert_eq!(nodes.len(), 2, "a nodes chart per cluster");
    assert!(nodes[0] == 1 && nodes[1] > 1, "laptop's one node, the multinode cluster's several: {nodes:?}");
}

/// What overflows its box horizontally: the page itself, or any table, chart, card grid or
/// table wrapper whose content is wider than the box (`scrollWidth > clientWidth`), named by
/// its section and caption.
const OVERFLOW: &str = r#"(function () {
  var out = [];
  var d = document.documentElement;
  if (d.scrollWidth > d.clientWidth) out.push('page: ' + d.scrollWidth + ' > ' + d.clientWidth);
  document.querySelectorAll('.tw, table, figure, .cards, section, article').forEach(function (e) {
    if (e.scrollWidth > e.clientWidth) {
      var s = e.closest('section');
      var c = e.querySelector('caption, figcaption');
      out.push((s ? s.id : '-') + ' ' + e.tagName.toLowerCase() + (c ? ' "' + c.textContent.slice(0, 50) + '"' : '')
        + ': ' + e.scrollWidth + ' > ' + e.clientWidth);
    }
  });
  return out;
})()"#;

/// The page laid out on a 1280 px screen and printed on A4: nothing overflows.
fn fits(name: &str, page: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(dir.path(), "report.html", page);
    let mut tab = Tab::open(&file, 1280, 900);
    let tables = tab.eval("document.querySelectorAll('table').length").as_u64().expect("count");
    assert!(tables > 0, "{name}: no table to measure");
    let screen = tab.eval(OVERFLOW);
    assert_eq!(screen, serde_json::json!([]), "{name} at 1280 px");
    tab.emulate_print(718);
    assert_eq!(tab.eval("matchMedia('print').matches"), Value::Bool(true), "{name}: print media");
    let print = tab.eval(OVERFLOW);
    assert_eq!(print, serde_json::json!([]), "{name} printed on A4 (718 px)");
}

#[test]
fn the_overflow_check_sees_a_table_wider_than_the_page() {
    let wide = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>wide</title><style>table {{ width: 2000px }}</style></head><body><section id=\"s\"><div class=\"tw\" style=\"overflow-x: auto\"><table><caption>wide</caption><tr><td>{}</td></tr></table></div></section></body></html>",
        "x".repeat(10)
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(dir.path(), "wide.html", &wide);
    let mut tab = Tab::open(&file, 1280, 900);
    let out = tab.eval(OVERFLOW);
    let found: Vec<&str> = out.as_array().expect("array").iter().filter_map(Value::as_str).collect();
    assert!(found.iter().any(|l| l.starts_with("s div \"wide\": 2000 > ")), "{found:?}");
}

#[test]
fn every_page_fits_1280_px_and_a4_print() {
    let scenario = crate::common::fixture("../examples/scenarios/vault-upgrade.yaml");
    let scenario = scenario.to_str().expect("utf-8 path");
    fits("check --replay --explain", &html(&["check", "--replay", "--explain", "-o", "html"]));
    fits("check --replay --scenario", &html(&["check", "--replay", "--scenario", scenario, "-o", "html"]));
    fits("recommend", &html(&["recommend", "-o", "html", "--show-rejected", "40", "--explain"]));
    fits("recommend --ha", &html(&["recommend", "--ha", "-o", "html", "--budget", "80"]));
    fits("recommend --budget 1", &html(&["recommend", "-o", "html", "--budget", "1"]));
    fits(
        "forecast",
        &html(&["forecast", "--growth", "15%/month", "--months", "12", "-o", "html", "--explain"]),
    );
    let sim = Sim::start(SimConfig::generated(40, 30)).expect("simulator");
    fits("check, 40 nodes", &cluster_html(&sim, &["--all-rows", "--explain"]));
    let laptop = Sim::start(SimConfig::laptop()).expect("simulator");
    fits("check, laptop", &cluster_html(&laptop, &["--explain"]));
    let multi = Sim::start(SimConfig::multinode()).expect("simulator");
    fits("check, two clusters", &two_clusters_html(&laptop, &multi));
}
