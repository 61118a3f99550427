//! The local host: memory and swap through sysinfo, cpu from the kernel's /proc files, plus the
//! facts sysinfo does not give (WSL2, cgroup memory limits). [`sample`] does the reading;
//! [`to_baseline`] is a pure conversion, unit-tested on recorded inputs.
//!
//! CPU in use is read without waiting: the 1-minute load average (`/proc/loadavg`). Only when
//! cpu could decide the verdict (the planned cpu on top of that estimate reaches
//! [`NEAR_CAPACITY_PERCENT`] of the cores) are the cores measured: two `/proc/stat` readings
//! [`CPU_SAMPLE`] apart. The report says which measure it used.

use std::time::Duration;

use crate::error::Unreachable;
use crate::model::baseline::{Baseline, BaselineKind, Origin};
use crate::model::profile::Profile;
use crate::model::quantity::{Bytes, Millicores};

/// How long the cores are measured when cpu could decide the verdict (and by `sample`).
pub const CPU_SAMPLE: Duration = Duration::from_millis(200);

/// The share of the cores (used + planned, by the load average) from which cpu could decide
/// the verdict, so that it is measured instead of estimated.
pub const NEAR_CAPACITY_PERCENT: u64 = 75;

/// Everything read from the host, unconverted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawHost {
    /// MemTotal, bytes.
    pub total: u64,
    /// MemAvailable, bytes.
    pub available: u64,
    /// Swap total and used, bytes.
    pub swap_total: u64,
    /// Swap used, bytes.
    pub swap_used: u64,
    /// Logical cpus.
    pub cpus: u64,
    /// Contents of /proc/loadavg, if readable.
    pub loadavg: Option<String>,
    /// A timed measurement of the cores, when one was taken.
    pub cpu_sample: Option<CpuSample>,
    /// Why the cores were measured instead of estimated from the load average.
    pub sampled_because: Option<String>,
    /// Contents of /proc/version, if readable.
    pub proc_version: Option<String>,
    /// The memory cgroup of this process, if one applies.
    pub cgroup: Option<RawCgroup>,
}

/// A timed measurement of cpu use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CpuSample {
    /// Two readings of /proc/stat, `millis` apart.
    ProcStat { before: String, after: String, millis: u64 },
    /// sysinfo's usage over `millis`, in millicores (where /proc/stat cannot be read).
    Sysinfo { millicores: u64, millis: u64 },
}

/// How the cpu in use is to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CpuNeed {
    /// No wait: the load average, unless `planned` millicores on top of it reach
    /// [`NEAR_CAPACITY_PERCENT`] of the cores; then they are measured for [`CPU_SAMPLE`].
    Quick { planned: Millicores },
    /// Always measured for [`CPU_SAMPLE`] (the `sample` recorder: a figure per snapshot, not a
    /// one-minute average).
    Measured,
}

impl CpuNeed {
    /// Quick, with the cpu the profile's planned services add.
    pub fn for_profile(profile: &Profile) -> CpuNeed {
        let planned = profile.planned().fold(0u64, |a, s| a.saturating_add(s.cpu_total().0));
        CpuNeed::Quick { planned: Millicores(planned) }
    }
}

/// Memory cgroup files of this process.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawCgroup {
    /// 1 or 2.
    pub version: u8,
    /// The cgroup directory read.
    pub dir: String,
    /// memory.max (v2) or memory.limit_in_bytes (v1).
    pub limit: String,
    /// memory.current (v2) or memory.usage_in_bytes (v1).
    pub usage: String,
    /// memory.stat.
    pub stat: String,
}

