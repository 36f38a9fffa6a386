//! Pausing the call's recording (PCI): from the bridged agent's keys (`[features]
//! pause_recording`, a toggle) or the API. The switch is read by the recording at every frame, so
//! a pause takes effect within one frame; it ends when asked or after `max_pause_seconds`, and
//! each start and end is on the call's timeline.

use super::Legs;
use crate::recording::pause::{Change, Pause, PauseSwitch};
use chrono::Utc;
use tracing::info;

/// The call has no recording (yet, or it could not be opened): nothing to pause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the call is not being recorded")]
pub struct NotRecording;

pub(super) struct Recording {
    switch: PauseSwitch,
    pause: Pause,
}

impl Legs {
    /// The call's recording started; `switch` pauses it.
    pub fn recording_started(&mut self, switch: PauseSwitch) {
        let max_ms = self.ctx.config.features.max_pause_seconds * 1000;
        self.recording = Some(Recording {
            switch,
            pause: Pause::new(max_ms),
        });
    }

    /// Pauses (`true`) or resumes the recording for `by` (who, for the timeline); returns
    /// whether it is paused now.
    pub fn pause_recording(&mut self, paused: bool, by: &str) -> Result<bool, NotRecording> {
        let now = self.now();
        let rec = self.recording.as_mut().ok_or(NotRecording)?;
        let change = rec.pause.set(now, paused);
        rec.switch.set(rec.pause.paused());
        if let Some(change) = change {
            self.log_pause(change, by);
        }
        Ok(paused)
    }

    /// Whether the recording is paused now.
    pub fn recording_paused(&self) -> Option<bool> {
        self.recording.as_ref().map(|r| r.pause.paused())
    }

    pub(super) fn pause_deadline(&self) -> Option<u64> {
        self.recording.as_ref().and_then(|r| r.pause.deadline())
    }

    /// A pause that ran out ends here.
    pub(super) fn pause_tick(&mut self) {
        let now = self.now();
        let Some(rec) = self.recording.as_mut() else {
            return;
        };
        if let Some(change) = rec.pause.tick(now) {
            rec.switch.set(false);
            self.log_pause(change, "");
        }
    }

    fn log_pause(&self, change: Change, by: &str) {
        let detail = match change {
            Change::Paused => format!("paused by {by}"),
            Change::Resumed {
                auto: false,
                after_ms,
            } => format!("resumed by {by} after {} s", (after_ms + 500) / 1000),
            Change::Resumed {
                auto: true,
                after_ms,
            } => {
                format!("resumed automatically after {} s", (after_ms + 500) / 1000)
            }
        };
        info!(detail, "recording");
        self.ctx
            .journal
            .log(&self.call_id, Utc::now(), "recording", &detail);
    }
}
