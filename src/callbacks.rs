//! Planning a callback for a real number: gathers the card, the lists and the calendars from the
//! store and the configuration, then asks the pure planner.

use crate::announce::{self, PromiseFacts};
use crate::config::Config;
use crate::flow::Lang;
use crate::schedule::calendar::Calendar;
use crate::schedule::hours::WeeklyHours;
use crate::schedule::planner::{self, ClientWindow, Plan, PlanError, Policy, Request, SlaRule};
use crate::store::{
    CallbackRow, CallbackSource, DncEntry, NewCallback, PromiseEmail, Store, StoreError,
};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

#[derive(Debug, thiserror::Error)]
pub enum CallbackError {
    #[error("{phone} is on the do-not-call list since {} ({}): no callback", .entry.since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true), .entry.reason.as_deref().unwrap_or("no reason given"))]
    DoNotCall { phone: String, entry: Box<DncEntry> },
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the card of {phone} has an invalid {field}: {message}")]
    BadCard {
        phone: String,
        field: &'static str,
        message: String,
    },
    #[error("no agent {0:?}")]
    UnknownAgent(String),
}

/// The company's calendar and planning policy, built once from the configuration.
#[derive(Debug, Clone)]
pub struct Planner {
    pub company: Calendar,
    pub default_hours: WeeklyHours,
    pub policy: Policy,
    /// The language of a promise to a client whose language nobody knows.
    pub default_lang: Lang,
    /// Whether the promise is e-mailed to a client with an address (`[notify.email]`).
    pub email: bool,
    /// The company's name, in the e-mail's subject.
    pub company_name: String,
}

impl Planner {
    pub fn from_config(cfg: &Config) -> Planner {
        Planner {
            company: Calendar::new(cfg.company.time_zone, cfg.company.hours.clone())
                .with_holidays(cfg.company.holidays.iter().copied()),
            default_hours: cfg.clients.default_hours.clone(),
            policy: Policy {
                min_delay: chrono::Duration::minutes(i64::from(cfg.callbacks.min_delay_minutes)),
                sla_working_hours: cfg.callbacks.sla_working_hours,
                slot_minutes: cfg.callbacks.slot_minutes,
            },
            default_lang: cfg.flow.default_language,
            email: cfg.notify.email.is_some(),
            company_name: cfg.company.name.clone(),
        }
    }

    /// The client's window: zone from the card, else from the number, else the company's.
    pub async fn client_window(
        &self,
        store: &Store,
        phone: &str,
    ) -> Result<ClientWindow, CallbackError> {
        let card = store.client(phone).await?;
        let bad = |field, message: String| CallbackError::BadCard {
            phone: phone.to_string(),
            field,
            message,
        };
        let card_tz = match card.as_ref().and_then(|c| c.time_zone.as_deref()) {
            Some(tz) => Some(
                tz.parse::<Tz>()
                    .map_err(|_| bad("time_zone", format!("unknown zone {tz:?}")))?,
            ),
            None => None,
        };
        let hours = match card.as_ref().and_then(|c| c.hours.as_deref()) {
            Some(h) => h.parse().map_err(|e| bad("hours", format!("{e}")))?,
            None => self.default_hours.clone(),
        };
        Ok(ClientWindow::resolve(
            card_tz,
            Some(phone),
            self.company.tz,
            Some(hours),
        ))
    }

    /// The first instant at or after `at` when this client may be called (client, company and
    /// legal hours all open); `None` when there is none within the planning horizon.
    pub fn next_open(&self, client: &ClientWindow, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        planner::next_slot(&self.company, client, &self.policy, at)
            .ok()
            .map(|slot| slot.start)
    }

    /// The slot a callback requested at `at` would get; a DNC number is refused.
    pub async fn plan(
        &self,
        store: &Store,
        phone: &str,
        at: DateTime<Utc>,
        sla: SlaRule,
    ) -> Result<Plan, CallbackError> {
        if let Some(entry) = store.dnc_entry(phone).await? {
            return Err(CallbackError::DoNotCall {
                phone: phone.to_string(),
                entry: Box::new(entry),
            });
        }
        let client = self.client_window(store, phone).await?;
        let plan = planner::plan(
            &self.company,
            &client,
            &self.policy,
            &Request {
                requested_at: at,
                sla,
            },
        )?;
        tracing::info!(phone, slot = %plan.slot_start, deadline = %plan.sla_deadline, at_risk = plan.at_risk, reason = %plan.reason, "callback planned");
        Ok(plan)
    }

