//! Attended transfers as scripts: consult, complete by key or by hanging up, cancel, the target
//! busy or hanging up, completing while the target still rings.

use super::*;
use crate::bridge::{Action as A, Command as C, Event as E, Gone, LegId, Role, Target};
use crate::dispatch::DialResult;

const CALLER: LegId = LegId(0);
const ANNA: LegId = LegId(1);
const BOB: LegId = LegId(2);

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
    b
}

/// Anna consults Bob; Bob answers.
fn consulting() -> Bridge {
    let mut b = talking();
    let out = b.command(
        2_000,
        C::Consult {
            by: ANNA,
            target: Target::Agent("bob".into()),
        },
    );
    assert!(out.contains(&A::Place(BOB)), "{out:?}");
    assert_eq!(b.role(BOB), Some(Role::Consult));
    assert_eq!(b.agent(BOB), Some("bob"));
    // The caller hears music, not Anna; Anna hears nobody yet.
    assert!(b.music(CALLER) && !b.hears(CALLER, ANNA) && !b.hears(ANNA, CALLER));
    let out = b.handle(3_000, E::Answered(BOB));
    assert!(out.contains(&A::Consulting { by: ANNA, to: BOB }));
    assert!(!out.iter().any(|a| matches!(a, A::Connected { .. })));
    assert!(b.hears(ANNA, BOB) && b.hears(BOB, ANNA));
    assert!(!b.hears(CALLER, BOB) && !b.hears(BOB, CALLER) && b.music(CALLER));
    assert_eq!(b.consulting(), Some((ANNA, BOB)));
    b
}

fn released(out: &[A], who: &str) -> Option<bool> {
    out.iter().find_map(|a| match a {
        A::Release { agent, talked, .. } if agent == who => Some(*talked),
        _ => None,
    })
}

#[test]
fn completing_hands_the_caller_to_the_target_and_releases_the_agent_to_wrap_up() {
    let mut b = consulting();
    // Nobody else may transfer meanwhile.
    assert_eq!(
        b.may_transfer(ANNA),
        Err(crate::bridge::Refusal::InProgress)
    );
    let out = b.command(5_000, C::CompleteConsult { by: ANNA });
    let promote = out.iter().position(|a| *a == A::Promote { leg: BOB });
    let bye = out.iter().position(|a| *a == A::HangUp(ANNA));
    assert!(
        promote.is_some() && bye.is_some() && promote < bye,
        "{out:?}"
    );
    assert!(out.contains(&A::Connected {
        agent: BOB,
        party: CALLER
    }));
    assert_eq!(released(&out, "anna"), Some(true), "Anna wraps up");
    assert!(out.iter().any(|a| matches!(
        a,
        A::LegGone {
            leg: ANNA,
            handed_over: true,
            ..
        }
    )));
    assert_eq!(b.role(BOB), Some(Role::Agent));
    assert!(b.hears(CALLER, BOB) && b.hears(BOB, CALLER) && !b.music(CALLER));
    assert_eq!(b.consulting(), None);
    assert!(!b.transferring());
    // Bob may pass the caller on again later; his hanging up is the caller's agent leaving.
    assert_eq!(b.may_transfer(BOB), Ok(()));
    let out = b.handle(9_000, E::Ended(BOB, Gone::Far));
    assert_eq!(released(&out, "bob"), Some(true));
    assert!(out.iter().any(|a| matches!(
        a,
        A::LegGone {
            leg: BOB,
            role: Role::Agent,
            handed_over: false,
            ..
        }
    )));
}

#[test]
fn the_agent_hanging_up_after_the_answer_completes_too() {
    let mut b = consulting();
    let out = b.handle(5_000, E::Ended(ANNA, Gone::Far));
    assert!(out.contains(&A::Promote { leg: BOB }));
    assert!(out.contains(&A::Connected {
        agent: BOB,
        party: CALLER
    }));
    assert!(out.iter().any(|a| matches!(
        a,
        A::LegGone {
            leg: ANNA,
            handed_over: true,
            ..
        }
    )));
    assert!(b.hears(CALLER, BOB) && !out.contains(&A::Done));
}

