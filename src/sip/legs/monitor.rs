//! A supervisor joining a live call, carried out: the bridge decides who hears whom
//! ([`crate::bridge::Mode`]); this names the leg, has the owner ring the supervisor's phone, and
//! writes every start, switch and end to the call's timeline and the audit log.

use super::{Dial, Legs, Outward};
use crate::bridge::{Action, Command, Gone, LegId, Mode, MonitorRefusal};
use crate::media::task::MediaTask;
use chrono::Utc;
use tracing::warn;

/// Who joins a call: the supervisor's user name and the phone that rings.
#[derive(Debug, Clone)]
pub struct Supervisor {
    pub name: String,
    pub phone: String,
}

fn label(name: &str) -> String {
    format!("supervisor {name}")
}

impl Legs {
    /// `who` joins the call in `mode` (their phone rings), or, already on it, switches to `mode`.
    pub async fn monitor(
        &mut self,
        who: Supervisor,
        mode: Mode,
        media: &MediaTask,
    ) -> Result<Vec<Outward>, MonitorRefusal> {
        if let Some((leg, _)) = self.bridge.monitoring() {
            if self.slots[leg.0].label.as_deref() != Some(label(&who.name).as_str()) {
                return Err(MonitorRefusal::Taken);
            }
            let actions = self.bridge.command(self.now(), Command::Monitor(mode));
            return Ok(self.apply(actions, media).await);
        }
        self.bridge.may_monitor()?;
        self.log(&format!(
            "{} is called to {} (their phone {})",
            label(&who.name),
            mode.as_str(),
            who.phone
        ));
        let actions = self.bridge.command(self.now(), Command::Monitor(mode));
        self.grow();
        if let Some(Action::Place(id)) = actions.iter().find(|a| matches!(a, Action::Place(_))) {
            let slot = &mut self.slots[id.0];
            slot.label = Some(label(&who.name));
            slot.dial = Some(Dial::Supervisor(who.phone));
        }
        Ok(self.apply(actions, media).await)
    }

    /// Takes `name` off the call (their phone is hung up); `false` when they were not on it.
    pub async fn stop_monitor(&mut self, name: &str, media: &MediaTask) -> (bool, Vec<Outward>) {
        let Some((leg, _)) = self.bridge.monitoring() else {
            return (false, Vec::new());
        };
        if self.slots[leg.0].label.as_deref() != Some(label(name).as_str()) {
            return (false, Vec::new());
        }
        let out = self.command(Command::HangUp(leg, Gone::Us), media).await;
        (true, out)
    }

    /// The supervisor on `leg` is on the call in `mode`: the timeline and the audit log say so.
    pub(super) async fn monitoring(&mut self, leg: LegId, mode: Mode) {
        self.log(&format!("{} {}s", self.name(leg), mode.as_str()));
        self.audit_monitor(leg, "monitor", mode.as_str()).await;
        self.publish_monitoring(leg, Some(mode));
    }

    /// Open pages learn who listens in now, however it changed.
    fn publish_monitoring(&self, leg: LegId, mode: Option<Mode>) {
        let name = self.name(leg);
        self.ctx.events.publish(crate::events::Event::Monitoring {
            call_id: self.call_id.clone(),
            supervisor: name
                .strip_prefix("supervisor ")
                .unwrap_or(&name)
                .to_string(),
            mode: mode.map(|m| m.as_str().to_string()),
            at: Utc::now(),
        });
    }

    /// The supervisor's leg ended: the audit log gets the end of their session.
    pub(super) async fn monitor_ended(&mut self, leg: LegId, why: Gone) {
        let answered = self.slots[leg.0].answered_at;
        let detail = match answered {
            Some(at) => format!(
                "ended ({}) after {} s",
                why.as_str(),
                at.elapsed().as_secs()
            ),
            None => format!("never joined ({})", why.as_str()),
        };
        self.audit_monitor(leg, "monitor-end", &detail).await;
        self.publish_monitoring(leg, None);
    }

    async fn audit_monitor(&self, leg: LegId, action: &str, detail: &str) {
        let name = self.name(leg);
        let actor = name.strip_prefix("supervisor ").unwrap_or(&name);
        let written = self
            .ctx
            .store
            .audit(actor, action, &self.call_id, Some(detail), Utc::now())
            .await;
        if let Err(e) = written {
            warn!(error = %e, action, "cannot write the monitoring to the audit log");
            self.ctx
                .metrics
                .audit_failed
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }
}

/// Rings a supervisor's phone for call `call_id`, straight to the URI on their account (or
/// through the outbound proxy, as agents' phones are). Shared by inbound calls and callbacks.
pub fn place_supervisor(
    host: &crate::sip::leg::LegHost<'_>,
    socket: std::net::UdpSocket,
    ctx: &crate::sip::call::CallContext,
    call_id: &str,
    phone: &str,
) -> Result<crate::sip::leg::OutboundLeg, String> {
    use crate::sip::leg::{self, LegRequest, agent_destination};
    use rsipstack::sip::{Header, Uri};
    let callee =
        Uri::try_from(phone).map_err(|e| format!("bad supervisor phone {phone:?}: {e}"))?;
    let caller = Uri::try_from(format!("sip:monitor@{}", host.contact.host_with_port).as_str())
        .map_err(|e| e.to_string())?;
    leg::place(
        host,
        socket,
        LegRequest {
            label: "supervisor".into(),
            callee,
            caller,
            display_name: Some("Listen in".into()),
            destination: agent_destination(&ctx.config),
            headers: vec![Header::Other(
                "X-Frontdesk-Call-Id".into(),
                call_id.to_string(),
            )],
            ring_timeout: std::time::Duration::from_secs(ctx.config.routing.ring_timeout_seconds),
            rtp_timeout: std::time::Duration::from_secs(ctx.config.calls.leg_rtp_timeout_seconds),
        },
    )
}