    /// Plans and stores a request. A request passed to a named person is due the same working day.
    pub async fn request(
        &self,
        store: &Store,
        req: CallbackRequest,
        now: DateTime<Utc>,
    ) -> Result<CallbackRow, CallbackError> {
        self.request_from_queue(store, req, None, now).await
    }

    /// As [`request`](Self::request), for a caller who left the queue at `queue_position`: the
    /// callback keeps that place (it goes out before later requests).
    pub async fn request_from_queue(
        &self,
        store: &Store,
        req: CallbackRequest,
        queue_position: Option<u32>,
        now: DateTime<Utc>,
    ) -> Result<CallbackRow, CallbackError> {
        let (new, _) = self.prepare(store, req, queue_position, now).await?;
        Ok(store.insert_callback(&new, now).await?)
    }

    /// Plans a request without storing it: the row to insert and the language of its promise.
    /// A DNC number is refused unless the caller consented in the call.
    pub async fn prepare(
        &self,
        store: &Store,
        req: CallbackRequest,
        queue_position: Option<u32>,
        now: DateTime<Utc>,
    ) -> Result<(NewCallback, Lang), CallbackError> {
        if let Some(agent) = &req.agent_id
            && store.agent(agent).await?.is_none()
        {
            return Err(CallbackError::UnknownAgent(agent.clone()));
        }
        let sla = if req.agent_id.is_some() {
            SlaRule::SameWorkingDay
        } else {
            SlaRule::WorkingHours
        };
        let plan = if req.dnc_consent {
            let client = self.client_window(store, &req.phone).await?;
            planner::plan(
                &self.company,
                &client,
                &self.policy,
                &Request {
                    requested_at: req.requested_at,
                    sla,
                },
            )?
        } else {
            self.plan(store, &req.phone, req.requested_at, sla).await?
        };
        let lang = match req.lang {
            Some(lang) => lang,
            None => store
                .client(&req.phone)
                .await?
                .and_then(|c| c.language)
                .and_then(|l| l.parse().ok())
                .unwrap_or(self.default_lang),
        };
        let promise = announce::promise(&PromiseFacts {
            lang,
            now,
            slot_start: plan.slot_start,
            slot_end: plan.slot_end,
            client_tz: plan.client_tz,
            company_tz: self.company.tz,
            constrained_by: &plan.constrained_by,
            dnc_consent: req.dnc_consent,
        });
        let new = NewCallback {
            phone: req.phone,
            source: req.source,
            reason: req.reason,
            requested_at: req.requested_at,
            requested_by: req.requested_by,
            agent_id: req.agent_id,
            call_id: req.call_id,
            queue_position: queue_position.map(i64::from),
            dnc_consent: req.dnc_consent,
            slot_start: plan.slot_start,
            slot_end: plan.slot_end,
            sla_deadline: plan.sla_deadline,
            at_risk: plan.at_risk,
            client_tz: plan.client_tz.name().to_string(),
            plan_reason: plan.reason,
            promise: Some(promise),
            email: None,
        };
        let email = self.promise_email(store, &new.phone, lang).await;
        Ok((NewCallback { email, ..new }, lang))
    }

    /// Where the promise is e-mailed, when `[notify.email]` is on and the card has an address.
    /// Queued with the request in one transaction, so it survives a restart and is retried.
    async fn promise_email(&self, store: &Store, phone: &str, lang: Lang) -> Option<PromiseEmail> {
        if !self.email {
            return None;
        }
        let card = match store.client(phone).await {
            Ok(card) => card,
            Err(e) => {
                // The request itself matters more than its e-mail: planned without it.
                tracing::error!(phone, error = %e, "cannot read the card for the promise e-mail");
                return None;
            }
        };
        let to = card
            .and_then(|c| c.email)
            .filter(|e| !e.trim().is_empty())?;
        Some(PromiseEmail {
            to,
            subject: announce::promise::email_subject(lang, &self.company_name),
        })
    }
}

/// A request as it arrives from any channel.
#[derive(Debug, Clone)]
pub struct CallbackRequest {
    pub phone: String,
    pub source: CallbackSource,
    pub reason: Option<String>,
    pub requested_at: DateTime<Utc>,
    pub requested_by: Option<String>,
    pub agent_id: Option<String>,
    pub call_id: Option<String>,
    /// A DNC caller agreed, in this call, to this one callback; the DNC check is then skipped.
    pub dnc_consent: bool,
    /// The language the client spoke in this call; else the card's, else the default.
    pub lang: Option<Lang>,
}
