#![allow(clippy::result_large_err)] // figment::Jail closures return figment::Error, which is large by design

use super::*;
use figment::Jail;

fn load(jail_file: Option<&str>, flags: &Overrides) -> Result<Config, ConfigError> {
    Config::load(jail_file.map(Path::new), flags)
}

#[test]
fn embedded_defaults_match_the_contract() {
    Jail::expect_with(|_jail| {
        let c = load(None, &Overrides::default()).unwrap();
        assert_eq!(c.database_url(), "sqlite://./data/frontdesk.db");
        assert_eq!(c.recordings_dir(), PathBuf::from("./data/recordings"));
        assert_eq!(c.sip_listen.to_string(), "0.0.0.0:5060");
        assert_eq!(c.rtp_ports.to_string(), "20000-20999");
        assert_eq!(c.http_listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.prompts_dir, PathBuf::from("./prompts"));
        assert_eq!(c.callbacks.sla_working_hours, 8);
        assert_eq!(c.callbacks.min_delay_minutes, 5);
        assert_eq!(c.callbacks.max_attempts, 3);
        assert_eq!(c.callbacks.retry_after_minutes, 30);
        assert_eq!(c.pbx.mode, PbxMode::Trunk);
        Ok(())
    });
}

#[test]
fn flag_beats_env_beats_file_beats_default() {
    Jail::expect_with(|jail| {
        jail.create_file(
            "f.toml",
            r#"
            http_listen = "127.0.0.1:9001"
            sip_listen = "127.0.0.1:5061"
            prompts_dir = "/from/file"
            [company]
            name = "Acme"
            time_zone = "America/New_York"
            default_region = "US"
            hours = "Mon-Fri 08:00-17:00"
            holidays = ["2026-12-25"]
            [callbacks]
            min_delay_minutes = 15
            "#,
        )?;
        jail.set_env("FRONTDESK_HTTP_LISTEN", "127.0.0.1:9002");
        jail.set_env("FRONTDESK_SIP_LISTEN", "127.0.0.1:5062");
        jail.set_env("FRONTDESK_CALLBACKS__MAX_ATTEMPTS", "5");
        let flags = Overrides {
            http_listen: Some("127.0.0.1:9003".into()),
            ..Default::default()
        };
        let c = load(Some("f.toml"), &flags).unwrap();
        assert_eq!(c.http_listen.to_string(), "127.0.0.1:9003", "flag wins");
        assert_eq!(c.sip_listen.to_string(), "127.0.0.1:5062", "env beats file");
        assert_eq!(
            c.prompts_dir,
            PathBuf::from("/from/file"),
            "file beats default"
        );
        assert_eq!(c.rtp_ports.to_string(), "20000-20999", "default stays");
        assert_eq!(c.company.name, "Acme");
        assert_eq!(c.company.time_zone, chrono_tz::America::New_York);
        assert_eq!(c.company.default_region.code(), "US");
        assert_eq!(c.company.holidays.len(), 1);
        assert_eq!(c.callbacks.min_delay_minutes, 15);
        assert_eq!(c.callbacks.max_attempts, 5);
        assert_eq!(
            c.callbacks.sla_working_hours, 8,
            "untouched keys keep defaults"
        );
        Ok(())
    });
}

#[test]
fn unrelated_environment_is_ignored() {
    Jail::expect_with(|jail| {
        jail.set_env("FRONTDESK_LOG", "debug");
        assert!(load(None, &Overrides::default()).is_ok());
        Ok(())
    });
}

/// The error message must name the bad key so the administrator knows what to fix.
fn error_of(toml: &str) -> String {
    let mut out = String::new();
    Jail::expect_with(|jail| {
        jail.create_file("bad.toml", toml)?;
        out = load(Some("bad.toml"), &Overrides::default())
            .unwrap_err()
            .to_string();
        Ok(())
    });
    out
}

#[test]
fn bad_values_name_their_key() {
    let e = error_of("[company]\ntime_zone = \"Europe/Vilnus\"\n");
    assert!(
        e.contains("company.time_zone") && e.contains("Europe/Vilnus"),
        "{e}"
    );

    let e = error_of("[company]\nhours = \"Mon-Fri 09:00-25:00\"\n");
    assert!(e.contains("company.hours"), "{e}");

    let e = error_of("[company]\ndefault_region = \"XX\"\n");
    assert!(e.contains("company.default_region"), "{e}");

    let e = error_of("rtp_ports = \"20999-20000\"\n");
    assert!(e.contains("rtp_ports"), "{e}");

    let e = error_of("[callbacks]\nmax_atempts = 3\n");
    assert!(e.contains("max_atempts"), "{e}");

    let e = error_of("[pbx]\ntrunk_sources = [\"10.0.0.0/33\"]\n");
    assert!(e.contains("pbx.trunk_sources"), "{e}");

    let e = error_of("database_url = \"mysql://x\"\n");
    assert!(e.contains("database_url"), "{e}");

    let e = error_of("[company]\nholidays = [\"2026-02-30\"]\n");
    assert!(e.contains("company.holidays"), "{e}");
}