/// Reads the host. Takes a few milliseconds, and [`CPU_SAMPLE`] more when the cores are
/// measured (see [`CpuNeed`]).
pub fn sample(need: CpuNeed) -> Result<RawHost, Unreachable> {
    use sysinfo::{MemoryRefreshKind, RefreshKind, System};
    let sys = System::new_with_specifics(RefreshKind::nothing().with_memory(MemoryRefreshKind::everything()))
        .map_err(|e| {
            Unreachable(format!(
                "could not read this host's memory (sysinfo: {e}); use --replay or --profile-only --capacity QTY"
            ))
        })?;
    if sys.total_memory() == 0 {
        return Err(Unreachable(
            "this host reports 0 bytes of memory (sysinfo); use --replay or --profile-only --capacity QTY"
                .into(),
        ));
    }
    let read = |p: &str| std::fs::read_to_string(p).ok();
    let stat = read("/proc/stat");
    let cpus = stat
        .as_deref()
        .map(stat_cpus)
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(0, |n| n.get() as u64));
    let loadavg = read("/proc/loadavg");
    let sampled_because = match need {
        CpuNeed::Measured => Some("a recording takes the cpu of each snapshot".to_string()),
        CpuNeed::Quick { planned } => match loadavg.as_deref().and_then(load_millicores) {
            None => Some("the load average cannot be read".to_string()),
            Some(load) => cpu_could_decide(load, planned, cpus).then(|| {
                format!(
                    "the 1-minute load average ({}) and the planned {planned} reach {NEAR_CAPACITY_PERCENT}% of the {cpus} cores, so cpu could decide the verdict",
                    cores(load)
                )
            }),
        },
    };
    let cpu_sample = if sampled_because.is_some() { measure_cpu(stat) } else { None };
    // Measuring failed: the load average (if any) is what there is, and the report says so.
    let sampled_because = sampled_because.filter(|_| cpu_sample.is_some());
    Ok(RawHost {
        total: sys.total_memory(),
        available: sys.available_memory(),
        swap_total: sys.total_swap(),
        swap_used: sys.used_swap(),
        cpus,
        loadavg,
        cpu_sample,
        sampled_because,
        proc_version: read("/proc/version"),
        cgroup: read_cgroup(),
    })
}

/// Measures the cores for [`CPU_SAMPLE`]: /proc/stat before (`stat`, just read) and after, or
/// sysinfo where /proc/stat is not there; None when neither can be read.
fn measure_cpu(stat: Option<String>) -> Option<CpuSample> {
    if let Some(before) = stat {
        let started = std::time::Instant::now();
        std::thread::sleep(CPU_SAMPLE);
        if let Ok(after) = std::fs::read_to_string("/proc/stat") {
            let millis = started.elapsed().as_millis() as u64;
            return Some(CpuSample::ProcStat { before, after, millis });
        }
    }
    use sysinfo::{CpuRefreshKind, RefreshKind, System};
    let mut sys =
        System::new_with_specifics(RefreshKind::nothing().with_cpu(CpuRefreshKind::nothing().with_usage()))
            .ok()?;
    std::thread::sleep(sysinfo::MINIMUM_CPU_UPDATE_INTERVAL.max(CPU_SAMPLE));
    sys.refresh_cpu_usage();
    // sysinfo reports a float percentage of all cpus; it is converted once, here, to millicores.
    let usage = f64::from(sys.global_cpu_usage()).clamp(0.0, 100.0);
    let millicores = (usage * sys.cpus().len() as f64 * 10.0).round() as u64;
    Some(CpuSample::Sysinfo {
        millicores,
        millis: sysinfo::MINIMUM_CPU_UPDATE_INTERVAL.max(CPU_SAMPLE).as_millis() as u64,
    })
}

/// Logical cpus in /proc/stat (its `cpuN` lines).
pub fn stat_cpus(stat: &str) -> u64 {
    stat.lines()
        .filter(|l| l.strip_prefix("cpu").is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit())))
        .count() as u64
}

/// The aggregate `cpu` line of /proc/stat as (busy, total) jiffies: idle and iowait are not
/// busy; guest time is already inside user and nice, so it is not added again.
pub fn stat_busy_total(stat: &str) -> Option<(u64, u64)> {
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let f: Vec<u64> = line.split_whitespace().skip(1).map_while(|v| v.parse().ok()).collect();
    if f.len() < 4 {
        return None;
    }
    let total: u64 = f.iter().take(8).sum();
    let idle = f[3] + f.get(4).copied().unwrap_or(0);
    Some((total - idle, total))
}

