//! Whole calls as scripts: events in with the time injected, actions checked.

use super::*;
use crate::bridge::{Action as A, Command as C, Event as E, Gone, LegId, LegState};

const CALLER: LegId = LegId(0);
const AGENT_IN: LegId = LegId(1);
const AGENT_CB: LegId = LegId(0);
const CLIENT: LegId = LegId(1);

fn releases(actions: &[A]) -> Vec<(String, bool)> {
    actions
        .iter()
        .filter_map(|a| match a {
            A::Release { agent, talked, .. } => Some((agent.clone(), *talked)),
            _ => None,
        })
        .collect()
}

/// An inbound call with an agent ringing; returns every action so far.
fn inbound_ringing() -> (Bridge, Vec<A>) {
    let mut b = Bridge::inbound();
    let out = b.command(
        0,
        C::RingAgent {
            agent: "anna".into(),
            whisper: false,
        },
    );
    assert_eq!(out, [A::Place(AGENT_IN)]);
    (b, out)
}

fn inbound_talking() -> (Bridge, Vec<A>) {
    let (mut b, mut all) = inbound_ringing();
    let out = b.handle(1_000, E::Answered(AGENT_IN));
    assert!(out.contains(&A::Connected {
        agent: AGENT_IN,
        party: CALLER
    }));
    assert!(b.hears(CALLER, AGENT_IN) && b.hears(AGENT_IN, CALLER));
    all.extend(out);
    (b, all)
}

/// A callback whose agent answered and heard the whisper, client ringing.
fn callback_dialling() -> (Bridge, Vec<A>) {
    let (mut b, mut all) = Bridge::callback("anna".into(), 0);
    assert_eq!(all, [A::Place(AGENT_CB)]);
    let out = b.handle(500, E::Answered(AGENT_CB));
    assert_eq!(out, [A::Whisper(AGENT_CB)], "the whisper, nothing bridged");
    all.extend(out);
    let out = b.handle(3_000, E::PlaybackFinished(AGENT_CB));
    assert_eq!(out, [A::Place(CLIENT)], "the client is dialled after it");
    all.extend(out);
    (b, all)
}

fn callback_talking() -> (Bridge, Vec<A>) {
    let (mut b, mut all) = callback_dialling();
    let out = b.handle(5_000, E::Answered(CLIENT));
    assert!(out.contains(&A::Connected {
        agent: AGENT_CB,
        party: CLIENT
    }));
    assert!(b.hears(CLIENT, AGENT_CB) && b.hears(AGENT_CB, CLIENT));
    all.extend(out);
    (b, all)
}

#[test]
fn the_whisper_ends_on_its_playback_event_not_on_time() {
    let (mut b, _) = Bridge::callback("anna".into(), 0);
    b.handle(500, E::Answered(AGENT_CB));
    assert_eq!(b.state(AGENT_CB), Some(LegState::Whisper));
    // Time passing alone does nothing short of the safety limit.
    assert!(b.handle(10_000, E::Tick).is_empty());
    // A playback event of another leg does not end it either.
    assert!(b.handle(10_100, E::PlaybackFinished(LegId(7))).is_empty());
    assert_eq!(
        b.handle(10_200, E::PlaybackFinished(AGENT_CB)),
        [A::Place(CLIENT)]
    );
    assert_eq!(b.state(AGENT_CB), Some(LegState::Up));
}

#[test]
fn a_lost_playback_event_ends_the_whisper_at_the_limit() {
    let (mut b, _) = Bridge::callback("anna".into(), 0);
    b.handle(500, E::Answered(AGENT_CB));
    assert_eq!(b.deadline(), Some(500 + WHISPER_MAX_MS));
    assert_eq!(b.handle(500 + WHISPER_MAX_MS, E::Tick), [A::Place(CLIENT)]);
    assert_eq!(b.deadline(), None);
}

