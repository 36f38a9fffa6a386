//! Waiting in the queue, talking to the agent, rating the call.

use super::*;

fn queued(screening: Screening) -> Call {
    let (mut call, _) = Call::answered(FlowConfig::default(), screening);
    call.send(Event::Digit('1'));
    assert_eq!(
        quiet(call.send(Event::PromptFinished)),
        [Action::QueryQueue]
    );
    call
}

fn status(position: u32, wait_secs: Option<u32>) -> Event {
    Event::QueueStatus {
        position,
        wait_secs,
    }
}

#[test]
fn position_and_wait_are_announced_only_when_they_change() {
    let mut call = queued(card(Lang::En));
    assert_eq!(
        quiet(call.send(status(3, Some(100)))),
        [say(&[
            "queue_position",
            "number_3",
            "queue_position_suffix",
            "estimated_wait",
            "number_2_f",
            "estimated_wait_minutes_other"
        ])]
    );
    assert_eq!(
        quiet(call.send(Event::PromptFinished)),
        [Action::SetTimer { ms: 30_000 }]
    );
    assert_eq!(quiet(call.send(Event::TimerFired)), [Action::QueryQueue]);
    assert_eq!(
        quiet(call.send(status(3, Some(100)))),
        [Action::SetTimer { ms: 30_000 }],
        "same news: silence"
    );
    call.send(Event::TimerFired);
    assert_eq!(
        prompts(&call.send(status(1, None))),
        ["queue_position", "number_1", "queue_position_suffix"],
        "no history: position only"
    );
    call.send(Event::PromptFinished);
    call.send(Event::TimerFired);
    assert_eq!(
        prompts(&call.send(status(45, None))),
        [
            "queue_position",
            "number_40",
            "number_5",
            "queue_position_suffix"
        ]
    );
}

/// Beyond 69 and with the noun agreeing: "Вы номер сто двадцать один в очереди. Примерное время
/// ожидания двадцать одна минута."
#[test]
fn large_numbers_and_the_minutes_form_follow_the_callers_language() {
    let config = FlowConfig {
        queue_offer_wait_secs: 100_000,
        ..FlowConfig::default()
    };
    let (mut call, _) = Call::answered(config, card(Lang::Ru));
    call.send(Event::Digit('1'));
    call.send(Event::PromptFinished);
    assert_eq!(
        prompts(&call.send(status(121, Some(21 * 60)))),
        [
            "queue_position",
            "number_100",
            "number_20",
            "number_1",
            "queue_position_suffix",
            "estimated_wait",
            "number_20",
            "number_1_f",
            "estimated_wait_minutes_one"
        ]
    );
    call.send(Event::PromptFinished);
    call.send(Event::TimerFired);
    assert_eq!(
        prompts(&call.send(status(1000, Some(5 * 60))))[1..],
        ["number_5_f", "estimated_wait_minutes_many"],
        "a position above 999 is not said, the wait still is"
    );
}

#[test]
fn a_long_wait_offers_a_callback_keeping_the_place_once() {
    let mut call = queued(card(Lang::En));
    assert_eq!(
        quiet(call.send(status(9, Some(600)))),
        [play(&["queue_offer"], Lang::En, true)]
    );
    // 1 keeps waiting; the offer is not made again.
    call.send(Event::PromptFinished);
    assert_eq!(
        quiet(call.send(Event::Digit('1'))),
        [Action::CancelTimer, Action::SetTimer { ms: 30_000 }]
    );
    call.send(Event::TimerFired);
    assert_eq!(
        prompts(&call.send(status(8, Some(580))))[0],
        "queue_position"
    );

    let mut call = queued(card(Lang::En));
    call.send(status(9, Some(600)));
    assert_eq!(
        quiet(call.send(Event::Digit('2'))),
        [
            Action::StopPlayback,
            Action::RequestCallback {
                dnc_consent: false,
                keep_place: true
            }
        ]
    );
    assert_eq!(
        quiet(call.send(Event::CallbackPlanned))[0],
        Action::Outcome(Outcome::CallbackRequested)
    );
}

#[test]
fn a_dnc_caller_must_agree_before_the_queue_callback() {
    let mut dnc = card(Lang::En);
    dnc.dnc = true;
    let mut call = queued(dnc.clone());
    call.send(status(9, Some(600)));
    call.send(Event::PromptFinished);
    assert_eq!(
        prompts(&call.send(Event::Digit('2'))),
        ["dnc_callback_notice"]
    );
    assert_eq!(
        quiet(call.send(Event::Digit('1'))),
        [
            Action::StopPlayback,
            Action::RequestCallback {
                dnc_consent: true,
                keep_place: true
            }
        ]
    );
    // Silence at the consent question: back to waiting, no callback.
    let mut call = queued(dnc);
    call.send(status(9, Some(600)));
    call.send(Event::Digit('2'));
    call.send(Event::PromptFinished);
    call.send(Event::TimerFired);
    assert_eq!(
        call.count(|a| matches!(a, Action::RequestCallback { .. })),
        0
    );
    assert!(call.steps().iter().any(|s| s.contains("keeps waiting")));
}

