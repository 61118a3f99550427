//! The local host: memory, swap and cpu through sysinfo, plus the facts sysinfo does not give
//! (WSL2, cgroup memory limits). `sample` does the reading; [`to_baseline`] is a pure
//! conversion, unit-tested on recorded inputs.

use crate::error::Unreachable;
use crate::model::baseline::{Baseline, BaselineKind, Origin};
use crate::model::quantity::{Bytes, Millicores};

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
    /// CPU in use over the sampling interval, millicores.
    pub cpu_used_millicores: u64,
    /// Contents of /proc/version, if readable.
    pub proc_version: Option<String>,
    /// The memory cgroup of this process, if one applies.
    pub cgroup: Option<RawCgroup>,
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

/// Reads the host. Takes about a quarter of a second (cpu usage needs two readings).
pub fn sample() -> Result<RawHost, Unreachable> {
    use sysinfo::{CpuRefreshKind, MemoryRefreshKind, RefreshKind, System};
    let refresh = RefreshKind::nothing()
        .with_memory(MemoryRefreshKind::everything())
        .with_cpu(CpuRefreshKind::nothing().with_usage());
    let mut sys = System::new_with_specifics(refresh).map_err(|e| {
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
    std::thread::sleep(sysinfo::MINIMUM_CPU_UPDATE_INTERVAL.max(std::time::Duration::from_millis(200)));
    sys.refresh_cpu_usage();
    let cpus = sys.cpus().len() as u64;
    // sysinfo reports a float percentage of all cpus; it is converted once, here, to millicores.
    let usage = f64::from(sys.global_cpu_usage()).clamp(0.0, 100.0);
    let cpu_used_millicores = (usage * cpus as f64 * 10.0).round() as u64;
    Ok(RawHost {
        total: sys.total_memory(),
        available: sys.available_memory(),
        swap_total: sys.total_swap(),
        swap_used: sys.used_swap(),
        cpus,
        cpu_used_millicores,
        proc_version: std::fs::read_to_string("/proc/version").ok(),
        cgroup: read_cgroup(),
    })
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
    Baseline {
        kind: BaselineKind::Host,
        origin: Origin::Described(description),
        total: Bytes(total),
        used: Bytes(used),
        available: Bytes(available),
        swap: (raw.swap_total > 0).then_some((Bytes(raw.swap_total), Bytes(raw.swap_used))),
        cpu_capacity: (raw.cpus > 0).then_some(Millicores(raw.cpus * 1000)),
        cpu_used: (raw.cpus > 0).then_some(Millicores(raw.cpu_used_millicores)),
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
            cpu_used_millicores: 600,
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
        assert!(b.notes.is_empty());
    }

    #[test]
    fn detects_wsl2() {
        let mut raw = laptop();
        raw.proc_version = Some(
            "Linux version 5.15.167.4-microsoft-standard-WSL2 (root@f9c826d3017f) (gcc (GCC) 11.2.0) #1 SMP"
                .into(),
        );
        let b = to_baseline(&raw);
        assert_eq!(b.notes.len(), 1);
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
        assert!(b.notes.is_empty());
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
}