#[test]
fn an_inbound_agent_is_released_once_on_every_path() {
    // Rejected or not answered: released without wrap-up, the caller stays.
    let (mut b, _) = inbound_ringing();
    let out = b.handle(5_000, E::Failed(AGENT_IN, DialResult::NoAnswer));
    assert_eq!(releases(&out), [("anna".to_string(), false)]);
    assert!(!b.is_done());
    // The caller leaves while the agent rings: CANCEL, release, done.
    let (mut b, _) = inbound_ringing();
    let out = b.handle(2_000, E::Ended(CALLER, Gone::Far));
    assert!(out.contains(&A::HangUp(AGENT_IN)));
    assert_eq!(releases(&out), [("anna".to_string(), false)]);
    assert_eq!(out.last(), Some(&A::Done));
    // The agent hangs up after talking: wrap-up, the caller stays for the survey.
    let (mut b, _) = inbound_talking();
    let out = b.handle(9_000, E::Ended(AGENT_IN, Gone::Far));
    assert_eq!(releases(&out), [("anna".to_string(), true)]);
    assert!(out.contains(&A::LegGone {
        leg: AGENT_IN,
        role: Role::Agent,
        why: Gone::Far,
        handed_over: false,
    }));
    assert!(!b.hears(CALLER, AGENT_IN));
    let later = b.handle(12_000, E::Ended(CALLER, Gone::Far));
    assert!(releases(&later).is_empty(), "released once only");
    assert_eq!(later.last(), Some(&A::Done));
    // The caller hangs up while talking: BYE to the agent, wrap-up.
    let (mut b, _) = inbound_talking();
    let out = b.handle(9_000, E::Ended(CALLER, Gone::Far));
    assert!(out.contains(&A::HangUp(AGENT_IN)));
    assert_eq!(releases(&out), [("anna".to_string(), true)]);
    // The agent's media stops: timed out, released, the caller stays.
    let (mut b, _) = inbound_talking();
    let out = b.handle(9_000, E::Ended(AGENT_IN, Gone::Timeout));
    assert_eq!(releases(&out), [("anna".to_string(), true)]);
    // Shutdown: everything hung up and released.
    let (mut b, _) = inbound_talking();
    let out = b.command(9_000, C::HangUpAll(Gone::Shutdown));
    assert!(out.contains(&A::HangUp(AGENT_IN)));
    assert!(
        !out.contains(&A::HangUp(CALLER)),
        "the caller's dialog is ours"
    );
    assert_eq!(releases(&out), [("anna".to_string(), true)]);
    assert_eq!(out.last(), Some(&A::Done));
    // The caller takes a callback while the agent rings: the owner hangs the leg up.
    let (mut b, _) = inbound_ringing();
    let out = b.command(3_000, C::HangUp(AGENT_IN, Gone::Us));
    assert_eq!(releases(&out), [("anna".to_string(), false)]);
    assert!(b.command(3_100, C::HangUp(AGENT_IN, Gone::Us)).is_empty());
}

#[test]
fn a_callback_agent_is_released_once_on_every_path_and_the_end_is_named() {
    let end = |b: &Bridge| {
        let e = b.callback_end();
        (e.dialled, e.label, e.hangup_by)
    };
    // The agent does not answer.
    let (mut b, _) = Bridge::callback("anna".into(), 0);
    let out = b.handle(15_000, E::Failed(AGENT_CB, DialResult::NoAnswer));
    assert_eq!(releases(&out), [("anna".to_string(), false)]);
    assert_eq!(out.last(), Some(&A::Done));
    assert_eq!(end(&b), (None, "no-agent", "agent"));
    // The agent hangs up during the whisper.
    let (mut b, _) = Bridge::callback("anna".into(), 0);
    b.handle(500, E::Answered(AGENT_CB));
    let out = b.handle(1_000, E::Ended(AGENT_CB, Gone::Far));
    assert_eq!(releases(&out), [("anna".to_string(), false)]);
    assert_eq!(end(&b), (None, "agent-left", "agent"));
    // The client is busy: the agent is hung up and released without wrap-up.
    let (mut b, _) = callback_dialling();
    let out = b.handle(6_000, E::Failed(CLIENT, DialResult::Busy));
    assert!(out.contains(&A::HangUp(AGENT_CB)));
    assert_eq!(releases(&out), [("anna".to_string(), false)]);
    assert_eq!(end(&b), (Some(DialResult::Busy), "busy", "client"));
    // The agent leaves while the client's phone rings.
    let (mut b, _) = callback_dialling();
    let out = b.handle(6_000, E::Ended(AGENT_CB, Gone::Far));
    assert!(out.contains(&A::HangUp(CLIENT)));
    assert_eq!(end(&b), (Some(DialResult::Failed), "agent-left", "agent"));
    // Talked, then the client hangs up.
    let (mut b, _) = callback_talking();
    let out = b.handle(60_000, E::Ended(CLIENT, Gone::Far));
    assert!(out.contains(&A::HangUp(AGENT_CB)));
    assert_eq!(releases(&out), [("anna".to_string(), true)]);
    assert_eq!(out.last(), Some(&A::Done));
    assert_eq!(end(&b), (Some(DialResult::Answered), "answered", "client"));
    // Talked, then the agent hangs up.
    let (mut b, _) = callback_talking();
    let out = b.handle(60_000, E::Ended(AGENT_CB, Gone::Far));
    assert!(out.contains(&A::HangUp(CLIENT)));
    assert_eq!(releases(&out), [("anna".to_string(), true)]);
    assert_eq!(end(&b), (Some(DialResult::Answered), "answered", "agent"));
    // Shutdown during the whisper: put back.
    let (mut b, _) = Bridge::callback("anna".into(), 0);
    b.handle(500, E::Answered(AGENT_CB));
    let out = b.command(700, C::HangUpAll(Gone::Shutdown));
    assert_eq!(releases(&out), [("anna".to_string(), false)]);
    assert_eq!(end(&b), (None, "shutdown", "shutdown"));
    // Nothing after Done.
    assert!(b.handle(800, E::Ended(AGENT_CB, Gone::Far)).is_empty());
}

