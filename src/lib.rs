//! frontdesk: a call-handling service behind a company PBX.
//!
//! The modules read as the architecture (see docs/architecture.md):
//! - [`announce`]: numbers with their plural forms and the callback promise, as the caller hears them.
//! - [`config`]: settings from defaults, TOML, environment and flags, validated before anything starts.
//! - [`phone`]: E.164 normalisation of every number that enters the system.
//! - [`presence`]: away after unanswered rings, and phones that stop answering SIP OPTIONS.
//! - [`schedule`]: pure working-hours calendars, the callback planner and SLA clock.
//! - [`import`]: CSV parsing that names the line and field of every bad row.
//! - [`store`]: the client card and every table behind it, on SQLite or PostgreSQL.
//! - [`auth`]: API tokens (only their hashes are stored).
//! - [`callbacks`]: planning a callback request against the store and the calendars.
//! - [`events`]: the in-process bus of what supervisors should see live (complaints, callbacks).
//! - [`connections`]: how many connections one address and everyone may hold (SIP streams, HTTP).
//! - [`http`]: the HTTP surface: health, metrics, the JSON API and the supervisor console.
//! - [`retention`]: the daily job that removes what `[retention]` says is past due.
//! - [`server`]: `serve` wiring: one cancellation tree for every task.
//! - [`cli`]: the administrator's commands.

pub mod announce;
pub mod auth;
pub mod bridge;
pub mod callbacks;
pub mod cli;
pub mod config;
pub mod connections;
pub mod dispatch;
pub mod events;
pub mod flow;
pub mod http;
pub mod i18n;
pub mod import;
pub mod live;
pub mod media;
pub mod metrics;
pub mod nodes;
pub mod notify;
pub mod phone;
pub mod presence;
pub mod recording;
pub mod retention;
pub mod routing;
pub mod schedule;
pub mod server;
pub mod sip;
pub mod speech;
pub mod storage;
pub mod store;