/// Millicores busy between two /proc/stat readings on `cpus` cores.
pub fn busy_millicores(before: &str, after: &str, cpus: u64) -> Option<u64> {
    let (b0, t0) = stat_busy_total(before)?;
    let (b1, t1) = stat_busy_total(after)?;
    let (busy, total) = (b1.checked_sub(b0)?, t1.checked_sub(t0)?);
    if total == 0 {
        return None;
    }
    let busy = u128::from(busy.min(total));
    let m = (busy * u128::from(cpus) * 1000 + u128::from(total) / 2) / u128::from(total);
    u64::try_from(m).ok()
}

/// The 1-minute load average of /proc/loadavg in millicores (1.00 = 1000m), unclamped.
pub fn load_millicores(loadavg: &str) -> Option<u64> {
    let first = loadavg.split_whitespace().next()?;
    let (int, frac) = first.split_once('.').unwrap_or((first, "0"));
    let int: u64 = int.parse().ok()?;
    // Thousandths from up to three decimals ("0.42" -> 420).
    let mut digits: String = frac.chars().take(3).collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    while digits.len() < 3 {
        digits.push('0');
    }
    Some(int.saturating_mul(1000).saturating_add(digits.parse::<u64>().ok()?))
}

/// Whether cpu could decide the verdict: the load estimate (at most every core) plus the
/// planned cpu reaches [`NEAR_CAPACITY_PERCENT`] of the cores.
pub fn cpu_could_decide(load: u64, planned: Millicores, cpus: u64) -> bool {
    let capacity = cpus.saturating_mul(1000);
    let projected = load.min(capacity).saturating_add(planned.0);
    capacity == 0 || projected.saturating_mul(100) >= capacity.saturating_mul(NEAR_CAPACITY_PERCENT)
}

/// Millicores as cores with two decimals: 420 -> "0.42", 2000 -> "2.00".
fn cores(m: u64) -> String {
    let hundredths = (m + 5) / 10;
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

/// The cpu in use and the note saying how it was read; None when nothing could be read.
fn cpu_used(raw: &RawHost) -> Option<(Millicores, String)> {
    let because =
        raw.sampled_because.as_deref().map(|b| format!(", measured because {b}")).unwrap_or_default();
    let capacity = raw.cpus.saturating_mul(1000);
    match &raw.cpu_sample {
        Some(CpuSample::ProcStat { before, after, millis }) => {
            let m = busy_millicores(before, after, raw.cpus)?;
            Some((
                Millicores(m),
                format!(
                    "cpu used: {} of {} cores busy over {millis} ms (/proc/stat){because}",
                    cores(m),
                    raw.cpus
                ),
            ))
        }
        Some(CpuSample::Sysinfo { millicores, millis }) => {
            let m = (*millicores).min(capacity);
            Some((
                Millicores(m),
                format!(
                    "cpu used: {} of {} cores busy over {millis} ms (sysinfo){because}",
                    cores(m),
                    raw.cpus
                ),
            ))
        }
        None => {
            let text = raw.loadavg.as_deref()?;
            let load = load_millicores(text)?;
            let m = load.min(capacity);
            let over = if load > capacity {
                format!(": more runnable tasks than cores, counted as all {} busy", raw.cpus)
            } else {
                String::new()
            };
            Some((
                Millicores(m),
                format!(
                    "cpu used: 1-minute load average {} of {} cores (/proc/loadavg){over}",
                    text.split_whitespace().next().unwrap_or_default(),
                    raw.cpus
                ),
            ))
        }
    }
}

fn read_cgroup() -> Option<RawCgroup> {
    let text = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let read = |p: &str| std::fs::read_to_string(p).ok().map(|s| s.trim().to_string());
    for (version, rel) in cgroup_paths(&text) {
        let bases: Vec<String> = if version == 2 {
            vec![format!("/sys/fs/cgroup{rel}"), "/sys/fs/cgroup".to_string()]
        } else {
            vec![format!("/sys/fs/cgroup/memory{rel}"), "/sys/fs/cgroup/memory".to_string()]
        };
        let (limit_file, usage_file) = if version == 2 {
            ("memory.max", "memory.current")
        } else {
            ("memory.limit_in_bytes", "memory.usage_in_bytes")
        };
        for base in bases {
            let dir = base.trim_end_matches('/').to_string();
            if let (Some(limit), Some(usage)) =
                (read(&format!("{dir}/{limit_file}")), read(&format!("{dir}/{usage_file}")))
            {
                let stat = read(&format!("{dir}/memory.stat")).unwrap_or_default();
                return Some(RawCgroup { version, dir, limit, usage, stat });
            }
        }
    }
    None
}

/// The memory cgroups named in /proc/self/cgroup: (version, path), v2 first.
pub fn cgroup_paths(proc_self_cgroup: &str) -> Vec<(u8, String)> {
    let mut out = Vec::new();
    for line in proc_self_cgroup.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(id), Some(ctrl), Some(path)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        if id == "0" && ctrl.is_empty() {
            out.insert(0, (2, path.to_string()));
        } else if ctrl.split(',').any(|c| c == "memory") {
            out.push((1, path.to_string()));
        }
    }
    out
}