#[test]
fn a_hold_passes_across_both_ways_with_music_to_the_held_party() {
    // The caller holds: the agent is held by us and hears music.
    let (mut b, _) = inbound_talking();
    let out = b.handle(2_000, E::Hold(CALLER, true));
    assert!(out.contains(&A::RelayHold {
        to: AGENT_IN,
        on: true
    }));
    assert!(out.contains(&A::Music {
        leg: AGENT_IN,
        on: true
    }));
    assert!(!b.hears(AGENT_IN, CALLER) && b.music(AGENT_IN));
    let out = b.handle(3_000, E::Hold(CALLER, false));
    assert!(out.contains(&A::RelayHold {
        to: AGENT_IN,
        on: false
    }));
    assert!(b.hears(AGENT_IN, CALLER) && !b.music(AGENT_IN));
    // The agent holds: the caller is held by us and hears music.
    let out = b.handle(4_000, E::Hold(AGENT_IN, true));
    assert!(out.contains(&A::RelayHold {
        to: CALLER,
        on: true
    }));
    assert!(b.music(CALLER) && !b.hears(CALLER, AGENT_IN));
    // A repeated hold (a refresh) relays nothing new.
    let again = b.handle(4_500, E::Hold(AGENT_IN, true));
    assert!(!again.iter().any(|a| matches!(a, A::RelayHold { .. })));
    // The agent hangs up while holding: the caller is taken off hold.
    let out = b.handle(5_000, E::Ended(AGENT_IN, Gone::Far));
    assert!(out.contains(&A::RelayHold {
        to: CALLER,
        on: false
    }));
    assert!(!b.music(CALLER));

    // A callback's client holds and resumes: the agent is held and hears music, then both talk.
    let (mut b, _) = callback_talking();
    let out = b.handle(10_000, E::Hold(CLIENT, true));
    assert!(out.contains(&A::RelayHold {
        to: AGENT_CB,
        on: true
    }));
    assert!(b.music(AGENT_CB));
    let out = b.handle(100_000, E::Hold(CLIENT, false));
    assert!(out.contains(&A::RelayHold {
        to: AGENT_CB,
        on: false
    }));
    assert!(b.hears(AGENT_CB, CLIENT) && b.hears(CLIENT, AGENT_CB));
    // And the agent's hold reaches the client.
    let out = b.handle(110_000, E::Hold(AGENT_CB, true));
    assert!(out.contains(&A::RelayHold {
        to: CLIENT,
        on: true
    }));
    assert!(b.music(CLIENT));
}

#[test]
fn a_hold_before_the_agent_answers_reaches_them_on_answer() {
    let (mut b, _) = inbound_ringing();
    assert!(b.handle(500, E::Hold(CALLER, true)).is_empty());
    let out = b.handle(1_000, E::Answered(AGENT_IN));
    assert!(out.contains(&A::RelayHold {
        to: AGENT_IN,
        on: true
    }));
    assert!(b.music(AGENT_IN));
}

#[test]
fn waiting_callers_hear_music_until_an_agent_answers() {
    let mut b = Bridge::inbound();
    let out = b.command(0, C::Waiting(true));
    assert_eq!(
        out,
        [A::Music {
            leg: CALLER,
            on: true
        }]
    );
    b.command(
        10,
        C::RingAgent {
            agent: "anna".into(),
            whisper: false,
        },
    );
    let out = b.handle(20, E::Answered(AGENT_IN));
    assert!(out.contains(&A::Music {
        leg: CALLER,
        on: false
    }));
    assert!(b.hears(CALLER, AGENT_IN));
}

#[test]
fn digits_go_from_the_party_to_the_agent_only_once_bridged() {
    let (mut b, _) = inbound_ringing();
    assert!(b.handle(10, E::Digit(CALLER, '5')).is_empty());
    b.handle(20, E::Answered(AGENT_IN));
    assert_eq!(
        b.handle(30, E::Digit(CALLER, '5')),
        [A::RelayDigit {
            to: AGENT_IN,
            digit: '5'
        }]
    );
    assert!(b.handle(40, E::Digit(AGENT_IN, '1')).is_empty());
    let (mut b, _) = callback_dialling();
    assert!(
        b.handle(10_000, E::Digit(CLIENT, '1')).is_empty(),
        "not answered yet"
    );
}
