//! Opening of the call (screening, greeting, language, recording) and each choice to its end.

use super::*;

#[test]
fn greeting_plays_in_the_card_language() {
    let mut call = Call::new();
    assert_eq!(
        quiet(call.send(Event::Answered)),
        [
            Action::Screen,
            Action::SetTimer {
                ms: SCREENING_TIMEOUT_MS
            }
        ]
    );
    let mut anna = card(Lang::Ru);
    anna.vip_agent = Some("anna".into());
    assert_eq!(
        quiet(call.send(Event::Screened(anna))),
        [
            Action::SetLanguage(Lang::Ru),
            Action::CancelTimer,
            play(&["greeting"], Lang::Ru, false),
        ]
    );
    assert_eq!(
        quiet(call.send(Event::PromptFinished)),
        [play(&["recording_notice"], Lang::Ru, false)]
    );
    assert_eq!(
        quiet(call.send(Event::PromptFinished)),
        [Action::StartRecording, menu("main_menu", Lang::Ru)]
    );
    assert_eq!(call.flow.language(), Lang::Ru);
    assert!(
        call.steps()
            .contains(&"screening: known client, language ru, VIP agent anna".to_string())
    );
}

#[test]
fn unknown_language_asks_and_key_3_switches_to_ukrainian() {
    let (mut call, actions) = Call::answered(FlowConfig::default(), unknown_caller());
    assert_eq!(
        prompts(&actions),
        ["greeting", "recording_notice", "language_menu"]
    );
    assert_eq!(actions.last(), Some(&menu("language_menu", Lang::En)));
    assert_eq!(
        quiet(call.send(Event::Digit('3'))),
        [
            Action::StopPlayback,
            Action::SetLanguage(Lang::Uk),
            menu("main_menu", Lang::Uk),
        ]
    );
    assert_eq!(call.flow.language(), Lang::Uk);
    let ending = call.run([Event::Digit('2'), Event::CallbackPlanned]);
    assert_eq!(
        ending.last(),
        Some(&play(&["callback_confirmation"], Lang::Uk, false))
    );
    assert_eq!(
        quiet(call.send(Event::PromptFinished)),
        [play(&["callback_promise", "goodbye"], Lang::Uk, false)],
        "the promise in the caller's language after the confirmation"
    );
}

#[test]
fn silent_language_menu_falls_back_to_the_default_language() {
    let config = FlowConfig {
        default_language: Lang::Lt,
        ..FlowConfig::default()
    };
    let (mut call, actions) = Call::answered(config, unknown_caller());
    assert_eq!(actions.last(), Some(&menu("language_menu", Lang::Lt)));
    for _ in 0..2 {
        call.run([Event::PromptFinished, Event::TimerFired]);
    }
    call.send(Event::PromptFinished);
    assert_eq!(
        quiet(call.send(Event::TimerFired)),
        [Action::SetLanguage(Lang::Lt), menu("main_menu", Lang::Lt)]
    );
    assert!(
        call.steps()
            .contains(&"language-menu: no choice, default language lt".to_string())
    );
    assert_eq!(call.count(|a| matches!(a, Action::SetLanguage(_))), 1);
}

/// A key queued during the greeting answers the main menu before its prompt would play.
#[test]
fn type_ahead_key_is_taken_without_playing_the_menu() {
    let mut call = Call::new();
    call.run([Event::Answered, Event::Screened(card(Lang::En))]);
    assert_eq!(call.send(Event::Digit('9')), [], "the greeting is not cut");
    call.send(Event::PromptFinished);
    assert_eq!(
        quiet(call.send(Event::PromptFinished)),
        [Action::StartRecording, Action::AddDnc]
    );
    assert!(!prompts(&call.all).contains(&"main_menu".to_string()));
    assert!(
        call.steps()
            .contains(&"main-menu: key 9 (typed ahead) -> dnc".to_string())
    );
}

#[test]
fn type_ahead_feeds_the_language_menu_first_then_the_main_menu() {
    let mut call = Call::new();
    call.run([Event::Answered, Event::Screened(unknown_caller())]);
    call.run(keys("21"));
    let actions = call.run([Event::PromptFinished, Event::PromptFinished]);
    assert_eq!(
        quiet(actions),
        [
            play(&["recording_notice"], Lang::En, false),
            Action::StartRecording,
            Action::SetLanguage(Lang::Ru),
            play(&["agent_connecting"], Lang::Ru, false),
            Action::RouteToAgent { vip_agent: None },
        ]
    );
}

