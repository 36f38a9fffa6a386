//! A blind transfer asked by an agent's phone (SIP REFER, RFC 3515) carried out: the `Refer-To`
//! read strictly, the request refused unless it comes from the agent bridged with the caller,
//! the target resolved (a roster agent by URI or id, the queue, or a number outside), the target
//! agent claimed whatever their presence, and the bridge told.

use super::{Dial, Legs, Outward};
use crate::bridge::{Command, Feature, LegId, Target};
use crate::media::task::MediaTask;
use crate::routing::{AgentGuard, Offer};
use chrono::Utc;
use rsipstack::dialog::dialog::TransactionHandle;
use rsipstack::sip::{Header, Request, StatusCode};
use tracing::warn;

/// A `Refer-To` longer than this is refused (400) before it is looked at further.
pub const MAX_REFER_TO: usize = 256;

/// Where a REFER points, as the transfer needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferTo {
    /// The user part: an agent id, a queue name or a number.
    pub user: String,
    /// `user@host[:port]`, lower-cased, to compare with agents' URIs.
    pub addr: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BadRefer {
    #[error("no Refer-To")]
    Missing,
    #[error("more than one Refer-To")]
    Many,
    #[error("Refer-To longer than {MAX_REFER_TO} bytes")]
    TooLong,
    #[error("Refer-To is not a sip: URI with a user")]
    Malformed,
    #[error("Refer-To with Replaces (attended transfer) is not taken")]
    Replaces,
}

impl BadRefer {
    pub fn status(self) -> u16 {
        match self {
            BadRefer::Replaces => 501,
            _ => 400,
        }
    }
}

fn user_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '*' | '.' | '_' | '-' | '~' | '!')
}

fn host_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']')
}

/// Reads one `Refer-To` value: `<sip:user@host;params?headers>`, a bare URI, or a name-addr
/// with a display name. Only `sip:`/`sips:` with a plain user and host are taken.
pub fn parse_refer_to(value: &str) -> Result<ReferTo, BadRefer> {
    if value.len() > MAX_REFER_TO {
        return Err(BadRefer::TooLong);
    }
    let value = value.trim();
    let uri = match value.find('<') {
        Some(i) => value[i + 1..].split_once('>').ok_or(BadRefer::Malformed)?.0,
        None => value.split(';').next().unwrap_or_default(),
    };
    let (uri, headers) = uri.split_once('?').unwrap_or((uri, ""));
    if headers.to_ascii_lowercase().contains("replaces=") {
        return Err(BadRefer::Replaces);
    }
    let lower = uri.to_ascii_lowercase();
    let rest = if lower.starts_with("sip:") {
        &uri[4..]
    } else if lower.starts_with("sips:") {
        &uri[5..]
    } else {
        return Err(BadRefer::Malformed);
    };
    let rest = rest.split(';').next().unwrap_or_default();
    let (user, host) = rest.split_once('@').ok_or(BadRefer::Malformed)?;
    if user.is_empty() || host.is_empty() || !user.chars().all(user_char) {
        return Err(BadRefer::Malformed);
    }
    if !host.chars().all(host_char) {
        return Err(BadRefer::Malformed);
    }
    Ok(ReferTo {
        user: user.to_string(),
        addr: format!("{user}@{host}").to_ascii_lowercase(),
    })
}

/// The single `Refer-To` of a REFER.
pub fn refer_to(req: &Request) -> Result<ReferTo, BadRefer> {
    let mut values = req.headers.iter().filter_map(|h| match h {
        Header::ReferTo(r) => Some(r.value()),
        _ => None,
    });
    let first = values.next().ok_or(BadRefer::Missing)?;
    if values.next().is_some() {
        return Err(BadRefer::Many);
    }
    parse_refer_to(first)
}

/// `user@host[:port]` of an agent's URI, lower-cased, for comparing with a `Refer-To`.
fn agent_addr(uri: &str) -> Option<String> {
    parse_refer_to(uri).ok().map(|r| r.addr)
}

/// A transfer's target as found in the roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    Agent { id: String, uri: String },
    Queue,
    External(String),
}

