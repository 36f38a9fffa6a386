//! The calls running on this node, reachable by id for what the API asks of a live call
//! (pausing its recording, a supervisor listening in). Only admitted calls are in the table (admission bounds it) and each
//! leaves when its task ends; each call takes a few requests at a time, more are refused.

use crate::bridge::{Mode, MonitorRefusal};
use crate::media::task::MediaTask;
use crate::sip::legs::{Legs, LiveState, Outward, Supervisor, TransferRefusal};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};

/// Requests waiting for one call at most; the call serves them between its other events.
const PER_CALL: usize = 8;

/// What the API asks of a live call.
#[derive(Debug)]
pub enum Control {
    /// Pause (`true`) or resume the recording; `by` names who asked, for the timeline.
    Recording {
        paused: bool,
        by: String,
        reply: oneshot::Sender<Result<bool, ControlError>>,
    },
    /// A supervisor joins in `mode` (their phone rings) or switches to it; the answer says
    /// whether their phone was rung (`true`) or the mode switched.
    Monitor {
        who: Supervisor,
        mode: Mode,
        reply: oneshot::Sender<Result<bool, ControlError>>,
    },
    /// Passes the caller on (see [`Legs::transfer_asked`]).
    Transfer {
        asker: String,
        agent: Option<String>,
        to: String,
        attended: bool,
        reply: oneshot::Sender<Result<(), ControlError>>,
    },
    /// Completes (`true`) or cancels the consultation under way.
    Consultation {
        asker: String,
        agent: Option<String>,
        complete: bool,
        reply: oneshot::Sender<Result<(), ControlError>>,
    },
    /// What the call looks like now.
    State {
        reply: oneshot::Sender<Result<LiveState, ControlError>>,
    },
    /// The supervisor called `name` leaves the call.
    StopMonitor {
        name: String,
        reply: oneshot::Sender<Result<(), ControlError>>,
    },
}

impl Control {
    /// Carries the request out on the call's legs and answers it; what the legs then ask of the
    /// call goes back to its owner.
    pub async fn serve(self, legs: &mut Legs, media: &MediaTask) -> Vec<Outward> {
        match self {
            Control::Recording { paused, by, reply } => {
                let done = legs
                    .pause_recording(paused, &by)
                    .map_err(|_| ControlError::NotRecording);
                let _ = reply.send(done);
                Vec::new()
            }
            Control::Monitor { who, mode, reply } => {
                let new = legs.bridge().monitoring().is_none();
                match legs.monitor(who, mode, media).await {
                    Ok(out) => {
                        let _ = reply.send(Ok(new));
                        out
                    }
                    Err(refusal) => {
                        let _ = reply.send(Err(refusal.into()));
                        Vec::new()
                    }
                }
            }
            Control::Transfer {
                asker,
                agent,
                to,
                attended,
                reply,
            } => {
                let done = legs
                    .transfer_asked(&asker, agent.as_deref(), &to, attended, media)
                    .await;
                answer(reply, done)
            }
            Control::Consultation {
                asker,
                agent,
                complete,
                reply,
            } => {
                let done = legs
                    .consultation_asked(&asker, agent.as_deref(), complete, media)
                    .await;
                answer(reply, done)
            }
            Control::State { reply } => {
                let _ = reply.send(Ok(legs.state()));
                Vec::new()
            }
            Control::StopMonitor { name, reply } => {
                let (stopped, out) = legs.stop_monitor(&name, media).await;
                let _ = reply.send(if stopped {
                    Ok(())
                } else {
                    Err(ControlError::NotMonitoring)
                });
                out
            }
        }
    }
}

