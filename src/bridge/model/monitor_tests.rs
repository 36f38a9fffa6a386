//! A supervisor on a live call, as scripts: who hears whom in each mode, keys switching it, and
//! when the supervisor is taken off.

use super::*;
use crate::bridge::{Action as A, Command as C, Event as E, LegId, Mode, MonitorRefusal, Role};

const CALLER: LegId = LegId(0);
const ANNA: LegId = LegId(1);
const SUP: LegId = LegId(2);

fn talking() -> Bridge {
    let mut b = Bridge::inbound();
    b.command(
        0,
        C::RingAgent {
            agent: "anna".into(),
            whisper: false,
        },
    );
    b.handle(1_000, E::Answered(ANNA));
    assert!(b.hears(CALLER, ANNA) && b.hears(ANNA, CALLER));
    b
}

/// Who hears the supervisor and whom they hear: (caller hears, agent hears, hears caller,
/// hears agent).
fn matrix(b: &Bridge) -> (bool, bool, bool, bool) {
    (
        b.hears(CALLER, SUP),
        b.hears(ANNA, SUP),
        b.hears(SUP, CALLER),
        b.hears(SUP, ANNA),
    )
}

#[test]
fn a_supervisor_is_rung_and_on_answer_listens_to_both_unheard() {
    let mut b = talking();
    assert_eq!(b.may_monitor(), Ok(()));
    let out = b.command(2_000, C::Monitor(Mode::Listen));
    assert_eq!(out, vec![A::Place(SUP)]);
    assert_eq!(b.role(SUP), Some(Role::Supervisor));
    assert_eq!(b.may_monitor(), Err(MonitorRefusal::Taken));
    // Ringing: nobody hears anybody new.
    assert_eq!(matrix(&b), (false, false, false, false));
    let out = b.handle(3_000, E::Answered(SUP));
    assert!(out.contains(&A::Monitoring {
        leg: SUP,
        mode: Mode::Listen
    }));
    assert_eq!(matrix(&b), (false, false, true, true));
    // The caller and the agent still hear each other.
    assert!(b.hears(CALLER, ANNA) && b.hears(ANNA, CALLER));
    // No agent is released, nothing relayed to the supervisor.
    assert!(!out.iter().any(|a| matches!(a, A::Release { .. })));
    assert!(
        b.handle(3_500, E::Digit(CALLER, '7'))
            .iter()
            .all(|a| !matches!(a, A::RelayDigit { to, .. } if *to == SUP))
    );
}

#[test]
fn keys_on_the_supervisors_phone_switch_between_listen_whisper_and_barge() {
    let mut b = talking();
    b.command(2_000, C::Monitor(Mode::Listen));
    b.handle(3_000, E::Answered(SUP));
    let out = b.handle(4_000, E::Digit(SUP, '5'));
    assert!(out.contains(&A::Monitoring {
        leg: SUP,
        mode: Mode::Whisper
    }));
    assert!(out.contains(&A::Hears {
        listener: ANNA,
        speaker: SUP,
        on: true
    }));
    assert_eq!(matrix(&b), (false, true, true, true));
    b.handle(5_000, E::Digit(SUP, '6'));
    assert_eq!(matrix(&b), (true, true, true, true));
    assert_eq!(b.monitoring(), Some((SUP, Mode::Barge)));
    b.handle(6_000, E::Digit(SUP, '4'));
    assert_eq!(matrix(&b), (false, false, true, true));
    // Other keys, the same mode again, and keys from anyone else change nothing.
    assert!(b.handle(7_000, E::Digit(SUP, '9')).is_empty());
    assert!(b.handle(7_100, E::Digit(SUP, '4')).is_empty());
    b.handle(7_200, E::Digit(CALLER, '6'));
    assert_eq!(b.monitoring(), Some((SUP, Mode::Listen)));
    // The API switches too; a switch before the answer is just the mode they join in.
    let out = b.command(8_000, C::Monitor(Mode::Whisper));
    assert_eq!(
        out.iter()
            .filter(|a| matches!(a, A::Monitoring { .. }))
            .count(),
        1
    );
    assert_eq!(matrix(&b), (false, true, true, true));
}