#[test]
fn bad_environment_names_the_variable_key() {
    Jail::expect_with(|jail| {
        jail.set_env("FRONTDESK_HTTP_LISTEN", "not-an-address");
        let e = load(None, &Overrides::default()).unwrap_err().to_string();
        assert!(e.to_ascii_lowercase().contains("http_listen"), "{e}");
        Ok(())
    });
}

#[test]
fn register_mode_needs_credentials() {
    let e = error_of("[pbx]\nmode = \"register\"\nregistrar = \"127.0.0.1:5060\"\n");
    assert!(e.contains("pbx.username"), "{e}");
}

#[test]
fn missing_file_is_an_error() {
    Jail::expect_with(|_jail| {
        let e = load(Some("nope.toml"), &Overrides::default()).unwrap_err();
        assert!(matches!(e, ConfigError::MissingFile(_)));
        Ok(())
    });
}

#[test]
fn http_defaults_trust_no_proxy_and_limit_sign_ins() {
    let h = Config::default().http;
    assert!(h.trusted_proxies.is_empty());
    assert!(h.allowed_hosts.is_empty());
    assert_eq!(h.failures_per_address, 20);
    assert_eq!(h.failures_per_account, 10);
    assert_eq!(h.verify_concurrency, 4);
    assert_eq!(h.token_cache_seconds, 60);
    assert_eq!(h.recording_requests_per_minute, 120);
}

#[test]
fn http_keys_come_from_file_and_environment() {
    Jail::expect_with(|jail| {
        jail.create_file(
            "f.toml",
            r#"
            [http]
            allowed_hosts = ["Frontdesk.Example.com", "10.0.0.5:8080", "[::1]:9000", "*"]
            failures_per_account = 5
            "#,
        )?;
        jail.set_env("FRONTDESK_HTTP__TRUSTED_PROXIES", "[\"10.0.0.0/8\"]");
        let c = load(Some("f.toml"), &Overrides::default()).unwrap();
        assert_eq!(c.http.trusted_proxies, vec!["10.0.0.0/8".parse().unwrap()]);
        assert_eq!(
            c.http.allowed_hosts,
            vec![
                HostPattern::Host {
                    host: "frontdesk.example.com".into(),
                    port: None
                },
                HostPattern::Host {
                    host: "10.0.0.5".into(),
                    port: Some(8080)
                },
                HostPattern::Host {
                    host: "[::1]".into(),
                    port: Some(9000)
                },
                HostPattern::Any,
            ]
        );
        assert_eq!(c.http.failures_per_account, 5);
        assert_eq!(
            c.http.failures_per_address, 20,
            "untouched keys keep defaults"
        );
        Ok(())
    });
}

#[test]
fn bad_http_values_name_their_key() {
    let e = error_of("[http]\nallowed_hosts = [\"https://frontdesk.example.com/\"]\n");
    assert!(e.contains("http.allowed_hosts"), "{e}");
    let e = error_of("[http]\ntrusted_proxies = [\"10.0.0.0/40\"]\n");
    assert!(e.contains("http.trusted_proxies"), "{e}");
    let e = error_of("[http]\nverify_concurrency = 0\n");
    assert!(e.contains("http.verify_concurrency"), "{e}");
    let e = error_of("[http]\nfailures_per_address = 0\n");
    assert!(e.contains("http.failures_per_address"), "{e}");
}

#[test]
fn host_values_split_into_name_and_port() {
    assert_eq!(
        split_host("LocalHost:8080"),
        Some(("localhost".into(), Some(8080)))
    );
    assert_eq!(
        split_host("example.com."),
        Some(("example.com".into(), None))
    );
    assert_eq!(
        split_host("example.com:"),
        Some(("example.com".into(), None))
    );
    assert_eq!(split_host("[::1]:80"), Some(("[::1]".into(), Some(80))));
    assert_eq!(split_host("[::1]"), Some(("[::1]".into(), None)));
    for bad in [
        "",
        "user@example.com",
        "example.com/x",
        "example.com:99999",
        "example.com:x",
        "exa mple.com",
        "a\\b",
    ] {
        assert_eq!(split_host(bad), None, "{bad:?}");
    }
}

#[test]
fn sip_limits_must_be_positive_and_name_their_key() {
    let e = error_of("[sip]\ntracked_sources = 0\n");
    assert!(e.contains("sip.tracked_sources"), "{e}");
    let e = error_of("[sip]\nrequests_per_second_per_source = 0\n");
    assert!(e.contains("sip.requests_per_second_per_source"), "{e}");
    let e = error_of("[pbx]\ntrust_identity_from = [\"10.0.0.0/33\"]\n");
    assert!(e.contains("trust_identity_from"), "{e}");
}
