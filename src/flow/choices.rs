//! What a menu choice asks of the IO layer, and how its answer closes the call.

use super::machine::{Flow, QueuePhase, State};
use super::prompt;
use super::types::{Action, Outcome};

impl Flow {
    /// Hands over at once, while `agent_connecting` plays, so agents ring without delay.
    pub(super) fn route_to_agent(&mut self) {
        let vip_agent = self
            .screening
            .as_ref()
            .and_then(|s| s.vip_agent.clone())
            .filter(|a| !a.trim().is_empty());
        let detail = match &vip_agent {
            Some(agent) => format!("to VIP agent {agent}"),
            None => "to the next free agent".to_string(),
        };
        self.log("route", detail);
        self.state = State::Queued {
            phase: QueuePhase::Playing,
        };
        self.play([prompt::AGENT_CONNECTING], false);
        self.out.push(Action::RouteToAgent { vip_agent });
    }

    /// Agents could not be reached: offer the next best thing, but never call a DNC number.
    pub(super) fn on_routing_failed(&mut self) {
        if !matches!(self.state, State::Queued { .. }) {
            return;
        }
        self.cancel_timer();
        self.stop_playback();
        if self.is_dnc() {
            self.log("route", "routing failed; DNC caller, no callback");
            self.set_outcome(Outcome::Failed);
            self.goodbye();
        } else {
            self.log("route", "routing failed -> callback");
            self.request_callback(false);
        }
    }

    pub(super) fn request_callback(&mut self, dnc_consent: bool) {
        self.ask_callback(dnc_consent, false);
    }

    pub(super) fn ask_callback(&mut self, dnc_consent: bool, keep_place: bool) {
        self.state = State::AwaitCallback;
        let detail = if dnc_consent {
            "requested, DNC caller agreed to one call"
        } else {
            "requested"
        };
        self.log("callback", detail);
        self.out.push(Action::RequestCallback {
            dnc_consent,
            keep_place,
        });
    }

    /// `None` is a planned callback, `Some(reason)` a refused one.
    pub(super) fn on_callback_result(&mut self, refused: Option<String>) {
        if self.state != State::AwaitCallback {
            return;
        }
        match refused {
            None => {
                self.log("callback", "planned");
                self.set_outcome(Outcome::CallbackRequested);
                self.state = State::Confirming;
                self.play([prompt::CALLBACK_CONFIRMATION], false);
            }
            Some(reason) => {
                self.log("callback", format!("refused: {reason}"));
                self.set_outcome(Outcome::Failed);
                self.goodbye();
            }
        }
    }

    pub(super) fn add_dnc(&mut self) {
        self.state = State::AwaitDnc;
        self.log("dnc", "adding the number to the DNC list");
        self.out.push(Action::AddDnc);
    }

    pub(super) fn on_dnc_recorded(&mut self) {
        if self.state != State::AwaitDnc {
            return;
        }
        self.log("dnc", "number is on the DNC list");
        self.set_outcome(Outcome::DncOptOut);
        self.state = State::Closing;
        self.play([prompt::DNC_CONFIRMATION, prompt::GOODBYE], false);
    }

    /// `outcome` tells a complaint from an after-hours message; both are recorded the same way.
    pub(super) fn start_complaint(&mut self, outcome: Outcome) {
        self.state = State::ComplaintIntro { outcome };
        self.play([prompt::COMPLAINT_INSTRUCTIONS], false);
    }

    pub(super) fn record_complaint(&mut self, outcome: Outcome) {
        self.state = State::ComplaintRecording { outcome };
        self.log("complaint", "recording until # or hangup");
        self.out.push(Action::RecordComplaint);
    }

    pub(super) fn on_complaint_recorded(&mut self) {
        let outcome = match self.state {
            State::ComplaintRecording { outcome } | State::ComplaintStopping { outcome } => outcome,
            _ => return,
        };
        self.log("complaint", "recorded");
        self.set_outcome(outcome);
        self.goodbye();
    }
}
