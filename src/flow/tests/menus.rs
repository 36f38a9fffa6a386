//! Menu behaviour: barge-in, timeouts, invalid keys, repeat, after hours, DNC consent.

use super::*;

#[test]
fn a_key_during_the_menu_prompt_stops_it_and_acts() {
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
}

#[test]
fn a_key_after_the_prompt_cancels_the_timer() {
    let mut call = Call::at_main_menu();
    assert_eq!(quiet(call.send(Event::PromptFinished)), [timer()]);
    assert_eq!(
        quiet(call.send(Event::Digit('9'))),
        [Action::CancelTimer, Action::AddDnc]
    );
}

#[test]
fn silence_repeats_the_menu_twice_then_routes_to_an_agent() {
    let mut call = Call::at_main_menu();
    for retry in 1..=2 {
        assert_eq!(quiet(call.send(Event::PromptFinished)), [timer()]);
        assert_eq!(
            quiet(call.send(Event::TimerFired)),
            [menu("main_menu", Lang::En)],
            "repeat {retry}"
        );
    }
    call.send(Event::PromptFinished);
    assert_eq!(
        quiet(call.send(Event::TimerFired)),
        [
            say(&["agent_connecting"]),
            Action::RouteToAgent { vip_agent: None },
        ]
    );
    let steps = call.steps();
    for expected in [
        "main-menu: no input, retry 1/2",
        "main-menu: no input, retry 2/2",
        "main-menu: no choice -> agent",
    ] {
        assert!(steps.contains(&expected.to_string()), "{steps:?}");
    }
}

#[test]
fn an_invalid_key_plays_invalid_choice_then_the_menu() {
    let mut call = Call::at_main_menu();
    call.send(Event::PromptFinished);
    assert_eq!(
        quiet(call.send(Event::Digit('7'))),
        [Action::CancelTimer, say(&["invalid_choice"])]
    );
    assert_eq!(call.send(Event::TimerFired), [], "no timer while it plays");
    assert_eq!(
        quiet(call.send(Event::PromptFinished)),
        [menu("main_menu", Lang::En)]
    );
    assert!(
        call.steps()
            .contains(&"main-menu: key 7: invalid, retry 1/2".to_string())
    );
}

#[test]
fn invalid_keys_count_as_retries() {
    let mut call = Call::at_main_menu();
    call.run([Event::Digit('7'), Event::PromptFinished]);
    call.run([Event::PromptFinished, Event::TimerFired]);
    call.run([Event::Digit('8'), Event::PromptFinished]);
    assert!(
        call.steps()
            .contains(&"main-menu: key 8: invalid, no retries left".to_string())
    );
    assert_eq!(
        call.count(|a| matches!(a, Action::RouteToAgent { .. })),
        1,
        "out of retries: to an agent"
    );
}

#[test]
fn star_repeats_the_menu_without_spending_a_retry() {
    let mut call = Call::at_main_menu();
    for _ in 0..5 {
        assert_eq!(
            quiet(call.send(Event::Digit('*'))),
            [Action::StopPlayback, menu("main_menu", Lang::En)]
        );
    }
    for _ in 0..2 {
        call.run([Event::PromptFinished, Event::TimerFired]);
    }
    assert_eq!(call.flow.outcome(), None, "both retries still available");
}

#[test]
fn keys_during_invalid_choice_are_taken_by_the_repeated_menu() {
    let mut call = Call::at_main_menu();
    call.send(Event::Digit('7'));
    assert_eq!(
        call.send(Event::Digit('2')),
        [],
        "invalid_choice is not cut"
    );
    assert_eq!(
        quiet(call.send(Event::PromptFinished)),
        [Action::RequestCallback {
            dnc_consent: false,
            keep_place: false
        }]
    );
}

#[test]
fn dnc_caller_must_agree_before_a_callback() {
    let mut dnc = card(Lang::En);
    dnc.dnc = true;
    let (mut call, _) = Call::answered(FlowConfig::default(), dnc.clone());
    assert_eq!(
        quiet(call.send(Event::Digit('2'))),
        [Action::StopPlayback, menu("dnc_callback_notice", Lang::En)]
    );
    assert_eq!(
        quiet(call.send(Event::Digit('1'))),
        [
            Action::StopPlayback,
            Action::RequestCallback {
                dnc_consent: true,
                keep_place: false
            },
        ]
    );

    let (mut refuses, _) = Call::answered(FlowConfig::default(), dnc.clone());
    refuses.send(Event::Digit('2'));
    assert_eq!(
        quiet(refuses.send(Event::Digit('5'))),
        [Action::StopPlayback, menu("main_menu", Lang::En)]
    );

    let (mut silent, _) = Call::answered(FlowConfig::default(), dnc.clone());
    silent.run([Event::Digit('2'), Event::PromptFinished]);
    assert_eq!(
        quiet(silent.send(Event::TimerFired)),
        [menu("main_menu", Lang::En)]
    );
    assert_eq!(
        silent.count(|a| matches!(a, Action::RequestCallback { .. })),
        0
    );
}

/// Consent follows the notice: a `1` typed ahead is dropped, not taken as agreement.
#[test]
fn consent_is_never_taken_from_type_ahead() {
    let mut dnc = card(Lang::En);
    dnc.dnc = true;
    let mut call = Call::new();
    call.run([Event::Answered, Event::Screened(dnc)]);
    call.run(keys("21"));
    let actions = call.run([Event::PromptFinished, Event::PromptFinished]);
    assert_eq!(actions.last(), Some(&menu("dnc_callback_notice", Lang::En)));
    assert_eq!(
        call.count(|a| matches!(a, Action::RequestCallback { .. })),
        0
    );
}

fn after_hours() -> Call {
    let mut screening = card(Lang::En);
    screening.after_hours = true;
    let (call, actions) = Call::answered(FlowConfig::default(), screening);
    assert_eq!(quiet(actions).last(), Some(&menu("after_hours", Lang::En)));
    call
}

#[test]
fn after_hours_offers_callback_and_message_only() {
    let mut call = after_hours();
    for key in ['1', '9'] {
        assert_eq!(
            quiet(call.send(Event::Digit(key))),
            [Action::StopPlayback, say(&["invalid_choice"])],
            "key {key}"
        );
        call.send(Event::PromptFinished);
    }
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

    let mut message = after_hours();
    message.run([Event::Digit('3'), Event::PromptFinished, Event::Hangup]);
    assert_eq!(message.outcomes(), [Outcome::AfterHoursMessage]);
}

#[test]
fn after_hours_silence_says_goodbye() {
    let mut call = after_hours();
    for _ in 0..2 {
        call.run([Event::PromptFinished, Event::TimerFired]);
    }
    call.send(Event::PromptFinished);
    assert_eq!(
        quiet(call.send(Event::TimerFired)),
        [Action::Outcome(Outcome::Abandoned), say(&["goodbye"])]
    );
    assert_eq!(quiet(call.send(Event::PromptFinished)), [Action::Hangup]);
    assert_eq!(call.count(|a| matches!(a, Action::RouteToAgent { .. })), 0);
}
