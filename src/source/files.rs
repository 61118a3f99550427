//! Profiles from files, standard input, or the embedded default.

use std::io::Read;
use std::path::Path;

use crate::error::InputError;
use crate::model::catalog::Catalog;
use crate::model::profile::{Profile, ProfileIssue, path_string};
use crate::yaml;

/// The default profile, embedded at build time.
pub const DEFAULT_PROFILE: &str = include_str!("../../profiles/bizosaas.yaml");
/// How the embedded default is named in reports and errors.
pub const DEFAULT_ORIGIN: &str = "<embedded profiles/bizosaas.yaml>";

/// A profile and where it came from.
#[derive(Debug, Clone)]
pub struct LoadedProfile {
    /// The profile.
    pub profile: Profile,
    /// File name, `<stdin>` or the embedded name.
    pub origin: String,
}

/// The largest profile, catalog, scenario or recording read (64 MiB): far above any real one,
/// and a bound on the memory a file (or `/dev/zero`) can make the tool use.
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// Reads at most [`MAX_FILE_BYTES`] from `r`; more is an error naming `origin`.
fn read_capped(r: impl Read, origin: &str) -> Result<Vec<u8>, InputError> {
    let mut buf = Vec::new();
    r.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(|e| InputError::Read { origin: origin.to_string(), reason: e.to_string() })?;
    if buf.len() as u64 > MAX_FILE_BYTES {
        return Err(InputError::Read {
            origin: origin.to_string(),
            reason: format!("larger than {} MiB, the limit for input files", MAX_FILE_BYTES >> 20),
        });
    }
    Ok(buf)
}

/// Loads a profile from `path` (`-` for standard input), or the embedded default.
pub fn load_profile(path: Option<&Path>) -> Result<LoadedProfile, InputError> {
    let (text, origin) = match path {
        None => (DEFAULT_PROFILE.to_string(), DEFAULT_ORIGIN.to_string()),
        Some(p) if p.as_os_str() == "-" => {
            let bytes = read_capped(std::io::stdin().lock(), "<stdin>")?;
            let s = String::from_utf8(bytes).map_err(|_| InputError::Read {
                origin: "<stdin>".into(),
                reason: "not UTF-8 text (profiles must be UTF-8)".into(),
            })?;
            (s, "<stdin>".to_string())
        }
        Some(p) => (read_text(p)?, p.display().to_string()),
    };
    let profile = parse_profile(&text, &origin)?;
    Ok(LoadedProfile { profile, origin })
}

/// Reads a text file, with an error that names the file and the reason. Only regular files
/// are read (a FIFO with no writer would block, a device never end), and at most
/// [`MAX_FILE_BYTES`].
pub fn read_text(p: &Path) -> Result<String, InputError> {
    let origin = p.display().to_string();
    let fail = |e: std::io::Error| InputError::Read {
        origin: origin.clone(),
        reason: match e.kind() {
            std::io::ErrorKind::NotFound => "file not found".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            std::io::ErrorKind::IsADirectory => "is a directory, not a file".to_string(),
            _ => e.to_string(),
        },
    };
    // The kind first, without opening: opening a FIFO blocks until a writer appears.
    let meta = std::fs::metadata(p).map_err(fail)?;
    if meta.is_dir() {
        return Err(InputError::Read { origin, reason: "is a directory, not a file".into() });
    }
    if !meta.is_file() {
        return Err(InputError::Read {
            origin,
            reason: "not a regular file (a FIFO, socket or device); use - to read standard input".into(),
        });
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(InputError::Read {
            origin,
            reason: format!("larger than {} MiB, the limit for input files", MAX_FILE_BYTES >> 20),
        });
    }
    let bytes = read_capped(std::fs::File::open(p).map_err(fail)?, &origin)?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = valid.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
        InputError::Read {
            origin: format!("{}:{line}:{column}", p.display()),
            reason: "not UTF-8 text (profiles must be UTF-8)".to_string(),
        }
    })
}