impl Legs {
    /// A REFER from leg `by`'s far end: answered here (400, 403, 491, or 202 and NOTIFYs).
    pub(super) async fn on_refer(
        &mut self,
        by: LegId,
        req: &Request,
        handle: TransactionHandle,
        media: &MediaTask,
    ) -> Vec<Outward> {
        let who = self.name(by);
        // The cheap refusals first: who may ask, then whether it can be read at all.
        if let Err(refusal) = self.bridge.may_transfer(by) {
            self.log(&format!("transfer by {who} refused: {refusal:?}"));
            self.answer_refer(by, handle, refusal.status()).await;
            return Vec::new();
        }
        let target = match refer_to(req) {
            Ok(t) => t,
            Err(e) => {
                self.log(&format!("transfer by {who} refused: {e}"));
                self.answer_refer(by, handle, e.status()).await;
                return Vec::new();
            }
        };
        let resolved = self.resolve(&target).await;
        self.answer_refer(by, handle, 202).await;
        self.refer_by = Some(by);
        self.transfer(by, resolved, false, media).await
    }

    /// A feature code the agent keyed (see `[features]`).
    pub async fn on_feature(
        &mut self,
        by: LegId,
        feature: Feature,
        media: &MediaTask,
    ) -> Vec<Outward> {
        let who = self.name(by);
        let attended = matches!(feature, Feature::Consult(_));
        match feature {
            Feature::Transfer(keyed) | Feature::Consult(keyed) => {
                if let Err(refusal) = self.bridge.may_transfer(by) {
                    self.log(&format!("keyed transfer by {who} refused: {refusal:?}"));
                    return Vec::new();
                }
                let target = ReferTo {
                    addr: String::new(),
                    user: keyed,
                };
                let resolved = self.resolve(&target).await;
                self.refer_by = None;
                self.transfer(by, resolved, attended, media).await
            }
            Feature::CompleteConsult => self.command(Command::CompleteConsult { by }, media).await,
            Feature::AbortConsult => self.command(Command::CancelConsult { by }, media).await,
            Feature::ToggleRecording => {
                let paused = self.recording_paused().unwrap_or(false);
                if self.pause_recording(!paused, &who).is_err() {
                    self.log(&format!(
                        "{who} keyed a pause, but the call is not recorded"
                    ));
                }
                Vec::new()
            }
        }
    }

    /// A transfer's progress: on the timeline when final, and to the transferor's phone when it
    /// asked by REFER.
    pub(super) async fn progress(&mut self, by: LegId, status: u16) {
        if status >= 200 {
            self.log(&format!("transfer by {}: {status}", self.name(by)));
        }
        if self.refer_by != Some(by) {
            return;
        }
        if status >= 200 {
            self.refer_by = None;
        }
        if let Some(leg) = &self.slots[by.0].leg {
            leg.notify_transfer(status).await;
        }
    }

    /// Finds what `target` names: an agent by URI, then by id; a queue name; else a number
    /// outside.
    pub(super) async fn resolve(&self, target: &ReferTo) -> Resolved {
        let agents = match self.ctx.store.list_agents().await {
            Ok(a) => a,
            Err(e) => {
                warn!(error = %e, "cannot read the roster for a transfer");
                Vec::new()
            }
        };
        let by_uri = agents
            .iter()
            .find(|a| agent_addr(&a.uri).is_some_and(|u| u == target.addr));
        let by_id = || agents.iter().find(|a| a.id == target.user);
        if let Some(a) = by_uri.or_else(by_id) {
            return Resolved::Agent {
                id: a.id.clone(),
                uri: a.uri.clone(),
            };
        }
        if self.ctx.config.features.is_queue(&target.user) {
            return Resolved::Queue;
        }
        Resolved::External(target.user.clone())
    }

