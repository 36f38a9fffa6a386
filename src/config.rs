//! Settings: embedded defaults < TOML file < `FRONTDESK_*` environment < command-line flags.
//!
//! Everything is parsed and validated here, before any port is bound or file is opened, so a bad
//! setting stops the service at start with an error that names the key.

use crate::phone::Region;
use crate::schedule::hours::WeeklyHours;
use chrono::NaiveDate;
use chrono_tz::Tz;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use ipnet::IpNet;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;

mod features;
mod http;
mod media;
mod notify;
mod retention;
mod sip;
pub use features::Features;
mod speech;
mod storage;
mod workspace;
pub use http::{HostPattern, Http, split_host};
pub use media::{DEFAULT_WORKER_NICE, Media};
pub use notify::{Email, Notify, Webhook};
pub use retention::Retention;
pub use sip::Sip;
pub use speech::{Engine as SpeechEngine, Speech};
pub use storage::{Storage, StorageKind};
pub use workspace::Workspace;

/// Top-level keys that may come from `FRONTDESK_<KEY>` (nested ones as `FRONTDESK_COMPANY__NAME`).
const ENV_KEYS: &[&str] = &[
    "database_url",
    "data_dir",
    "sip_listen",
    "rtp_ports",
    "http_listen",
    "prompts_dir",
    "node_id",
    "company",
    "clients",
    "callbacks",
    "pbx",
    "sip",
    "calls",
    "routing",
    "flow",
    "http",
    "retention",
    "media",
    "features",
    "storage",
    "workspace",
    "speech",
    "notify",
];

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Parse and type errors; figment's message names the key and the source (file or env).
    #[error("configuration: {0}")]
    Invalid(Box<figment::Error>),
    #[error("configuration: {key}: {message}")]
    Key { key: &'static str, message: String },
    #[error("configuration: {0}")]
    Flow(#[from] crate::flow::FlowConfigError),
    #[error("configuration file {0} does not exist")]
    MissingFile(PathBuf),
}

/// Values given on the command line; they win over everything else.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sip_listen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rtp_ports: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_listen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompts_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `sqlite://…` or `postgres://…`; when absent, `sqlite://<data_dir>/frontdesk.db`.
    pub database_url: Option<String>,
    pub data_dir: PathBuf,
    pub sip_listen: SocketAddr,
    pub rtp_ports: PortRange,
    pub http_listen: SocketAddr,
    pub prompts_dir: PathBuf,
    /// Names this node in claims and logs; defaults to the host name.
    pub node_id: Option<String>,
    pub company: Company,
    pub clients: Clients,
    pub callbacks: Callbacks,
    pub pbx: Pbx,
    pub sip: Sip,
    pub calls: Calls,
    pub routing: Routing,
    /// The call flow (menus, keys, timeouts); see docs/call-flow.md.
    pub flow: crate::flow::FlowConfig,
    /// Proxies believed, host names answered to, sign-in and recording limits.
    pub http: Http,
    /// How long call data, recordings and the audit log are kept (default: for ever).
    pub retention: Retention,
    pub media: Media,
    /// Transfer and recording keys an agent uses from their phone.
    pub features: Features,
    /// Where finished recordings are kept: the node's directory, or S3-compatible storage.
    pub storage: Storage,
    /// What the agent's page offers (away reasons, disposition codes).
    pub workspace: Workspace,
    /// The speech engine for announcements rendered from the configuration.
    #[serde(default)]
    pub speech: Speech,
    /// Webhooks told about events (a second channel to the client through a CRM or SMS gateway).
    #[serde(default)]
    pub notify: Notify,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Company {
    pub name: String,
    #[serde(with = "tz_serde")]
    pub time_zone: Tz,
    #[serde(with = "region_serde")]
    pub default_region: Region,
    pub hours: WeeklyHours,
    pub holidays: Vec<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clients {
    pub default_hours: WeeklyHours,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Callbacks {
    pub sla_working_hours: u32,
    pub min_delay_minutes: u32,
    pub max_attempts: u32,
    pub retry_after_minutes: u32,
    /// Length of the window promised to the client ("between 10:05 and 10:35").
    pub slot_minutes: u32,
    /// A callback owned by a named agent (a VIP's consultant, a request passed to a person) waits
    /// this long after its slot opens for that agent, then goes to any free agent.
    pub owner_wait_minutes: u32,
    /// Dial due callbacks from this node. Several nodes on one PostgreSQL share the work.
    pub dispatch: bool,
    /// How long the client's phone rings before the attempt counts as not answered.
    pub client_ring_seconds: u64,
    /// A claimed callback is this node's while it renews the lease; a node that dies stops
    /// renewing, and another node takes the callback once the lease has run out.
    pub lease_seconds: u64,
    /// The number the client sees (From user part and P-Asserted-Identity). Unset: the PBX
    /// username in register mode, else `frontdesk`.
    pub caller_id: Option<String>,
}

/// Call handling limits and timings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calls {
    /// Ring this long before answering (lets the PBX play ringback; 0 answers at once).
    pub answer_after_ms: u64,
    /// No RTP from the caller for this long ends the call (hold excepted).
    pub rtp_timeout_seconds: u64,
    /// No RTP from an agent's or a callback client's phone for this long ends that leg; never
    /// while the leg is held, either way.
    pub leg_rtp_timeout_seconds: u64,
    /// Above this many calls in progress a new INVITE gets 503 with Retry-After.
    pub max_concurrent: usize,
    /// New calls accepted per second (a burst of one second's worth); above it, 503.
    pub max_new_per_second: u32,
}

/// How queued callers reach agents.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Routing {
    /// An agent who does not answer within this is released and the caller tries the next one.
    pub ring_timeout_seconds: u64,
    /// A VIP rings only their consultant for this long, then any agent.
    pub vip_ring_seconds: u64,
    /// After a call the agent gets this long before the next one rings.
    pub wrap_up_seconds: u64,
    /// Queue priority of VIP callers (others are 0; higher goes first).
    pub vip_priority: i32,
    /// Send agent INVITEs through `[pbx] outbound_proxy` instead of straight to the agent URI.
    pub agents_via_proxy: bool,
    /// Queue callers even when every agent is away (they wait for one to come back); by default
    /// such a caller is offered a callback at once.
    pub join_when_all_away: bool,
    /// A call answered within this many seconds of joining the queue counts for the service
    /// level the wallboard shows.
    pub service_level_seconds: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PbxMode {
    Trunk,
    Register,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pbx {
    pub mode: PbxMode,
    pub trunk_sources: Vec<IpNet>,
    pub outbound_proxy: Option<String>,
    pub registrar: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    /// Registration lifetime asked of the registrar, in seconds.
    pub register_expires: u32,
    /// Whose P-Asserted-Identity is believed (CIDRs). Unset: the trunk sources (and the
    /// registrar). From anyone else the caller is the From user part; both are kept on the row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust_identity_from: Option<Vec<IpNet>>,
}

/// An inclusive UDP port range such as `20000-20999`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortRange {
    pub first: u16,
    pub last: u16,
}

impl FromStr for PortRange {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (a, b) = s
            .split_once('-')
            .ok_or_else(|| format!("expected FIRST-LAST, got {s:?}"))?;
        let first: u16 = a
            .trim()
            .parse()
            .map_err(|_| format!("bad port {:?} in {s:?}", a.trim()))?;
        let last: u16 = b
            .trim()
            .parse()
            .map_err(|_| format!("bad port {:?} in {s:?}", b.trim()))?;
        if first == 0 || last < first {
            return Err(format!("empty or reversed range {s:?}"));
        }
        Ok(PortRange { first, last })
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.first, self.last)
    }
}