/// Parses and validates a profile; no I/O.
pub fn parse_profile(text: &str, origin: &str) -> Result<Profile, InputError> {
    parse_validated(text, origin, Profile::validate)
}

/// The tier catalog, embedded at build time.
pub const DEFAULT_TIERS: &str = include_str!("../../profiles/tiers.yaml");
/// How the embedded catalog is named in reports and errors.
pub const DEFAULT_TIERS_ORIGIN: &str = "<embedded profiles/tiers.yaml>";

/// Loads the tier catalog from `path`, or the embedded default.
pub fn load_catalog(path: Option<&Path>) -> Result<(Catalog, String), InputError> {
    let (text, origin) = match path {
        None => (DEFAULT_TIERS.to_string(), DEFAULT_TIERS_ORIGIN.to_string()),
        Some(p) => (read_text(p)?, p.display().to_string()),
    };
    Ok((parse_catalog(&text, &origin)?, origin))
}

/// Parses and validates a tier catalog; no I/O.
pub fn parse_catalog(text: &str, origin: &str) -> Result<Catalog, InputError> {
    parse_validated(text, origin, Catalog::validate)
}

/// Loads a what-if scenario file (`--scenario`).
pub fn load_scenario(path: &Path) -> Result<crate::model::changes::Scenario, InputError> {
    let text = read_text(path)?;
    parse_scenario(&text, &path.display().to_string())
}

/// Parses and validates a what-if scenario; no I/O.
pub fn parse_scenario(text: &str, origin: &str) -> Result<crate::model::changes::Scenario, InputError> {
    parse_validated(text, origin, crate::model::changes::Scenario::validate)
}