#[test]
fn screening_timeout_greets_in_default_and_a_late_card_still_sets_the_language() {
    let mut call = Call::new();
    call.send(Event::Answered);
    assert_eq!(
        quiet(call.send(Event::TimerFired)),
        [play(&["greeting"], Lang::En, false)]
    );
    assert_eq!(
        quiet(call.send(Event::Screened(card(Lang::Lt)))),
        [Action::SetLanguage(Lang::Lt)]
    );
    assert_eq!(
        quiet(call.send(Event::PromptFinished)),
        [play(&["recording_notice"], Lang::Lt, false)]
    );
    assert_eq!(
        call.send(Event::Screened(card(Lang::Ru))),
        [],
        "one card per call"
    );
}

#[test]
fn recording_starts_once_and_only_after_the_notice() {
    let config = FlowConfig {
        greeting: vec!["recording_notice".into(), "greeting".into()],
        ..FlowConfig::default()
    };
    let mut call = Call::with(config);
    call.run([Event::Answered, Event::Screened(card(Lang::En))]);
    assert_eq!(call.count(|a| *a == Action::StartRecording), 0);
    let first = quiet(call.send(Event::PromptFinished));
    assert_eq!(
        first,
        [Action::StartRecording, say(&["greeting"])],
        "recording follows the notice, before the rest of the greeting"
    );
    call.run([
        Event::PromptFinished,
        Event::Digit('3'),
        Event::PromptFinished,
    ]);
    call.run([Event::ComplaintRecorded, Event::PromptFinished]);
    assert!(call.flow.is_finished());
    assert_eq!(call.count(|a| *a == Action::StartRecording), 1);

    let mut early = Call::new();
    early.run([Event::Answered, Event::Screened(card(Lang::En))]);
    early.run([Event::PromptFinished, Event::Hangup]);
    assert_eq!(early.count(|a| *a == Action::StartRecording), 0);
}

#[test]
fn digits_keep_every_key_in_order() {
    let mut call = Call::new();
    call.run([Event::Answered, Event::Screened(unknown_caller())]);
    call.run([Event::Digit('2'), Event::Digit('x'), Event::PromptFinished]);
    call.run([Event::PromptFinished, Event::Digit('*'), Event::Digit('3')]);
    call.run([Event::Digit('7'), Event::PromptFinished, Event::Digit('5')]);
    call.send(Event::Digit('#'));
    assert_eq!(call.flow.digits(), "2*375#");
}

#[test]
fn events_before_answer_and_stray_events_are_ignored() {
    let mut call = Call::new();
    for event in [
        Event::Digit('1'),
        Event::PromptFinished,
        Event::TimerFired,
        Event::Screened(card(Lang::Ru)),
        Event::DncRecorded,
        Event::RoutingFailed,
    ] {
        assert_eq!(call.send(event), []);
    }
    let mut call = Call::at_main_menu();
    for event in [
        Event::TimerFired,
        Event::DncRecorded,
        Event::CallbackPlanned,
        Event::ComplaintRecorded,
        Event::RoutingFailed,
        Event::Answered,
    ] {
        assert_eq!(call.send(event), [], "nothing armed or asked for");
    }
    assert_eq!(call.flow.digits(), "");
}

#[test]
fn dnc_opt_out_confirms_and_hangs_up() {
    let mut call = Call::at_main_menu();
    assert_eq!(
        quiet(call.send(Event::Digit('9'))),
        [Action::StopPlayback, Action::AddDnc]
    );
    assert_eq!(
        quiet(call.send(Event::DncRecorded)),
        [
            Action::Outcome(Outcome::DncOptOut),
            say(&["dnc_confirmation", "goodbye"]),
        ]
    );
    assert_eq!(quiet(call.send(Event::PromptFinished)), [Action::Hangup]);
    assert!(call.flow.is_finished());
    assert_eq!(call.flow.outcome(), Some(Outcome::DncOptOut));
    assert_eq!(call.send(Event::Hangup), []);
    assert!(
        call.steps()
            .contains(&"main-menu: key 9 -> dnc".to_string())
    );
}