#[test]
fn the_agent_answers_mid_prompt_keys_are_relayed_then_the_survey() {
    let mut call = queued(card(Lang::En));
    call.send(status(2, Some(100)));
    assert_eq!(
        quiet(call.send(Event::AgentAnswered {
            agent: "anna".into()
        })),
        [
            Action::StopPlayback,
            Action::Outcome(Outcome::AnsweredByAgent)
        ]
    );
    assert_eq!(
        quiet(call.send(Event::Digit('5'))),
        [Action::RelayDigit('5')]
    );
    assert_eq!(
        call.send(Event::QueueStatus {
            position: 1,
            wait_secs: None
        }),
        []
    );
    assert_eq!(
        quiet(call.send(Event::AgentHungUp)),
        [play(&["survey_question"], Lang::En, true)]
    );
    // "1" then "0" is ten.
    assert_eq!(
        quiet(call.send(Event::Digit('1'))),
        [Action::StopPlayback, timer()]
    );
    assert_eq!(
        quiet(call.send(Event::Digit('0'))),
        [
            Action::CancelTimer,
            Action::SaveSurvey(10),
            say(&["goodbye"])
        ]
    );
    assert_eq!(quiet(call.send(Event::PromptFinished)), [Action::Hangup]);
    assert_eq!(call.outcomes(), [Outcome::AnsweredByAgent]);
}

#[test]
fn survey_scores_one_digit_a_lone_one_and_silence() {
    let rate = |events: Vec<Event>| {
        let mut call = queued(card(Lang::En));
        call.run([
            Event::AgentAnswered { agent: "a".into() },
            Event::AgentHungUp,
            Event::PromptFinished,
        ]);
        call.run(events);
        call.all.iter().find_map(|a| match a {
            Action::SaveSurvey(s) => Some(*s),
            _ => None,
        })
    };
    assert_eq!(rate(vec![Event::Digit('7')]), Some(7));
    assert_eq!(rate(vec![Event::Digit('1'), Event::TimerFired]), Some(1));
    assert_eq!(rate(vec![Event::Digit('1'), Event::Digit('#')]), Some(1));
    assert_eq!(rate(vec![Event::Digit('*'), Event::TimerFired]), None);
    assert_eq!(rate(vec![Event::TimerFired]), None);
    let no_survey = FlowConfig {
        survey: false,
        ..FlowConfig::default()
    };
    let (mut call, _) = Call::answered(no_survey, card(Lang::En));
    call.run([
        Event::Digit('1'),
        Event::AgentAnswered { agent: "a".into() },
    ]);
    assert_eq!(prompts(&call.send(Event::AgentHungUp)), ["goodbye"]);
}

#[test]
fn hanging_up_in_the_queue_is_abandoned_and_asks_for_the_callback() {
    let mut call = queued(card(Lang::En));
    let out = quiet(call.send(Event::Hangup));
    assert_eq!(
        out,
        [Action::Abandoned, Action::Outcome(Outcome::Abandoned)]
    );
    assert!(call.flow.is_finished());
    // While talking, a hangup keeps answered-by-agent.
    let mut call = queued(card(Lang::En));
    call.send(Event::AgentAnswered { agent: "a".into() });
    call.send(Event::Hangup);
    assert_eq!(call.outcomes(), [Outcome::AnsweredByAgent]);
}

#[test]
fn a_caller_transferred_back_to_the_queue_waits_and_is_told_where_they_stand() {
    let mut call = queued(card(Lang::En));
    call.send(status(1, None));
    call.send(Event::PromptFinished);
    call.send(Event::AgentAnswered { agent: "a".into() });
    assert_eq!(quiet(call.send(Event::BackToQueue)), [Action::QueryQueue]);
    // The same figures as before are said again: the caller has not heard them since.
    assert_eq!(
        prompts(&call.send(status(1, None))),
        ["queue_position", "number_1", "queue_position_suffix"]
    );
    call.send(Event::PromptFinished);
    call.send(Event::AgentAnswered { agent: "b".into() });
    assert_eq!(call.outcomes(), [Outcome::AnsweredByAgent]);
    // Outside a talk it means nothing.
    let mut call = queued(card(Lang::En));
    assert!(quiet(call.send(Event::BackToQueue)).is_empty());
}