/// The value of one key in a memory.stat file.
fn stat_value(stat: &str, key: &str) -> Option<u64> {
    stat.lines().find_map(|l| {
        let (k, v) = l.split_once(' ')?;
        (k == key).then(|| v.trim().parse().ok()).flatten()
    })
}

/// Converts raw host readings into the baseline of a `check`.
pub fn to_baseline(raw: &RawHost) -> Baseline {
    let mut notes = Vec::new();
    let mut total = raw.total;
    let mut available = raw.available.min(raw.total);
    let mut description = "sampled from this host (sysinfo; used = total - available)".to_string();

    if let Some(v) = &raw.proc_version {
        let lower = v.to_ascii_lowercase();
        if lower.contains("microsoft") {
            let kind =
                if lower.contains("wsl2") || lower.contains("microsoft-standard") { "WSL2" } else { "WSL" };
            notes.push(format!(
                "{kind} detected (/proc/version names a Microsoft kernel): the total is the VM's memory cap, set by memory= under [wsl2] in %UserProfile%\\.wslconfig (default: 50% of the Windows host's RAM); Windows' own memory is not visible from inside"
            ));
            description = format!("sampled from this {kind} VM (sysinfo; used = total - available)");
        }
    }

    if let Some(cg) = &raw.cgroup
        && let Ok(limit) = cg.limit.trim().parse::<u64>()
        && limit < raw.total
    {
        let usage: u64 = cg.usage.trim().parse().unwrap_or(0);
        let inactive_key = if cg.version == 2 { "inactive_file" } else { "total_inactive_file" };
        let inactive =
            stat_value(&cg.stat, inactive_key).or_else(|| stat_value(&cg.stat, "inactive_file")).unwrap_or(0);
        let working_set = usage.saturating_sub(inactive);
        let file = if cg.version == 2 { "memory.max" } else { "memory.limit_in_bytes" };
        notes.push(format!(
            "cgroup v{} memory limit {} ({file} in {}) is below the host's {}: the limit is used as the total; used = usage - inactive_file = {} (the kubelet's working set)",
            cg.version,
            Bytes(limit),
            cg.dir,
            Bytes(raw.total),
            Bytes(working_set)
        ));
        total = limit;
        available = limit.saturating_sub(working_set).min(available);
        description =
            format!("sampled from this host inside a cgroup v{} limit (sysinfo + {file})", cg.version);
    }

    let used = total.saturating_sub(available);
    let cpu = if raw.cpus > 0 { cpu_used(raw) } else { None };
    if let Some((_, note)) = &cpu {
        notes.push(note.clone());
    }
    Baseline {
        kind: BaselineKind::Host,
        origin: Origin::Described(description),
        total: Bytes(total),
        used: Bytes(used),
        available: Bytes(available),
        swap: (raw.swap_total > 0).then_some((Bytes(raw.swap_total), Bytes(raw.swap_used))),
        cpu_capacity: (raw.cpus > 0).then_some(Millicores(raw.cpus * 1000)),
        cpu_used: cpu.map(|(m, _)| m),
        notes,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const GIB: u64 = 1 << 30;

    fn laptop() -> RawHost {
        RawHost {
            total: 8 * GIB,
            available: 2 * GIB,
            swap_total: 2 * GIB,
            swap_used: GIB / 2,
            cpus: 8,
            loadavg: Some("0.60 0.55 0.40 2/311 4242\n".into()),
            cpu_sample: None,
            sampled_because: None,
            proc_version: Some("Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org)".into()),
            cgroup: None,
        }
    }

    #[test]
    fn plain_host_uses_sysinfo_figures() {
        let b = to_baseline(&laptop());
        assert_eq!(b.kind, BaselineKind::Host);
        assert_eq!(b.total, Bytes(8 * GIB));
        assert_eq!(b.available, Bytes(2 * GIB));
        assert_eq!(b.used, Bytes(6 * GIB));
        assert_eq!(b.swap, Some((Bytes(2 * GIB), Bytes(GIB / 2))));
        assert_eq!(b.cpu_capacity, Some(Millicores(8000)));
        assert_eq!(b.cpu_used, Some(Millicores(600)));
        assert_eq!(b.notes, ["cpu used: 1-minute load average 0.60 of 8 cores (/proc/loadavg)"]);
    }

    #[test]
    fn detects_wsl2() {
        let mut raw = laptop();
        raw.proc_version = Some(
            "Linux version 5.15.167.4-microsoft-standard-WSL2 (root@f9c826d3017f) (gcc (GCC) 11.2.0) #1 SMP"
                .into(),
        );
        let b = to_baseline(&raw);
        assert_eq!(b.notes.len(), 2);
        assert!(b.notes[0].starts_with("WSL2 detected"), "{}", b.notes[0]);
        assert!(b.notes[0].contains(".wslconfig"));
        assert!(matches!(&b.origin, Origin::Described(d) if d.contains("WSL2 VM")));
    }

    #[test]
    fn cgroup_v2_limit_becomes_the_total() {
        let mut raw = laptop();
        raw.total = 24 * GIB;
        raw.available = 20 * GIB;
        raw.cgroup = Some(RawCgroup {
            version: 2,
            dir: "/sys/fs/cgroup".into(),
            limit: "2147483648".into(),
            usage: "1073741824".into(),
            stat: "anon 536870912\nfile 536870912\ninactive_file 268435456\nactive_file 268435456\n".into(),
        });
        let b = to_baseline(&raw);
        assert_eq!(b.total, Bytes(2 * GIB));
        // working set = 1Gi - 256Mi = 768Mi; available = 2Gi - 768Mi = 1280Mi
        assert_eq!(b.used, Bytes(768 << 20));
        assert_eq!(b.available, Bytes(1280 << 20));
        assert!(
            b.notes[0].contains("cgroup v2 memory limit 2Gi (memory.max in /sys/fs/cgroup)"),
            "{}",
            b.notes[0]
        );
        assert!(b.notes[0].contains("768Mi"));
    }

    #[test]
    fn unlimited_cgroups_are_ignored() {
        let mut raw = laptop();
        raw.cgroup =
            Some(RawCgroup { version: 2, limit: "max".into(), usage: "1".into(), ..Default::default() });
        assert_eq!(to_baseline(&raw).total, Bytes(8 * GIB));
        raw.cgroup = Some(RawCgroup {
            version: 1,
            limit: "9223372036854771712".into(),
            usage: "1".into(),
            ..Default::default()
        });
        let b = to_baseline(&raw);
        assert_eq!(b.total, Bytes(8 * GIB));
        assert_eq!(b.notes.len(), 1, "only the cpu note: {:?}", b.notes);
    }

    #[test]
    fn cgroup_v1_uses_total_inactive_file() {
        let mut raw = laptop();
        raw.cgroup = Some(RawCgroup {
            version: 1,
            dir: "/sys/fs/cgroup/memory/docker/abc".into(),
            limit: "4294967296".into(),
            usage: "3221225472".into(),
            stat: "cache 10\ninactive_file 5\ntotal_inactive_file 1073741824\n".into(),
        });
        let b = to_baseline(&raw);
        assert_eq!(b.total, Bytes(4 * GIB));
        assert_eq!(b.used, Bytes(2 * GIB));
        assert_eq!(b.available, Bytes(2 * GIB));
    }

    #[test]
    fn zero_cpu_and_swap_are_unknown() {
        let raw = RawHost { total: GIB, available: GIB, ..Default::default() };
        let b = to_baseline(&raw);
        assert_eq!(b.cpu_capacity, None);
        assert_eq!(b.cpu_used, None);
        assert!(b.notes.is_empty());
        assert_eq!(b.swap, None);
        assert_eq!(b.used, Bytes(0));
    }

    #[test]
    fn parses_proc_self_cgroup() {
        let v1 = "9:name=systemd:/\n4:memory:/process_api/484c\n0::/\n";
        assert_eq!(cgroup_paths(v1), vec![(2, "/".to_string()), (1, "/process_api/484c".to_string())]);
        assert_eq!(
            cgroup_paths("0::/user.slice/session-2.scope\n"),
            vec![(2, "/user.slice/session-2.scope".to_string())]
        );
        assert_eq!(cgroup_paths("garbage\n5:cpu,cpuacct:/x\n"), Vec::<(u8, String)>::new());
        assert_eq!(cgroup_paths("3:cpu,memory:/k\n"), vec![(1, "/k".to_string())]);
    }

    #[test]
    fn load_average_is_read_in_thousandths() {
        assert_eq!(load_millicores("0.42 0.30 0.10 1/100 7\n"), Some(420));
        assert_eq!(load_millicores("6.43 4.91 3.24 6/138 5256"), Some(6430));
        assert_eq!(load_millicores("12.5 1 1"), Some(12_500));
        assert_eq!(load_millicores("3 1 1"), Some(3000));
        assert_eq!(load_millicores("0.125 0 0"), Some(125));
        assert_eq!(load_millicores(""), None);
        assert_eq!(load_millicores("x.10 0 0"), None);
        assert_eq!(load_millicores("1.x 0 0"), None);
    }

    const STAT_BEFORE: &str = "cpu  1000 100 400 8000 500 0 0 0 50 0\ncpu0 500 50 200 4000 250 0 0 0 25 0\ncpu1 500 50 200 4000 250 0 0 0 25 0\nintr 1 2 3\nctxt 99\ncpus_fake 1\n";
    // 200 jiffies later per core: 300 busy (user 200, system 100), 100 idle across 2 cores.
    const STAT_AFTER: &str = "cpu  1200 100 500 8080 520 0 0 0 60 0\ncpu0 600 50 250 4040 260 0 0 0 30 0\ncpu1 600 50 250 4040 260 0 0 0 30 0\n";

    #[test]
    fn proc_stat_counts_cores_and_busy_time() {
        assert_eq!(stat_cpus(STAT_BEFORE), 2, "cpuN lines only");
        // busy = user + nice + system (+ irq, softirq, steal); guest is inside user.
        assert_eq!(stat_busy_total(STAT_BEFORE), Some((1500, 10_000)));
        assert_eq!(stat_busy_total(STAT_AFTER), Some((1800, 10_400)));
        // 300 busy of 400 jiffies on 2 cores = 1.5 cores.
        assert_eq!(busy_millicores(STAT_BEFORE, STAT_AFTER, 2), Some(1500));
        assert_eq!(busy_millicores(STAT_BEFORE, STAT_BEFORE, 2), None, "no time passed");
        assert_eq!(busy_millicores(STAT_AFTER, STAT_BEFORE, 2), None, "counters went backwards");
        assert_eq!(busy_millicores("intr 1\n", STAT_AFTER, 2), None);
    }

    #[test]
    fn cpu_is_measured_only_when_it_could_decide_the_verdict() {
        // 2 cores: 75% is 1500m.
        assert!(!cpu_could_decide(420, Millicores(300), 2), "0.42 + 0.3 of 2 cores");
        assert!(!cpu_could_decide(1199, Millicores(300), 2));
        assert!(cpu_could_decide(1200, Millicores(300), 2), "exactly 75%");
        assert!(cpu_could_decide(6430, Millicores(0), 2), "a saturated host");
        assert!(cpu_could_decide(0, Millicores(2000), 2), "the planned services alone fill it");
        assert!(cpu_could_decide(0, Millicores(0), 0), "no core count: measure");
    }

    #[test]
    fn a_measured_cpu_says_how_and_why() {
        let mut raw = laptop();
        raw.cpus = 2;
        raw.cpu_sample =
            Some(CpuSample::ProcStat { before: STAT_BEFORE.into(), after: STAT_AFTER.into(), millis: 200 });
        raw.sampled_because = Some("the 1-minute load average (1.20) and the planned 300m reach 75% of the 2 cores, so cpu could decide the verdict".into());
        let b = to_baseline(&raw);
        assert_eq!(b.cpu_capacity, Some(Millicores(2000)));
        assert_eq!(b.cpu_used, Some(Millicores(1500)));
        assert_eq!(
            b.notes,
            [
                "cpu used: 1.50 of 2 cores busy over 200 ms (/proc/stat), measured because the 1-minute load average (1.20) and the planned 300m reach 75% of the 2 cores, so cpu could decide the verdict"
            ]
        );
        raw.cpu_sample = Some(CpuSample::Sysinfo { millicores: 2500, millis: 200 });
        raw.sampled_because = None;
        let b = to_baseline(&raw);
        assert_eq!(b.cpu_used, Some(Millicores(2000)), "at most every core");
        assert_eq!(b.notes, ["cpu used: 2.00 of 2 cores busy over 200 ms (sysinfo)"]);
    }

    #[test]
    fn a_load_above_the_cores_counts_as_every_core_busy() {
        let mut raw = laptop();
        raw.cpus = 2;
        raw.loadavg = Some("6.43 4.91 3.24 6/138 5256\n".into());
        let b = to_baseline(&raw);
        assert_eq!(b.cpu_used, Some(Millicores(2000)));
        assert_eq!(
            b.notes,
            [
                "cpu used: 1-minute load average 6.43 of 2 cores (/proc/loadavg): more runnable tasks than cores, counted as all 2 busy"
            ]
        );
        raw.loadavg = None;
        assert_eq!(to_baseline(&raw).cpu_used, None, "nothing read, nothing claimed");
    }

    #[test]
    fn the_profile_decides_the_planned_cpu() {
        let loaded = crate::source::files::load_profile(None).unwrap();
        // The embedded profile: 6 planned agents of 50m each.
        assert_eq!(CpuNeed::for_profile(&loaded.profile), CpuNeed::Quick { planned: Millicores(300) });
    }

    #[test]
    fn sampling_this_host_is_quick() {
        let t = std::time::Instant::now();
        let raw = sample(CpuNeed::Quick { planned: Millicores(0) }).unwrap();
        let b = to_baseline(&raw);
        assert!(b.total.0 > 0);
        if raw.cpu_sample.is_none() {
            assert!(t.elapsed() < CPU_SAMPLE, "no wait without a cpu measurement: {:?}", t.elapsed());
            assert!(b.notes.iter().any(|n| n.contains("(/proc/loadavg)")), "{:?}", b.notes);
        } else {
            assert!(b.notes.iter().any(|n| n.contains("measured because")), "{:?}", b.notes);
        }
    }
}