#[test]
fn cancelling_hangs_up_the_target_and_gives_the_caller_back() {
    let mut b = consulting();
    let out = b.command(5_000, C::CancelConsult { by: ANNA });
    assert!(out.contains(&A::HangUp(BOB)));
    assert!(out.contains(&A::ConsultEnded {
        by: ANNA,
        status: 487
    }));
    assert_eq!(
        released(&out, "bob"),
        Some(false),
        "Bob never talked to the caller"
    );
    assert!(b.hears(CALLER, ANNA) && b.hears(ANNA, CALLER) && !b.music(CALLER));
    assert_eq!(b.consulting(), None);
    // Anna may try again.
    assert_eq!(b.may_transfer(ANNA), Ok(()));
}

#[test]
fn a_busy_target_or_one_who_hangs_up_ends_the_consultation() {
    let mut b = talking();
    b.command(
        2_000,
        C::Consult {
            by: ANNA,
            target: Target::Agent("bob".into()),
        },
    );
    let out = b.handle(3_000, E::Failed(BOB, DialResult::Busy));
    assert!(out.contains(&A::ConsultEnded {
        by: ANNA,
        status: 486
    }));
    assert!(b.hears(CALLER, ANNA) && !b.music(CALLER));

    let mut b = consulting();
    let out = b.handle(5_000, E::Ended(BOB, Gone::Far));
    assert!(out.contains(&A::ConsultEnded {
        by: ANNA,
        status: 200
    }));
    assert!(b.hears(CALLER, ANNA) && b.hears(ANNA, CALLER));
}

#[test]
fn completing_or_leaving_while_the_target_rings_goes_on_as_a_blind_transfer() {
    let mut b = talking();
    b.command(
        2_000,
        C::Consult {
            by: ANNA,
            target: Target::Agent("bob".into()),
        },
    );
    let out = b.handle(3_000, E::Ended(ANNA, Gone::Far));
    assert!(out.iter().any(|a| matches!(
        a,
        A::LegGone {
            leg: ANNA,
            handed_over: true,
            ..
        }
    )));
    assert!(b.transferring() && b.music(CALLER));
    let out = b.handle(4_000, E::Answered(BOB));
    assert!(out.contains(&A::Connected {
        agent: BOB,
        party: CALLER
    }));
    assert!(b.hears(CALLER, BOB));

    // Completed by key while ringing, then the target does not answer: back to the queue if
    // Anna left, else to Anna.
    let mut b = talking();
    b.command(
        2_000,
        C::Consult {
            by: ANNA,
            target: Target::Agent("bob".into()),
        },
    );
    b.command(2_500, C::CompleteConsult { by: ANNA });
    assert!(b.transferring() && b.state(ANNA) == Some(LegState::Up));
    let out = b.handle(6_000, E::Failed(BOB, DialResult::NoAnswer));
    assert!(out.contains(&A::TransferProgress {
        by: ANNA,
        status: 480
    }));
    assert!(b.hears(CALLER, ANNA));
}

#[test]
fn the_caller_leaving_during_a_consultation_ends_every_leg_and_the_queue_is_never_consulted() {
    let mut b = consulting();
    let out = b.handle(5_000, E::Ended(CALLER, Gone::Far));
    assert!(out.contains(&A::HangUp(ANNA)) && out.contains(&A::HangUp(BOB)));
    assert!(out.contains(&A::Done));
    assert_eq!(released(&out, "bob"), Some(false));

    let mut b = talking();
    let out = b.command(
        2_000,
        C::Consult {
            by: ANNA,
            target: Target::Queue,
        },
    );
    assert!(out.contains(&A::Requeue) && out.contains(&A::HangUp(ANNA)));
    // Keys from the consulting agent are read; from a consult target they are not relayed.
    let mut b = consulting();
    b.set_keys(crate::bridge::Keys::new(
        vec![crate::bridge::keys::Code {
            keys: "#2".into(),
            kind: crate::bridge::keys::Kind::Attended,
        }],
        3_000,
    ));
    b.handle(6_000, E::Digit(ANNA, '#'));
    let out = b.handle(6_100, E::Digit(ANNA, '2'));
    assert!(out.contains(&A::Feature {
        leg: ANNA,
        feature: crate::bridge::Feature::CompleteConsult
    }));
    assert!(b.handle(6_200, E::Digit(BOB, '5')).is_empty());
}
