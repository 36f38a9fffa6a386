//! The `[flow]` table: parsing, validation messages, and that it really drives the call.

use super::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct File {
    flow: FlowConfig,
}

fn parse(text: &str) -> FlowConfig {
    toml::from_str::<File>(text).unwrap().flow
}

#[test]
fn defaults_are_the_contract_and_valid() {
    let config = FlowConfig::default();
    config.validate().unwrap();
    assert_eq!(config.default_language, Lang::En);
    assert_eq!(config.menu_timeout_ms, 5_000);
    assert_eq!(config.menu_retries, 2);
    assert_eq!(config.no_input, Choice::Agent);
    assert_eq!(config.keys.get(&'9'), Some(&Choice::Dnc));
    assert_eq!(config.keys.get(&'*'), Some(&Choice::Repeat));
    assert_eq!(config.language_keys.get(&'3'), Some(&Lang::Uk));
    assert_eq!(config.greeting, ["greeting", "recording_notice"]);
    assert_eq!(parse(""), config);
    assert_eq!(parse("[flow]\n"), config);
    assert!(config.prompt_names().contains("dnc_callback_notice"));
}

#[test]
fn defaults_survive_a_toml_round_trip() {
    let text = toml::to_string(&File::default()).unwrap();
    assert!(text.contains("\"*\" = \"repeat\""), "{text}");
    assert_eq!(parse(&text), FlowConfig::default());
}

const CUSTOM: &str = r##"
[flow]
default_language = "lt"
menu_timeout_ms = 3000
menu_retries = 1
no_input = "callback"
greeting = ["greeting", "recording_notice", "promo"]

[flow.keys]
"0" = "agent"
"2" = "callback"
"3" = "complaint"
"5" = "dnc"
"#" = "repeat"
"##;

#[test]
fn a_custom_flow_changes_the_call() {
    let config = parse(CUSTOM);
    config.validate().unwrap();
    assert_eq!(config.keys.len(), 5, "the table replaces the default keys");

    let (mut call, actions) = Call::answered(config.clone(), card(Lang::En));
    assert_eq!(actions.last(), Some(&say(&["promo"])));
    call.send(Event::PromptFinished);
    assert_eq!(
        quiet(call.send(Event::Digit('5'))),
        [Action::StopPlayback, Action::AddDnc]
    );

    let (mut call, _) = Call::answered(config.clone(), card(Lang::En));
    call.run([Event::PromptFinished, Event::Digit('9')]);
    assert_eq!(call.all.last(), Some(&say(&["invalid_choice"])));
    call.send(Event::PromptFinished);
    assert_eq!(
        quiet(call.send(Event::Digit('0'))),
        [
            Action::StopPlayback,
            say(&["agent_connecting"]),
            Action::RouteToAgent { vip_agent: None },
        ]
    );

    let (mut silent, _) = Call::answered(config, unknown_caller());
    silent.send(Event::PromptFinished);
    assert_eq!(
        silent.send(Event::PromptFinished),
        [Action::SetTimer { ms: 3_000 }]
    );
    silent.run([Event::TimerFired, Event::PromptFinished, Event::TimerFired]);
    assert_eq!(silent.flow.language(), Lang::Lt);
    silent.run([Event::PromptFinished, Event::TimerFired]);
    silent.run([Event::PromptFinished, Event::TimerFired]);
    assert_eq!(
        silent.all.last(),
        Some(&Action::RequestCallback {
            dnc_consent: false,
            keep_place: false
        }),
        "one retry, then no_input = callback"
    );
}

#[test]
fn unknown_fields_and_bad_values_are_parse_errors() {
    let unknown = toml::from_str::<File>("[flow]\nmenu_timeout = 3000\n").unwrap_err();
    assert!(unknown.to_string().contains("menu_timeout"), "{unknown}");
    let long_key = toml::from_str::<File>("[flow.keys]\n\"12\" = \"agent\"\n").unwrap_err();
    assert!(long_key.to_string().contains("12"), "{long_key}");
    let choice = toml::from_str::<File>("[flow.keys]\n\"1\" = \"sales\"\n").unwrap_err();
    assert!(choice.to_string().contains("sales"), "{choice}");
}

fn error_key(config: FlowConfig) -> String {
    config.validate().unwrap_err().key
}

#[test]
fn validation_names_the_offending_key() {
    let mut keys = FlowConfig::default().keys;
    keys.insert('x', Choice::Agent);
    let bad_key = FlowConfig {
        keys,
        ..FlowConfig::default()
    };
    let err = bad_key.validate().unwrap_err();
    assert_eq!(err.key, "flow.keys.\"x\"");
    assert!(
        err.to_string()
            .starts_with("flow.keys.\"x\": not a phone key")
    );

    let mut language_keys = FlowConfig::default().language_keys;
    language_keys.insert('A', Lang::Lt);
    let cases = [
        (
            FlowConfig {
                language_keys,
                ..FlowConfig::default()
            },
            "flow.language_keys.\"A\"",
        ),
        (
            FlowConfig {
                no_input: Choice::Repeat,
                ..FlowConfig::default()
            },
            "flow.no_input",
        ),
        (
            FlowConfig {
                no_input: Choice::Dnc,
                ..FlowConfig::default()
            },
            "flow.no_input",
        ),
        (
            FlowConfig {
                menu_timeout_ms: 499,
                ..FlowConfig::default()
            },
            "flow.menu_timeout_ms",
        ),
        (
            FlowConfig {
                menu_retries: 11,
                ..FlowConfig::default()
            },
            "flow.menu_retries",
        ),
        (
            FlowConfig {
                greeting: vec!["greeting".into()],
                ..FlowConfig::default()
            },
            "flow.greeting",
        ),
        (
            FlowConfig {
                greeting: vec!["recording_notice".into(), " ".into()],
                ..FlowConfig::default()
            },
            "flow.greeting[1]",
        ),
        (
            FlowConfig {
                language_keys: BTreeMap::new(),
                ..FlowConfig::default()
            },
            "flow.language_keys",
        ),
    ];
    for (config, key) in cases {
        assert_eq!(error_key(config), key);
    }

    let no_dnc =
        parse("[flow.keys]\n\"1\" = \"agent\"\n\"2\" = \"callback\"\n\"3\" = \"complaint\"\n");
    let err = no_dnc.validate().unwrap_err();
    assert_eq!(err.key, "flow.keys");
    assert!(err.message.contains("\"dnc\""), "{err}");
}

#[test]
fn names_round_trip() {
    for lang in Lang::ALL {
        assert_eq!(lang.as_str().parse::<Lang>(), Ok(lang));
    }
    assert_eq!(" RU ".parse::<Lang>(), Ok(Lang::Ru));
    assert!("de".parse::<Lang>().is_err());

    #[derive(Serialize)]
    struct Row {
        outcome: Outcome,
    }
    for outcome in [
        Outcome::AnsweredByAgent,
        Outcome::Abandoned,
        Outcome::CallbackRequested,
        Outcome::Complaint,
        Outcome::DncOptOut,
        Outcome::AfterHoursMessage,
        Outcome::Failed,
        Outcome::HangupInMenu,
        Outcome::AgentRequested,
    ] {
        let text = toml::to_string(&Row { outcome }).unwrap();
        assert_eq!(text.trim(), format!("outcome = \"{}\"", outcome.as_str()));
    }
}