/// Sends the outcome of a transfer request and hands its actions on.
fn answer(
    reply: oneshot::Sender<Result<(), ControlError>>,
    done: Result<Vec<Outward>, TransferRefusal>,
) -> Vec<Outward> {
    match done {
        Ok(out) => {
            let _ = reply.send(Ok(()));
            out
        }
        Err(refusal) => {
            let _ = reply.send(Err(ControlError::Transfer(refusal)));
            Vec::new()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    #[error("the call is not in progress on this node")]
    NotLive,
    #[error("the call is not being recorded")]
    NotRecording,
    #[error("the call has too many requests waiting")]
    Busy,
    #[error("no agent is talking with the caller")]
    NotBridged,
    #[error("another supervisor is on the call")]
    Taken,
    #[error("you are not listening to this call")]
    NotMonitoring,
    #[error("{0}")]
    Transfer(TransferRefusal),
}

impl From<MonitorRefusal> for ControlError {
    fn from(r: MonitorRefusal) -> ControlError {
        match r {
            MonitorRefusal::NotBridged => ControlError::NotBridged,
            MonitorRefusal::Taken => ControlError::Taken,
        }
    }
}

#[derive(Clone, Default)]
pub struct LiveCalls(Arc<Mutex<HashMap<String, mpsc::Sender<Control>>>>);

/// A call's place in the table, for as long as the call runs.
pub struct Registration {
    calls: LiveCalls,
    id: String,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.calls.lock().remove(&self.id);
    }
}

impl LiveCalls {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, mpsc::Sender<Control>>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn register(&self, id: &str) -> (Registration, mpsc::Receiver<Control>) {
        let (tx, rx) = mpsc::channel(PER_CALL);
        self.lock().insert(id.to_string(), tx);
        let registration = Registration {
            calls: self.clone(),
            id: id.to_string(),
        };
        (registration, rx)
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Sends call `id` the request `make` builds around its reply channel, and waits for it.
    async fn ask<T>(
        &self,
        id: &str,
        make: impl FnOnce(oneshot::Sender<Result<T, ControlError>>) -> Control,
    ) -> Result<T, ControlError> {
        let sender = self.lock().get(id).cloned().ok_or(ControlError::NotLive)?;
        let (reply, answer) = oneshot::channel();
        sender.try_send(make(reply)).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => ControlError::Busy,
            mpsc::error::TrySendError::Closed(_) => ControlError::NotLive,
        })?;
        answer.await.map_err(|_| ControlError::NotLive)?
    }

    /// Pauses or resumes the recording of call `id`; returns whether it is paused now.
    pub async fn pause_recording(
        &self,
        id: &str,
        paused: bool,
        by: &str,
    ) -> Result<bool, ControlError> {
        self.ask(id, |reply| Control::Recording {
            paused,
            by: by.to_string(),
            reply,
        })
        .await
    }

    /// `who` listens in on call `id` in `mode` (or switches to it); whether their phone rings.
    pub async fn monitor(
        &self,
        id: &str,
        who: Supervisor,
        mode: Mode,
    ) -> Result<bool, ControlError> {
        self.ask(id, |reply| Control::Monitor { who, mode, reply })
            .await
    }

    /// Passes call `id`'s caller on to `to` (blind, or `attended`); `agent` is the asking agent's
    /// id (`None` for a supervisor), `asker` who asked, for the timeline.
    pub async fn transfer(
        &self,
        id: &str,
        asker: &str,
        agent: Option<&str>,
        to: &str,
        attended: bool,
    ) -> Result<(), ControlError> {
        self.ask(id, |reply| Control::Transfer {
            asker: asker.to_string(),
            agent: agent.map(str::to_string),
            to: to.to_string(),
            attended,
            reply,
        })
        .await
    }

    /// Completes (`true`) or cancels call `id`'s consultation.
    pub async fn consultation(
        &self,
        id: &str,
        asker: &str,
        agent: Option<&str>,
        complete: bool,
    ) -> Result<(), ControlError> {
        self.ask(id, |reply| Control::Consultation {
            asker: asker.to_string(),
            agent: agent.map(str::to_string),
            complete,
            reply,
        })
        .await
    }

    /// What call `id` looks like now.
    pub async fn state(&self, id: &str) -> Result<LiveState, ControlError> {
        self.ask(id, |reply| Control::State { reply }).await
    }

    /// The supervisor `name` leaves call `id`.
    pub async fn stop_monitor(&self, id: &str, name: &str) -> Result<(), ControlError> {
        self.ask(id, |reply| Control::StopMonitor {
            name: name.to_string(),
            reply,
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_call_is_reachable_while_registered_and_refuses_a_flood() {
        let live = LiveCalls::default();
        assert_eq!(
            live.pause_recording("x", true, "sup").await,
            Err(ControlError::NotLive)
        );
        let (registration, mut rx) = live.register("x");
        let serve = tokio::spawn(async move {
            let Some(Control::Recording { paused, reply, .. }) = rx.recv().await else {
                panic!("no request");
            };
            let _ = reply.send(Ok(paused));
            rx
        });
        assert_eq!(live.pause_recording("x", true, "sup").await, Ok(true));
        let rx = serve.await.unwrap();
        // Nobody serves now: the queue fills and the rest is refused at once.
        let mut waiting = Vec::new();
        for _ in 0..PER_CALL {
            let l = live.clone();
            waiting.push(tokio::spawn(async move {
                l.pause_recording("x", true, "sup").await
            }));
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert_eq!(
            live.pause_recording("x", true, "sup").await,
            Err(ControlError::Busy)
        );
        drop(rx);
        drop(registration);
        assert!(live.is_empty());
        for w in waiting {
            assert_eq!(w.await.unwrap(), Err(ControlError::NotLive));
        }
    }
}