#[test]
fn callback_planned_confirms_and_hangs_up() {
    let mut call = Call::at_main_menu();
    assert_eq!(
        quiet(call.send(Event::Digit('2'))),
        [
            Action::StopPlayback,
            Action::RequestCallback {
                dnc_consent: false,
                keep_place: false
            },
        ]
    );
    assert_eq!(
        quiet(call.send(Event::CallbackPlanned)),
        [
            Action::Outcome(Outcome::CallbackRequested),
            say(&["callback_confirmation"]),
        ]
    );
    assert_eq!(
        quiet(call.send(Event::PromptFinished)),
        [say(&["callback_promise", "goodbye"])]
    );
    assert_eq!(quiet(call.send(Event::PromptFinished)), [Action::Hangup]);
}

#[test]
fn callback_refused_says_goodbye_with_failed() {
    let mut call = Call::at_main_menu();
    call.send(Event::Digit('2'));
    assert_eq!(
        quiet(call.send(Event::CallbackRefused("no slot within SLA".into()))),
        [Action::Outcome(Outcome::Failed), say(&["goodbye"])]
    );
    assert_eq!(quiet(call.send(Event::PromptFinished)), [Action::Hangup]);
    assert!(
        call.steps()
            .contains(&"callback: refused: no slot within SLA".to_string())
    );
}

#[test]
fn complaint_is_recorded_until_hash() {
    let mut call = Call::at_main_menu();
    assert_eq!(
        quiet(call.send(Event::Digit('3'))),
        [Action::StopPlayback, say(&["complaint_instructions"])]
    );
    assert_eq!(call.send(Event::Digit('#')), [], "not recording yet");
    assert_eq!(
        quiet(call.send(Event::PromptFinished)),
        [Action::RecordComplaint]
    );
    assert_eq!(call.send(Event::Digit('5')), []);
    assert_eq!(
        quiet(call.send(Event::Digit('#'))),
        [Action::StopComplaintRecording]
    );
    assert_eq!(call.send(Event::Digit('#')), [], "stopped once");
    assert_eq!(
        quiet(call.send(Event::ComplaintRecorded)),
        [Action::Outcome(Outcome::Complaint), say(&["goodbye"])]
    );
    assert_eq!(quiet(call.send(Event::PromptFinished)), [Action::Hangup]);
}

#[test]
fn agent_choice_hands_over_and_waits() {
    let mut anna = card(Lang::En);
    anna.vip_agent = Some("anna".into());
    let (mut call, _) = Call::answered(FlowConfig::default(), anna);
    assert_eq!(
        quiet(call.send(Event::Digit('1'))),
        [
            Action::StopPlayback,
            say(&["agent_connecting"]),
            Action::RouteToAgent {
                vip_agent: Some("anna".into())
            },
        ]
    );
    assert_eq!(
        quiet(call.send(Event::PromptFinished)),
        [Action::QueryQueue]
    );
    for event in [Event::Digit('1'), Event::TimerFired] {
        assert_eq!(
            quiet(call.send(event)),
            [],
            "waiting for the queue's answer"
        );
    }
    assert!(!call.flow.is_finished());
    assert_eq!(call.outcomes(), [], "no outcome until the queue resolves");
}

#[test]
fn routing_failure_falls_back_to_a_callback_keeping_one_outcome() {
    let mut call = Call::at_main_menu();
    call.send(Event::Digit('1'));
    assert_eq!(
        quiet(call.send(Event::RoutingFailed)),
        [
            Action::StopPlayback,
            Action::RequestCallback {
                dnc_consent: false,
                keep_place: false
            }
        ]
    );
    assert_eq!(
        quiet(call.send(Event::CallbackPlanned)),
        [
            Action::Outcome(Outcome::CallbackRequested),
            say(&["callback_confirmation"])
        ]
    );
    call.send(Event::PromptFinished);
    assert_eq!(quiet(call.send(Event::PromptFinished)), [Action::Hangup]);
    assert_eq!(call.outcomes(), [Outcome::CallbackRequested]);
}

#[test]
fn routing_failure_for_a_dnc_caller_never_requests_a_callback() {
    let mut dnc = card(Lang::En);
    dnc.dnc = true;
    let (mut call, _) = Call::answered(FlowConfig::default(), dnc);
    call.run([Event::Digit('1'), Event::RoutingFailed]);
    assert_eq!(call.all.last(), Some(&say(&["goodbye"])));
    assert_eq!(quiet(call.send(Event::PromptFinished)), [Action::Hangup]);
    assert_eq!(
        call.count(|a| matches!(a, Action::RequestCallback { .. })),
        0
    );
}
