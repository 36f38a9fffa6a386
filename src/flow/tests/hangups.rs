//! The caller may hang up anywhere: exactly one outcome, then silence.

use super::*;

fn opening(screening: Screening) -> Vec<Event> {
    vec![
        Event::Answered,
        Event::Screened(screening),
        Event::PromptFinished,
        Event::PromptFinished,
    ]
}

/// Full calls touching every state; each is cut short by a hangup after every event.
fn scripts() -> Vec<Vec<Event>> {
    let mut dnc = card(Lang::En);
    dnc.dnc = true;
    let mut late = card(Lang::En);
    late.after_hours = true;
    let mut scripts = vec![];
    let mut language = opening(unknown_caller());
    language.insert(2, Event::Digit('4'));
    language.extend([Event::PromptFinished, Event::TimerFired, Event::Digit('7')]);
    language.extend([Event::PromptFinished, Event::Digit('9')]);
    language.extend([Event::DncRecorded, Event::PromptFinished]);
    scripts.push(language);
    let mut callback = opening(dnc);
    callback.extend([Event::Digit('2'), Event::Digit('1'), Event::CallbackPlanned]);
    // The confirmation, then the promise and goodbye.
    callback.extend([Event::PromptFinished, Event::PromptFinished]);
    scripts.push(callback);
    let mut complaint = opening(card(Lang::Ru));
    complaint.extend([
        Event::PromptFinished,
        Event::Digit('3'),
        Event::PromptFinished,
    ]);
    complaint.extend([
        Event::Digit('#'),
        Event::ComplaintRecorded,
        Event::PromptFinished,
    ]);
    scripts.push(complaint);
    let mut routed = opening(card(Lang::Lt));
    routed.extend([
        Event::Digit('1'),
        Event::PromptFinished,
        Event::RoutingFailed,
    ]);
    routed.extend([Event::CallbackRefused("x".into()), Event::PromptFinished]);
    scripts.push(routed);
    let mut after_hours = vec![Event::Answered, Event::TimerFired, Event::Screened(late)];
    after_hours.extend([Event::PromptFinished, Event::PromptFinished]);
    for _ in 0..3 {
        after_hours.extend([Event::PromptFinished, Event::TimerFired]);
    }
    after_hours.push(Event::PromptFinished);
    scripts.push(after_hours);
    scripts
}

#[test]
fn scripts_run_to_the_end() {
    for script in scripts() {
        let mut call = Call::new();
        call.run(script.clone());
        assert!(call.flow.is_finished(), "{script:?}\n{:#?}", call.all);
        assert_eq!(call.outcomes().len(), 1);
    }
}

#[test]
fn hangup_at_every_stage_gives_one_outcome_then_silence() {
    for script in scripts() {
        for cut in 0..=script.len() {
            let mut call = Call::new();
            call.run(script[..cut].iter().cloned());
            let hung_up_by_us = call.flow.is_finished();
            let had_outcome = call.flow.outcome().is_some();
            let actions = call.send(Event::Hangup);
            if hung_up_by_us {
                assert_eq!(actions, []);
            } else {
                let outcomes = actions
                    .iter()
                    .filter(|a| matches!(a, Action::Outcome(_)))
                    .count();
                assert_eq!(
                    outcomes,
                    usize::from(!had_outcome),
                    "cut {cut}: {actions:?}"
                );
                assert!(!actions.contains(&Action::Hangup));
            }
            assert_eq!(call.outcomes().len(), 1, "cut {cut} of {script:?}");
            assert!(call.flow.is_finished());
            for event in [Event::Digit('1'), Event::PromptFinished, Event::TimerFired] {
                assert_eq!(call.send(event), []);
            }
            assert_eq!(call.send(Event::Answered), []);
        }
    }
}

fn outcome_after(events: Vec<Event>) -> Option<Outcome> {
    let mut call = Call::new();
    call.run(events);
    call.send(Event::Hangup);
    call.flow.outcome()
}

#[test]
fn hangup_outcome_reflects_what_was_already_asked_for() {
    let at_menu = opening(card(Lang::En));
    let with = |extra: &[Event]| {
        let mut events = at_menu.clone();
        events.extend(extra.iter().cloned());
        outcome_after(events)
    };
    assert_eq!(outcome_after(vec![]), Some(Outcome::HangupInMenu));
    assert_eq!(
        outcome_after(vec![Event::Answered]),
        Some(Outcome::HangupInMenu)
    );
    assert_eq!(with(&[]), Some(Outcome::HangupInMenu));
    assert_eq!(with(&[Event::Digit('7')]), Some(Outcome::HangupInMenu));
    assert_eq!(with(&[Event::Digit('3')]), Some(Outcome::Abandoned));
    assert_eq!(
        with(&[Event::Digit('3'), Event::PromptFinished]),
        Some(Outcome::Complaint)
    );
    assert_eq!(with(&[Event::Digit('9')]), Some(Outcome::DncOptOut));
    assert_eq!(with(&[Event::Digit('2')]), Some(Outcome::CallbackRequested));
    assert_eq!(with(&[Event::Digit('1')]), Some(Outcome::Abandoned));
    assert_eq!(
        with(&[Event::Digit('2'), Event::CallbackRefused("x".into())]),
        Some(Outcome::Failed)
    );
}

#[test]
fn hangup_is_logged_with_the_stage() {
    let mut call = Call::at_main_menu();
    call.send(Event::Hangup);
    assert!(
        call.steps()
            .contains(&"hangup: caller hung up in the main menu".to_string())
    );
}
