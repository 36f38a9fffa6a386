//! Blind transfers as scripts: to an agent, to the queue, to an outside number; failures and
//! refusals.

use super::*;
use crate::bridge::{Action as A, Command as C, Event as E, Gone, LegId, Refusal, Role, Target};

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
    assert!(b.hears(CALLER, ANNA));
    b
}

fn to_bob(b: &mut Bridge) -> Vec<A> {
    b.command(
        5_000,
        C::Transfer {
            by: ANNA,
            target: Target::Agent("bob".into()),
        },
    )
}

fn releases(actions: &[A]) -> Vec<(String, bool)> {
    actions
        .iter()
        .filter_map(|a| match a {
            A::Release { agent, talked, .. } => Some((agent.clone(), *talked)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_transfer_to_an_agent_rings_them_with_music_for_the_caller_then_hangs_up_the_first() {
    let mut b = talking();
    let out = to_bob(&mut b);
    assert_eq!(
        out[..2],
        [
            A::TransferProgress {
                by: ANNA,
                status: 100
            },
            A::Place(BOB)
        ]
    );
    assert_eq!(b.role(BOB), Some(Role::Agent));
    assert_eq!(b.agent(BOB), Some("bob"));
    assert!(b.music(CALLER) && !b.hears(CALLER, ANNA) && !b.hears(ANNA, CALLER));
    assert!(b.transferring());
    assert!(releases(&out).is_empty());
    // The caller's keys go nowhere meanwhile.
    assert!(b.handle(6_000, E::Digit(CALLER, '5')).is_empty());

    let out = b.handle(8_000, E::Answered(BOB));
    let notify = out
        .iter()
        .position(|a| {
            *a == A::TransferProgress {
                by: ANNA,
                status: 200,
            }
        })
        .expect("the transferor hears of the answer");
    let bye = out
        .iter()
        .position(|a| *a == A::HangUp(ANNA))
        .expect("then is hung up");
    assert!(notify < bye, "NOTIFY 200 before the BYE: {out:?}");
    assert_eq!(releases(&out), [("anna".to_string(), true)], "wrap-up");
    assert!(out.contains(&A::LegGone {
        leg: ANNA,
        role: Role::Agent,
        why: Gone::Transferred,
        handed_over: true,
    }));
    assert!(out.contains(&A::Connected {
        agent: BOB,
        party: CALLER
    }));
    assert!(b.hears(CALLER, BOB) && b.hears(BOB, CALLER) && !b.music(CALLER));
    assert!(!b.transferring());
    // Bob hangs up later: an ordinary end of the agent's part (the survey follows).
    let out = b.handle(20_000, E::Ended(BOB, Gone::Far));
    assert_eq!(releases(&out), [("bob".to_string(), true)]);
    assert!(out.contains(&A::LegGone {
        leg: BOB,
        role: Role::Agent,
        why: Gone::Far,
        handed_over: false,
    }));
}

#[test]
fn a_target_that_does_not_answer_gives_the_caller_back_to_the_transferor() {
    let mut b = talking();
    to_bob(&mut b);
    let out = b.handle(20_000, E::Failed(BOB, DialResult::Busy));
    assert!(out.contains(&A::TransferProgress {
        by: ANNA,
        status: 486
    }));
    assert_eq!(releases(&out), [("bob".to_string(), false)]);
    assert!(b.hears(CALLER, ANNA) && b.hears(ANNA, CALLER) && !b.music(CALLER));
    assert!(!b.transferring());
    assert_eq!(b.may_transfer(ANNA), Ok(()), "and may try again");
    // Not answered in time is 480.
    let mut b = talking();
    to_bob(&mut b);
    let out = b.handle(20_000, E::Failed(BOB, DialResult::NoAnswer));
    assert!(out.contains(&A::TransferProgress {
        by: ANNA,
        status: 480
    }));
}

#[test]
fn a_transferor_who_leaves_first_is_released_and_the_caller_stays_for_the_target() {
    let mut b = talking();
    to_bob(&mut b);
    let out = b.handle(6_000, E::Ended(ANNA, Gone::Far));
    assert_eq!(releases(&out), [("anna".to_string(), true)]);
    assert!(out.contains(&A::LegGone {
        leg: ANNA,
        role: Role::Agent,
        why: Gone::Far,
        handed_over: true,
    }));
    assert!(b.music(CALLER) && !b.is_done());
    let out = b.handle(8_000, E::Answered(BOB));
    assert!(!out.iter().any(|a| matches!(a, A::TransferProgress { .. })));
    assert!(b.hears(CALLER, BOB));
    // Had Bob not answered, the caller would have gone back to the queue.
    let mut b = talking();
    to_bob(&mut b);
    b.handle(6_000, E::Ended(ANNA, Gone::Far));
    let out = b.handle(9_000, E::Failed(BOB, DialResult::NoAnswer));
    assert!(out.contains(&A::Requeue));
    assert!(b.music(CALLER) && !b.is_done());
}

#[test]
fn the_caller_leaving_during_a_transfer_ends_every_leg_once() {
    let mut b = talking();
    to_bob(&mut b);
    let out = b.handle(6_000, E::Ended(CALLER, Gone::Far));
    assert!(out.contains(&A::HangUp(ANNA)) && out.contains(&A::HangUp(BOB)));
    let mut r = releases(&out);
    r.sort();
    assert_eq!(r, [("anna".to_string(), true), ("bob".to_string(), false)]);
    assert!(!out.contains(&A::Requeue));
    assert_eq!(out.last(), Some(&A::Done));
}

#[test]
fn back_to_the_queue_hangs_up_the_transferor_at_once() {
    let mut b = talking();
    let out = b.command(
        5_000,
        C::Transfer {
            by: ANNA,
            target: Target::Queue,
        },
    );
    let progress: Vec<_> = out
        .iter()
        .filter_map(|a| match a {
            A::TransferProgress { status, .. } => Some(*status),
            _ => None,
        })
        .collect();
    assert_eq!(progress, [100, 200]);
    assert!(out.contains(&A::Requeue) && out.contains(&A::HangUp(ANNA)));
    assert_eq!(releases(&out), [("anna".to_string(), true)]);
    assert!(b.music(CALLER) && b.agent_leg().is_none());
    // The next agent from the queue is bridged as usual.
    b.command(
        9_000,
        C::RingAgent {
            agent: "carl".into(),
            whisper: false,
        },
    );
    let out = b.handle(10_000, E::Answered(BOB));
    assert!(out.contains(&A::Connected {
        agent: BOB,
        party: CALLER
    }));
    assert!(b.hears(CALLER, BOB) && !b.music(CALLER));
}

#[test]
fn an_outside_number_takes_the_agents_place() {
    let mut b = talking();
    b.command(
        5_000,
        C::Transfer {
            by: ANNA,
            target: Target::External("+37060000000".into()),
        },
    );
    assert_eq!(b.role(BOB), Some(Role::External));
    assert_eq!(b.agent(BOB), None);
    let out = b.handle(7_000, E::Answered(BOB));
    assert!(out.contains(&A::HangUp(ANNA)));
    assert!(b.hears(CALLER, BOB) && b.hears(BOB, CALLER));
    // Keys and holds pass as with an agent.
    assert_eq!(
        b.handle(8_000, E::Digit(CALLER, '3')),
        [A::RelayDigit {
            to: BOB,
            digit: '3'
        }]
    );
    let out = b.handle(9_000, E::Ended(BOB, Gone::Far));
    assert!(releases(&out).is_empty(), "nobody to release");
}

#[test]
fn only_the_bridged_agent_may_transfer_and_only_once_at_a_time() {
    let mut b = Bridge::inbound();
    assert_eq!(b.may_transfer(CALLER), Err(Refusal::NotBridged));
    b.command(
        0,
        C::RingAgent {
            agent: "anna".into(),
            whisper: false,
        },
    );
    assert_eq!(b.may_transfer(ANNA), Err(Refusal::NotBridged), "ringing");
    b.handle(1_000, E::Answered(ANNA));
    assert_eq!(b.may_transfer(ANNA), Ok(()));
    assert_eq!(b.may_transfer(CALLER), Err(Refusal::NotBridged));
    assert_eq!(b.may_transfer(LegId(7)), Err(Refusal::NotBridged));
    to_bob(&mut b);
    assert_eq!(b.may_transfer(ANNA), Err(Refusal::InProgress));
    assert_eq!(Refusal::InProgress.status(), 491);
    // A second request changes nothing.
    assert!(to_bob(&mut b).is_empty());
    assert_eq!(
        b.may_transfer(BOB),
        Err(Refusal::NotBridged),
        "still ringing"
    );
    // A callback's agent cannot pass the client on.
    let (mut cb, _) = Bridge::callback("anna".into(), 0);
    cb.handle(10, E::Answered(LegId(0)));
    cb.handle(20, E::PlaybackFinished(LegId(0)));
    cb.handle(30, E::Answered(LegId(1)));
    assert_eq!(cb.may_transfer(LegId(0)), Err(Refusal::Callback));
}

#[test]
fn a_hold_the_transferor_placed_is_lifted_for_the_target() {
    let mut b = talking();
    // The phone holds the caller before it sends the REFER.
    b.handle(2_000, E::Hold(ANNA, true));
    assert!(b.music(CALLER));
    let out = to_bob(&mut b);
    assert!(out.contains(&A::RelayHold {
        to: CALLER,
        on: false
    }));
    assert!(b.music(CALLER), "music while the target rings");
    let out = b.handle(8_000, E::Answered(BOB));
    assert!(!out.iter().any(|a| matches!(
        a,
        A::RelayHold {
            to: CALLER,
            on: true
        }
    )));
    assert!(b.hears(CALLER, BOB) && !b.music(CALLER));
}

fn with_keys(mut b: Bridge) -> Bridge {
    use crate::bridge::keys::{Code, Kind};
    let code = Code {
        keys: "#1".into(),
        kind: Kind::Transfer,
    };
    b.set_keys(crate::bridge::Keys::new(vec![code], 3_000));
    b
}

#[test]
fn the_bridged_agents_keys_are_read_for_a_transfer_code_and_never_relayed() {
    use crate::bridge::Feature;
    let mut b = with_keys(talking());
    let mut got = Vec::new();
    for (i, k) in "#1204#".chars().enumerate() {
        got.extend(b.handle(2_000 + 100 * i as u64, E::Digit(ANNA, k)));
    }
    assert_eq!(
        got,
        [A::Feature {
            leg: ANNA,
            feature: Feature::Transfer("204".into())
        }]
    );
    // The caller's keys go to the agent as before and are not read as codes.
    let out = b.handle(3_000, E::Digit(CALLER, '#'));
    assert_eq!(
        out,
        [A::RelayDigit {
            to: ANNA,
            digit: '#'
        }]
    );
    // A target keyed and left is taken when its time comes.
    b.handle(4_000, E::Digit(ANNA, '#'));
    b.handle(4_100, E::Digit(ANNA, '1'));
    b.handle(4_200, E::Digit(ANNA, '0'));
    assert_eq!(b.deadline(), Some(7_200));
    assert_eq!(
        b.handle(7_200, E::Tick),
        [A::Feature {
            leg: ANNA,
            feature: Feature::Transfer("0".into())
        }]
    );
}

#[test]
fn keys_of_an_agent_not_bridged_are_ignored() {
    let mut b = with_keys(Bridge::inbound());
    b.command(
        0,
        C::RingAgent {
            agent: "anna".into(),
            whisper: false,
        },
    );
    for k in "#1204#".chars() {
        assert!(b.handle(100, E::Digit(ANNA, k)).is_empty(), "still ringing");
    }
    b.handle(1_000, E::Answered(ANNA));
    to_bob(&mut b);
    for k in "#1204#".chars() {
        assert!(b.handle(6_000, E::Digit(ANNA, k)).is_empty(), "parked");
    }
}
