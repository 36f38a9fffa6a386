//! Who takes a claimed callback, decided at dial time: the DNC list is read again (a number listed
//! after the request was planned is never dialled), the calling windows are checked again (a
//! request picked up late, after a node was down, never rings outside them), an owned request
//! waits for its owner for a while, then any free agent takes it, one who speaks the client's
//! language first.

use crate::store::{CallbackRow, FreeAgent};
use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pick {
    /// Never dial it: `dnc` (listed since it was planned, no consent given in the call), or no
    /// calling window left.
    Close(&'static str),
    /// Ring this agent first (`owned`: the request's own agent).
    Agent { id: String, owned: bool },
    /// Nobody suitable is free: put it back and look again at `until`.
    Wait { until: DateTime<Utc> },
}

/// How long to wait before looking again when nobody suitable is free.
pub const WAIT_FOR_OWNER: i64 = 60;
pub const WAIT_FOR_ANYONE: i64 = 30;

/// `window` is the first instant at or after `now` inside every calling window (client, company,
/// legal hours); `None` when there is none left.
#[allow(clippy::too_many_arguments)]
pub fn pick(
    cb: &CallbackRow,
    dnc_now: bool,
    window: Option<DateTime<Utc>>,
    free: &[FreeAgent],
    language: Option<&str>,
    now: DateTime<Utc>,
    owner_wait: Duration,
) -> Pick {
    if dnc_now && !cb.dnc_consent {
        return Pick::Close("dnc");
    }
    match window {
        None => return Pick::Close("no calling window left"),
        Some(at) if at > now => return Pick::Wait { until: at },
        Some(_) => {}
    }
    if let Some(owner) = &cb.agent_id {
        if free.iter().any(|a| &a.id == owner) {
            return Pick::Agent {
                id: owner.clone(),
                owned: true,
            };
        }
        if now < cb.slot_start + owner_wait {
            return Pick::Wait {
                until: now + Duration::seconds(WAIT_FOR_OWNER),
            };
        }
    }
    // `free` is longest-free first; prefer one who speaks the client's language.
    let speaks = |a: &&FreeAgent| language.is_some_and(|l| a.languages.iter().any(|x| x == l));
    match free.iter().find(speaks).or_else(|| free.first()) {
        Some(a) => Pick::Agent {
            id: a.id.clone(),
            owned: false,
        },
        None => Pick::Wait {
            until: now + Duration::seconds(WAIT_FOR_ANYONE),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dispatch::clock::{Clock, ManualClock};
    use crate::store::CallbackStatus;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()
    }

    fn cb(owner: Option<&str>, consent: bool) -> CallbackRow {
        CallbackRow {
            id: 1,
            phone: "+37061234567".into(),
            source: "menu".into(),
            reason: None,
            requested_at: t0(),
            requested_by: None,
            agent_id: owner.map(str::to_string),
            queue_position: None,
            dnc_consent: consent,
            slot_start: t0(),
            slot_end: t0() + Duration::minutes(30),
            sla_deadline: t0() + Duration::hours(8),
            at_risk: false,
            client_tz: "Europe/Vilnius".into(),
            plan_reason: String::new(),
            promise: None,
            status: CallbackStatus::Dialing,
            attempts: 0,
            next_attempt_at: t0(),
            result: None,
            closed_at: None,
        }
    }

    fn agent(id: &str, langs: &[&str]) -> FreeAgent {
        FreeAgent {
            id: id.into(),
            uri: format!("sip:{id}@127.0.0.1"),
            languages: langs.iter().map(|l| l.to_string()).collect(),
            free_since: 0,
        }
    }

    #[test]
    fn a_number_listed_since_planning_is_never_dialled_unless_the_caller_agreed() {
        let free = [agent("a", &[])];
        assert_eq!(
            pick(
                &cb(None, false),
                true,
                Some(t0()),
                &free,
                None,
                t0(),
                Duration::minutes(30)
            ),
            Pick::Close("dnc")
        );
        assert!(matches!(
            pick(
                &cb(None, true),
                true,
                Some(t0()),
                &free,
                None,
                t0(),
                Duration::minutes(30)
            ),
            Pick::Agent { .. }
        ));
    }

    #[test]
    fn an_owned_request_waits_for_its_owner_then_falls_back_to_the_pool() {
        let clock = ManualClock::new(t0() + Duration::minutes(5));
        let wait = Duration::minutes(30);
        let free = [agent("bob", &["lt"]), agent("anna", &["en"])];
        assert_eq!(
            pick(
                &cb(Some("anna"), false),
                false,
                Some(clock.now()),
                &free,
                None,
                clock.now(),
                wait
            ),
            Pick::Agent {
                id: "anna".into(),
                owned: true
            }
        );
        let others = [agent("bob", &["lt"])];
        assert_eq!(
            pick(
                &cb(Some("anna"), false),
                false,
                Some(clock.now()),
                &others,
                None,
                clock.now(),
                wait
            ),
            Pick::Wait {
                until: clock.now() + Duration::seconds(WAIT_FOR_OWNER)
            }
        );
        clock.advance(Duration::minutes(26));
        assert_eq!(
            pick(
                &cb(Some("anna"), false),
                false,
                Some(clock.now()),
                &others,
                None,
                clock.now(),
                wait
            ),
            Pick::Agent {
                id: "bob".into(),
                owned: false
            },
            "past the owner's wait: the pool"
        );
    }

    #[test]
    fn the_pool_prefers_the_clients_language_then_the_longest_free() {
        let free = [agent("bob", &["lt"]), agent("anna", &["en", "ru"])];
        let got = |lang| {
            pick(
                &cb(None, false),
                false,
                Some(t0()),
                &free,
                lang,
                t0(),
                Duration::zero(),
            )
        };
        assert_eq!(
            got(Some("ru")),
            Pick::Agent {
                id: "anna".into(),
                owned: false
            }
        );
        assert_eq!(
            got(Some("uk")),
            Pick::Agent {
                id: "bob".into(),
                owned: false
            }
        );
        assert_eq!(
            pick(
                &cb(None, false),
                false,
                Some(t0()),
                &[],
                None,
                t0(),
                Duration::zero()
            ),
            Pick::Wait {
                until: t0() + Duration::seconds(WAIT_FOR_ANYONE)
            }
        );
    }

    #[test]
    fn outside_the_calling_windows_it_waits_for_the_next_one_or_closes() {
        let free = [agent("a", &[])];
        let evening = t0() + Duration::hours(12);
        let morning = t0() + Duration::hours(24);
        assert_eq!(
            pick(
                &cb(None, false),
                false,
                Some(morning),
                &free,
                None,
                evening,
                Duration::zero()
            ),
            Pick::Wait { until: morning },
            "picked up late (a node was down): never rings outside the windows"
        );
        assert_eq!(
            pick(
                &cb(None, false),
                false,
                None,
                &free,
                None,
                evening,
                Duration::zero()
            ),
            Pick::Close("no calling window left")
        );
        assert_eq!(
            pick(
                &cb(None, true),
                true,
                None,
                &free,
                None,
                evening,
                Duration::zero()
            ),
            Pick::Close("no calling window left"),
            "consent lifts the DNC block, not the calling hours"
        );
    }
}