#[test]
fn the_supervisor_leaving_changes_nothing_for_the_call() {
    let mut b = talking();
    b.command(2_000, C::Monitor(Mode::Barge));
    b.handle(3_000, E::Answered(SUP));
    let out = b.handle(4_000, E::Ended(SUP, Gone::Far));
    assert!(out.iter().any(|a| matches!(
        a,
        A::LegGone {
            leg: SUP,
            role: Role::Supervisor,
            ..
        }
    )));
    assert!(!out.contains(&A::HangUp(ANNA)) && !out.contains(&A::Done));
    assert_eq!(matrix(&b), (false, false, false, false));
    assert!(b.hears(CALLER, ANNA) && b.hears(ANNA, CALLER));
    // Another may join now.
    assert_eq!(b.may_monitor(), Ok(()));
    // One who never answers leaves no trace either.
    b.command(5_000, C::Monitor(Mode::Listen));
    let out = b.handle(
        6_000,
        E::Failed(LegId(3), crate::dispatch::DialResult::NoAnswer),
    );
    assert!(!out.contains(&A::Done));
    assert_eq!(b.monitoring(), None);
}

#[test]
fn the_supervisor_is_hung_up_when_the_agent_leaves_and_with_the_call() {
    let mut b = talking();
    b.command(2_000, C::Monitor(Mode::Listen));
    b.handle(3_000, E::Answered(SUP));
    let out = b.handle(4_000, E::Ended(ANNA, Gone::Far));
    assert!(out.contains(&A::HangUp(SUP)), "{out:?}");
    assert_eq!(b.state(SUP), Some(LegState::Ended));

    let mut b = talking();
    b.command(2_000, C::Monitor(Mode::Listen));
    b.handle(3_000, E::Answered(SUP));
    let out = b.handle(4_000, E::Ended(CALLER, Gone::Far));
    assert!(out.contains(&A::HangUp(SUP)) && out.contains(&A::Done));
}

#[test]
fn nobody_to_listen_to_means_no_supervisor() {
    // Ringing agent, not yet bridged.
    let mut b = Bridge::inbound();
    b.command(
        0,
        C::RingAgent {
            agent: "anna".into(),
            whisper: false,
        },
    );
    assert_eq!(b.may_monitor(), Err(MonitorRefusal::NotBridged));
    assert!(b.command(1_000, C::Monitor(Mode::Listen)).is_empty());
    // A caller alone in the menu.
    let b = Bridge::inbound();
    assert_eq!(b.may_monitor(), Err(MonitorRefusal::NotBridged));
}

#[test]
fn a_hold_silences_the_supervisor_towards_the_held_side_and_a_transfer_keeps_them_on() {
    let mut b = talking();
    b.command(2_000, C::Monitor(Mode::Barge));
    b.handle(3_000, E::Answered(SUP));
    b.handle(4_000, E::Hold(CALLER, true));
    assert!(!b.hears(CALLER, SUP) && !b.hears(SUP, CALLER));
    b.handle(5_000, E::Hold(CALLER, false));
    assert_eq!(matrix(&b), (true, true, true, true));
    // Anna passes the caller to Bob: while Bob rings the supervisor hears nobody, then Bob.
    let out = b.command(
        6_000,
        C::Transfer {
            by: ANNA,
            target: crate::bridge::Target::Agent("bob".into()),
        },
    );
    let bob = LegId(3);
    assert!(out.contains(&A::Place(bob)));
    assert_eq!(matrix(&b), (false, false, false, false));
    let out = b.handle(7_000, E::Answered(bob));
    assert!(!out.contains(&A::HangUp(SUP)), "{out:?}");
    assert!(b.hears(SUP, bob) && b.hears(bob, SUP) && b.hears(SUP, CALLER));
}