impl Serialize for PortRange {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PortRange {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

mod tz_serde {
    use chrono_tz::Tz;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(tz: &Tz, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(tz.name())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Tz, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(|_| {
            serde::de::Error::custom(format!("unknown time zone {s:?} (IANA name expected)"))
        })
    }
}

mod region_serde {
    use crate::phone::Region;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(r: &Region, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&r.code())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Region, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl Default for Config {
    fn default() -> Self {
        let office = |s: &str| {
            s.parse::<WeeklyHours>()
                .unwrap_or_else(|_| WeeklyHours::always())
        };
        Config {
            database_url: None,
            data_dir: PathBuf::from("./data"),
            sip_listen: SocketAddr::from(([0, 0, 0, 0], 5060)),
            rtp_ports: PortRange {
                first: 20000,
                last: 20999,
            },
            http_listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            prompts_dir: PathBuf::from("./prompts"),
            node_id: None,
            company: Company {
                name: "Example Ltd".into(),
                time_zone: chrono_tz::Europe::Vilnius,
                default_region: Region::LITHUANIA,
                hours: office("Mon-Fri 09:00-18:00"),
                holidays: Vec::new(),
            },
            clients: Clients {
                default_hours: office("Mon-Fri 09:00-18:00"),
            },
            callbacks: Callbacks {
                sla_working_hours: 8,
                min_delay_minutes: 5,
                max_attempts: 3,
                retry_after_minutes: 30,
                owner_wait_minutes: 30,
                slot_minutes: 30,
                dispatch: true,
                client_ring_seconds: 30,
                lease_seconds: 30,
                caller_id: None,
            },
            pbx: Pbx {
                mode: PbxMode::Trunk,
                trunk_sources: vec!["127.0.0.0/8".parse().expect("constant CIDR")],
                outbound_proxy: Some("127.0.0.1:5070".into()),
                registrar: None,
                username: None,
                password: None,
                register_expires: 300,
                trust_identity_from: None,
            },
            sip: Sip::default(),
            calls: Calls {
                answer_after_ms: 0,
                rtp_timeout_seconds: 30,
                leg_rtp_timeout_seconds: 60,
                max_concurrent: 2000,
                max_new_per_second: 1000,
            },
            routing: Routing {
                ring_timeout_seconds: 15,
                vip_ring_seconds: 20,
                wrap_up_seconds: 10,
                vip_priority: 10,
                agents_via_proxy: false,
                join_when_all_away: false,
                service_level_seconds: 20,
            },
            flow: crate::flow::FlowConfig::default(),
            http: Http::default(),
            retention: Retention::default(),
            media: Media::default(),
            features: Features::default(),
            storage: Storage::default(),
            workspace: Workspace::default(),
            speech: Speech::default(),
            notify: Notify::default(),
        }
    }
}

impl Config {
    /// Loads the configuration with the contract's precedence: flag > environment > file > default.
    pub fn load(file: Option<&Path>, flags: &Overrides) -> Result<Config, ConfigError> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            if !path.exists() {
                return Err(ConfigError::MissingFile(path.to_path_buf()));
            }
            fig = fig.merge(Toml::file(path));
        }
        let env = Env::prefixed("FRONTDESK_").split("__").filter(|k| {
            let key = k.as_str().to_ascii_lowercase();
            let top = key.split(['.']).next().unwrap_or_default();
            let top = top.split("__").next().unwrap_or_default();
            ENV_KEYS.contains(&top)
        });
        fig = fig.merge(env).merge(Serialized::defaults(flags));
        let cfg: Config = fig
            .extract()
            .map_err(|e| ConfigError::Invalid(Box::new(e)))?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks that cannot be expressed in types: relations between keys.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.company.hours.is_empty() {
            return Err(ConfigError::Key {
                key: "company.hours",
                message: "the company has no working hours; callbacks could never be planned"
                    .into(),
            });
        }
        if self.company.name.trim().is_empty() {
            return Err(ConfigError::Key {
                key: "company.name",
                message: "must not be empty (it is spoken in the greeting)".into(),
            });
        }
        if !(-20..=19).contains(&self.media.worker_nice()) {
            return Err(ConfigError::Key {
                key: "media.worker_nice",
                message: "a nice value is between -20 and 19".into(),
            });
        }
        if self.callbacks.sla_working_hours == 0 {
            return Err(ConfigError::Key {
                key: "callbacks.sla_working_hours",
                message: "must be at least 1".into(),
            });
        }
        if self.callbacks.slot_minutes == 0 {
            return Err(ConfigError::Key {
                key: "callbacks.slot_minutes",
                message: "must be at least 1".into(),
            });
        }
        if self.callbacks.max_attempts == 0 {
            return Err(ConfigError::Key {
                key: "callbacks.max_attempts",
                message: "must be at least 1".into(),
            });
        }
        if self.callbacks.lease_seconds < 3 {
            return Err(ConfigError::Key {
                key: "callbacks.lease_seconds",
                message: "must be at least 3 (the lease is renewed every third of it)".into(),
            });
        }
        if self.callbacks.client_ring_seconds == 0 {
            return Err(ConfigError::Key {
                key: "callbacks.client_ring_seconds",
                message: "must be at least 1".into(),
            });
        }
        if let Some(id) = &self.callbacks.caller_id
            && (id.is_empty() || !id.chars().all(|c| c.is_ascii_digit() || c == '+'))
        {
            return Err(ConfigError::Key {
                key: "callbacks.caller_id",
                message: format!("{id:?} is not a phone number (digits, an optional leading +)"),
            });
        }
        self.flow.validate()?;
        self.http.validate()?;
        if self.calls.max_new_per_second == 0 {
            return Err(ConfigError::Key {
                key: "calls.max_new_per_second",
                message: "must be at least 1".into(),
            });
        }
        self.sip.validate()?;
        self.retention.validate()?;
        self.features.validate()?;
        self.storage.validate()?;
        self.notify.validate()?;
        self.workspace.validate()?;
        if !(1..=300).contains(&self.routing.ring_timeout_seconds) {
            return Err(ConfigError::Key {
                key: "routing.ring_timeout_seconds",
                message: "must be between 1 and 300".into(),
            });
        }
        if self.routing.vip_ring_seconds > 300 {
            return Err(ConfigError::Key {
                key: "routing.vip_ring_seconds",
                message: "must be at most 300".into(),
            });
        }
        if self.calls.rtp_timeout_seconds == 0 {
            return Err(ConfigError::Key {
                key: "calls.rtp_timeout_seconds",
                message: "must be at least 1".into(),
            });
        }
        if self.calls.leg_rtp_timeout_seconds == 0 {
            return Err(ConfigError::Key {
                key: "calls.leg_rtp_timeout_seconds",
                message: "must be at least 1".into(),
            });
        }
        if self.rtp_ports.last - self.rtp_ports.first < 1 {
            return Err(ConfigError::Key {
                key: "rtp_ports",
                message: "needs at least two ports (RTP and RTCP)".into(),
            });
        }
        if let Some(url) = &self.database_url
            && !(url.starts_with("sqlite:")
                || url.starts_with("postgres:")
                || url.starts_with("postgresql:"))
        {
            return Err(ConfigError::Key {
                key: "database_url",
                message: format!("{url:?}: expected sqlite://… or postgres://…"),
            });
        }
        if self.pbx.mode == PbxMode::Register {
            for (key, v) in [
                ("pbx.registrar", &self.pbx.registrar),
                ("pbx.username", &self.pbx.username),
                ("pbx.password", &self.pbx.password),
            ] {
                if v.as_deref().is_none_or(str::is_empty) {
                    return Err(ConfigError::Key {
                        key,
                        message: "required when pbx.mode = \"register\"".into(),
                    });
                }
            }
        }
        Ok(())
    }

    /// The database URL in force: the explicit one, or the SQLite file under `data_dir`.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.join("frontdesk.db").display()),
        }
    }

    /// Rendered speech, by hash of engine, voice and text (see `speech::cache`).
    pub fn speech_cache_dir(&self) -> PathBuf {
        self.data_dir.join("speech")
    }

    pub fn recordings_dir(&self) -> PathBuf {
        self.data_dir.join("recordings")
    }

    /// This node's name, for logs and callback claims.
    pub fn node_name(&self) -> String {
        self.node_id.clone().unwrap_or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .map(|s| s.trim().to_string())
                .ok()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "frontdesk".into())
        })
    }
}

#[cfg(test)]
mod tests;