    /// Passes the caller on from leg `by` (already allowed and answered 202); `attended`: `by`
    /// consults the target first.
    pub(super) async fn transfer(
        &mut self,
        by: LegId,
        to: Resolved,
        attended: bool,
        media: &MediaTask,
    ) -> Vec<Outward> {
        let who = self.name(by);
        let (target, guard, dial, label) = match to {
            Resolved::Queue => {
                self.log(&format!("{who} transfers the caller back to the queue"));
                (Target::Queue, None, None, None)
            }
            Resolved::External(number) => {
                self.log(&format!("{who} transfers the caller to {number}"));
                let label = Some(number.clone());
                (
                    Target::External(number.clone()),
                    None,
                    Some(Dial::External(number)),
                    label,
                )
            }
            Resolved::Agent { id, uri } => {
                let claimed = self
                    .ctx
                    .store
                    .claim_agent_by_name(&id, &self.call_id, &self.ctx.node, Utc::now())
                    .await;
                if !matches!(claimed, Ok(true)) {
                    if let Err(e) = &claimed {
                        warn!(error = %e, "cannot claim the transfer's agent");
                    }
                    self.log(&format!("{who} transfers the caller to agent {id}: busy"));
                    self.progress(by, 100).await;
                    self.progress(by, 486).await;
                    return Vec::new();
                }
                self.log(&format!("{who} transfers the caller to agent {id}"));
                let guard =
                    AgentGuard::new(self.ctx.router.clone(), id.clone(), self.call_id.clone());
                let by_agent = self.bridge.agent(by).unwrap_or_default().to_string();
                let offer = Offer {
                    agent: id.clone(),
                    uri,
                    reason: format!("transfer from {by_agent}"),
                };
                (
                    Target::Agent(id),
                    Some(guard),
                    Some(Dial::Agent {
                        offer,
                        by: by_agent,
                    }),
                    None,
                )
            }
        };
        let command = if attended {
            Command::Consult { by, target }
        } else {
            Command::Transfer { by, target }
        };
        let actions = self.bridge.command(self.now(), command);
        self.grow();
        if let Some(crate::bridge::Action::Place(id)) = actions
            .iter()
            .find(|a| matches!(a, crate::bridge::Action::Place(_)))
        {
            let slot = &mut self.slots[id.0];
            slot.guard = guard;
            slot.dial = dial;
            slot.label = label;
        }
        self.apply(actions, media).await
    }
}

impl Legs {
    async fn answer_refer(&mut self, by: LegId, handle: TransactionHandle, status: u16) {
        match self.slots[by.0].leg.as_mut() {
            Some(leg) => leg.answer_refer(handle, status).await,
            None => {
                if handle.reply(StatusCode::from(status)).await.is_err() {
                    warn!(status, "the REFER's transaction was gone before its answer");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refer_to_forms_are_read_and_the_rest_refused() {
        let r = parse_refer_to("<sip:bob@10.0.0.1:5060;transport=udp>").unwrap();
        assert_eq!(
            (r.user.as_str(), r.addr.as_str()),
            ("bob", "bob@10.0.0.1:5060")
        );
        let r = parse_refer_to("\"Bob\" <sip:Bob@PBX.example>;x=y").unwrap();
        assert_eq!(
            (r.user.as_str(), r.addr.as_str()),
            ("Bob", "bob@pbx.example")
        );
        let r = parse_refer_to("sip:+37060000000@proxy;user=phone").unwrap();
        assert_eq!(r.user, "+37060000000");
        assert_eq!(
            parse_refer_to("<sip:bob@pbx?Replaces=abc%40x%3Bto-tag%3D1>"),
            Err(BadRefer::Replaces)
        );
        for bad in [
            "",
            "garbage",
            "<sip:bob@pbx",
            "<tel:+3706>",
            "<sip:@pbx>",
            "<sip:bob@>",
            "<sip:pbx.example>",
            "<sip:bo b@pbx>",
            "<sip:bob\r\nX: y@pbx>",
            "<sip:bob@pb x>",
            "<http://bob@pbx>",
        ] {
            assert_eq!(parse_refer_to(bad), Err(BadRefer::Malformed), "{bad:?}");
        }
        let long = format!("<sip:{}@pbx>", "1".repeat(300));
        assert_eq!(parse_refer_to(&long), Err(BadRefer::TooLong));
        assert_eq!(BadRefer::TooLong.status(), 400);
    }

    #[test]
    fn agent_uris_compare_without_scheme_params_or_case() {
        assert_eq!(
            agent_addr("sip:Agent@127.0.0.1:5099;transport=udp").as_deref(),
            Some("agent@127.0.0.1:5099")
        );
        assert_eq!(agent_addr("not a uri"), None);
    }
}