/// Parses a document, then runs the semantic checks and locates each problem in the text.
fn parse_validated<T: serde::de::DeserializeOwned>(
    text: &str,
    origin: &str,
    validate: impl Fn(&T) -> Vec<ProfileIssue>,
) -> Result<T, InputError> {
    let value: T = yaml::from_str(text, origin).map_err(InputError::Yaml)?;
    let issues = validate(&value);
    if issues.is_empty() {
        return Ok(value);
    }
    let lines = issues
        .iter()
        .map(|i| {
            let at = yaml::locate(text, &i.path).map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default();
            format!("{origin}{at}: {}: {}", path_string(&i.path), i.message)
        })
        .collect();
    Err(InputError::Invalid { lines })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::quantity::Bytes;

    #[test]
    fn embedded_profile_is_valid_and_matches_the_analysis() {
        let p = parse_profile(DEFAULT_PROFILE, DEFAULT_ORIGIN).unwrap();
        assert_eq!(p.deployed().count(), 12);
        assert_eq!(p.planned().count(), 6);
        let current: u64 = p.deployed().map(|s| s.memory_total().0).sum();
        let planned: u64 = p.planned().map(|s| s.memory_total().0).sum();
        assert_eq!(Bytes(current), Bytes::from_mib(600));
        assert_eq!(Bytes(planned), Bytes::from_mib(330));
        let largest = p.deployed().max_by_key(|s| s.memory.typical).unwrap();
        assert_eq!(
            (largest.name.as_str(), largest.memory.typical),
            ("bizosaas-backend-simple", Bytes::from_mib(119))
        );
        let vault = p.services.iter().find(|s| s.name == "vault-simple").unwrap();
        assert_eq!(vault.memory.typical, Bytes::from_mib(43));
        for s in p.deployed().filter(|s| s.name != "bizosaas-backend-simple" && s.name != "vault-simple") {
            assert!((38..=50).contains(&(s.memory.typical.0 >> 20)), "{} is {}", s.name, s.memory.typical);
        }
        let ports: Vec<(u16, u64)> =
            p.planned().map(|s| (s.port.unwrap(), s.memory.typical.0 >> 20)).collect();
        assert_eq!(ports, vec![(30311, 50), (30312, 60), (30313, 55), (30314, 45), (30315, 50), (30316, 70)]);
        let h = p.host.as_ref().unwrap();
        assert_eq!(h.total, Bytes(8_267_812_045)); // 7.7Gi rounded up to a whole byte
        assert_eq!(h.used, Bytes(5_905_580_032)); // 5.5Gi
        assert_eq!(h.available, Bytes(2_040_109_466)); // 1.9Gi rounded up
    }

    #[test]
    fn profiles_serialize_back_to_the_same_profile() {
        let p = parse_profile(DEFAULT_PROFILE, DEFAULT_ORIGIN).unwrap();
        let text = crate::yaml::to_string(&p).unwrap();
        assert!(text.contains("typical: 119Mi"), "{text}");
        assert!(text.contains("warnUsedPercent: 70"), "{text}");
        assert!(text.contains("system: '12.5'") || text.contains("system: \"12.5\""), "{text}");
        assert_eq!(parse_profile(&text, "round-trip").unwrap(), p);
    }

    #[test]
    fn embedded_catalog_is_valid() {
        let c = parse_catalog(DEFAULT_TIERS, DEFAULT_TIERS_ORIGIN).unwrap();
        let names: Vec<&str> = c.tiers.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "minimum-production",
                "recommended-production",
                "strategy-1-single-node",
                "strategy-2-balanced",
                "strategy-3-multi-node-ha"
            ]
        );
        let ha = &c.tiers[4];
        assert!(ha.ha);
        let sizes: Vec<(u32, u64)> = ha.nodes.iter().map(|n| (n.vcpus, n.memory.0 >> 30)).collect();
        assert_eq!(sizes, vec![(8, 16), (6, 12), (4, 8), (2, 4)]);
        let total: u64 = ha.nodes.iter().map(|n| n.price.as_ref().unwrap().cents).sum();
        assert_eq!(total, 20_000, "$80 + $60 + $40 + $20 = $200");
        assert_eq!(c.plans.len(), 68);
        for p in ["digitalocean", "linode", "vultr", "hetzner"] {
            assert!(c.plans.iter().any(|x| x.provider == p), "{p}");
        }
        assert!(c.plans.iter().all(|p| p.source.is_some() && p.date.is_some() && p.confidence.is_some()));
    }

    #[test]
    fn bad_catalogs_name_the_field() {
        let e = parse_catalog("tiers:\n  - name: t\n    price: \"4O USD\"\n    nodes: []\n", "t.yaml")
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.yaml:3:12: tiers[0].price: invalid price \"4O USD\": expected a non-negative amount such as 48 or 31.49"
        );
        let e = parse_catalog(
            "tiers:\n  - name: t\n    price: 40\n    reservation: {model: openshift}\n    nodes: [{name: a, vcpus: 1, memory: 1Gi}]\n",
            "t.yaml",
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("t.yaml:4:"), "{e}");
        assert!(e.contains("tiers[0].reservation") && e.contains("openshift"), "{e}");
        let e = parse_catalog(
            "plans:\n  - {provider: x, plan: y, vcpus: 1, memory: 1Gi, price: \"5 GBP\"}\n",
            "t.yaml",
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "t.yaml:2:58: plans[0].price: price 5.00 GBP is in GBP but exchangeRates has no rate for it (known: USD)"
        );
    }

    #[test]
    fn duplicate_names_are_located() {
        let text = "name: x\nservices:\n  - name: a\n    group: core\n    status: deployed\n    memory: {typical: 1Mi}\n  - name: a\n    group: core\n    status: planned\n    memory: {typical: 2Mi}\n";
        let e = parse_profile(text, "dup.yaml").unwrap_err().to_string();
        assert_eq!(
            e,
            "dup.yaml:7:11: services[1].name: duplicate service name \"a\" (first defined at services[0])"
        );
    }
}
