//! A call's recording as the media worker feeds it: frames collected into blocks of
//! [`BATCH_FRAMES`] and handed to the writer thread one block at a time, so the writer wakes a
//! few times a second per call instead of fifty. The pause switch (PCI) is read at every frame,
//! so a paused frame is silence exactly from the tick the switch was set.

use crate::media::session::FRAME;
use crate::recording::RecordingHandle;

/// Frames per block handed to the writer: 200 ms. A crash loses at most this much more audio
/// than the writer's own checkpointing already may.
pub const BATCH_FRAMES: usize = 10;

pub struct Tap {
    handle: RecordingHandle,
    samples: Vec<i16>,
}

impl Tap {
    pub fn new(handle: RecordingHandle) -> Tap {
        Tap {
            handle,
            samples: Vec::with_capacity(BATCH_FRAMES * FRAME * 2),
        }
    }

    /// One tick: the caller's frame (left) and what the caller heard (right).
    pub fn push(&mut self, caller: &[i16; FRAME], heard: &[i16; FRAME]) {
        let start = self.samples.len();
        self.samples.resize(start + FRAME * 2, 0);
        if !self.handle.is_paused() {
            // Written in place (no push per sample): this runs for every recorded call each tick.
            let pairs = self.samples[start..].chunks_exact_mut(2);
            for ((pair, &l), &r) in pairs.zip(caller.iter()).zip(heard.iter()) {
                pair[0] = l;
                pair[1] = r;
            }
        }
        if self.samples.len() >= BATCH_FRAMES * FRAME * 2 {
            self.flush();
        }
    }

    /// Hands what is collected to the writer (dropped audio is counted by the handle).
    pub fn flush(&mut self) {
        if self.samples.is_empty() {
            return;
        }
        let block = std::mem::replace(
            &mut self.samples,
            Vec::with_capacity(BATCH_FRAMES * FRAME * 2),
        );
        self.handle.push_interleaved(block);
    }

    /// Flushes and gives the handle back, to be finished by the call.
    pub fn into_handle(mut self) -> RecordingHandle {
        self.flush();
        let Tap { handle, .. } = self;
        handle
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recording::Recorder;

    /// The pause is exact to the frame inside a block: frames 3..7 of 25 are silence, the rest
    /// is the audio pushed, and nothing is lost at the block edges or at the end.
    #[test]
    fn blocks_keep_every_frame_and_pause_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("call.wav");
        let (recorder, thread) = Recorder::start(64).unwrap();
        let handle = recorder.open(path.clone()).unwrap();
        let switch = handle.pause_switch();
        let mut tap = Tap::new(handle);
        for frame in 0..25i16 {
            switch.set((3..7).contains(&frame));
            tap.push(&[frame + 1; FRAME], &[-(frame + 1); FRAME]);
        }
        let done = tap.into_handle().finish().blocking_recv().unwrap().unwrap();
        assert_eq!(done.frames, 25 * FRAME as u64);
        drop(recorder);
        thread.join();
        let samples: Vec<i16> = hound::WavReader::open(&path)
            .unwrap()
            .into_samples::<i16>()
            .map(Result::unwrap)
            .collect();
        for (frame, chunk) in samples.chunks(FRAME * 2).enumerate() {
            let f = frame as i16;
            let (l, r) = if (3..7).contains(&f) {
                (0, 0)
            } else {
                (f + 1, -(f + 1))
            };
            assert!(
                chunk.chunks(2).all(|s| s == [l, r]),
                "frame {frame} should be ({l}, {r})"
            );
        }
    }
}
