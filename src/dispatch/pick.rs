//! Who takes a claimed callback, decided at dial time: the DNC list is read again (a number listed
//! after the request was planned is never dialled), an owned request waits for its owner for a
//! while, then any free agent takes it, one who speaks the client's language first.

use crate::store::{CallbackRow, FreeAgent};
use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pick {
    /// Listed since it was planned and no consent was given in the call: close it, never dial.
    CloseDnc,
    /// Ring this agent first (`owned`: the request's own agent).
    Agent { id: String, owned: bool },
    /// Nobody suitable is free: put it back and look again at `until`.
    Wait { until: DateTime<Utc> },
}

/// How long to wait before looking again when nobody suitable is free.
pub const WAIT_FOR_OWNER: i64 = 60;
pub const WAIT_FOR_ANYONE: i64 = 30;

pub fn pick(
    cb: &CallbackRow,
    dnc_now: bool,
    free: &[FreeAgent],
    language: Option<&str>,
    now: DateTime<Utc>,
    owner_wait: Duration,
) -> Pick {
    if dnc_now && !cb.dnc_consent {
        return Pick::CloseDnc;
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
                &free,
                None,
                t0(),
                Duration::minutes(30)
            ),
            Pick::CloseDnc
        );
        assert!(matches!(
            pick(
                &cb(None, true),
                true,
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
        let got = |lang| pick(&cb(None, false), false, &free, lang, t0(), Duration::zero());
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
            pick(&cb(None, false), false, &[], None, t0(), Duration::zero()),
            Pick::Wait {
                until: t0() + Duration::seconds(WAIT_FOR_ANYONE)
            }
        );
    }
}
