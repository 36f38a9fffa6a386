//! A small jitter buffer for 20 ms G.711 frames: reorders by sequence number, drops duplicates
//! and packets that arrive after their playout time, and yields exactly one frame (or a gap) per
//! 20 ms tick so the caller's channel of the recording stays aligned with what they hear.

/// Slots kept; 16 × 20 ms = 320 ms of reordering tolerance.
const SLOTS: usize = 16;
/// Frames buffered before playout starts (absorbs loopback and LAN jitter).
const PREFILL: u16 = 2;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct JitterStats {
    pub received: u64,
    pub duplicates: u64,
    pub late: u64,
    pub lost: u64,
}

#[derive(Debug)]
pub struct JitterBuffer {
    slots: Vec<Option<(u16, Vec<u8>)>>,
    /// The sequence number the next tick plays; None until the first packet.
    next: Option<u16>,
    /// Playout has begun (prefill reached); reset when the stream pauses or restarts.
    started: bool,
    pub stats: JitterStats,
}

impl Default for JitterBuffer {
    fn default() -> Self {
        JitterBuffer {
            slots: vec![None; SLOTS],
            next: None,
            started: false,
            stats: JitterStats::default(),
        }
    }
}

impl JitterBuffer {
    /// Stores one packet's payload (still encoded) under its sequence number.
    pub fn push(&mut self, seq: u16, payload: &[u8]) {
        self.stats.received += 1;
        let next = *self.next.get_or_insert(seq);
        let ahead = seq.wrapping_sub(next);
        if ahead >= 0x8000 {
            self.stats.late += 1;
            return;
        }
        if usize::from(ahead) >= SLOTS {
            // A jump far ahead (a new stream after hold, a long outage): restart from here.
            self.slots.iter_mut().for_each(|s| *s = None);
            self.next = Some(seq);
            self.started = false;
        }
        let slot = &mut self.slots[usize::from(seq) % SLOTS];
        match slot {
            Some((s, _)) if *s == seq => self.stats.duplicates += 1,
            _ => *slot = Some((seq, payload.to_vec())),
        }
    }

    /// A new stream (another SSRC or source took over): its sequence numbers have nothing to do
    /// with the old ones, which would otherwise make every packet look late. Counters are kept.
    pub fn restart(&mut self) {
        self.slots.iter_mut().for_each(|s| *s = None);
        self.next = None;
        self.started = false;
    }

    fn buffered(&self) -> u16 {
        self.slots.iter().filter(|s| s.is_some()).count() as u16
    }

    /// The frame for this tick: `Some(payload)`, or `None` for a gap (not started, lost or late).
    pub fn pop(&mut self) -> Option<Vec<u8>> {
        let next = self.next?;
        if !self.started {
            if self.buffered() < PREFILL {
                return None;
            }
            self.started = true;
        }
        let slot = &mut self.slots[usize::from(next) % SLOTS];
        let frame = match slot.take() {
            Some((s, payload)) if s == next => Some(payload),
            other => {
                *slot = other;
                // Missing: a loss if anything after it has arrived, else the stream paused.
                if self.buffered() > 0 {
                    self.stats.lost += 1;
                } else {
                    self.started = false;
                    return None;
                }
                None
            }
        };
        self.next = Some(next.wrapping_add(1));
        frame
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(seqs: &[u16], ticks: usize) -> (Vec<Option<u8>>, JitterStats) {
        let mut jb = JitterBuffer::default();
        for &s in seqs {
            jb.push(s, &[s as u8]);
        }
        let out = (0..ticks).map(|_| jb.pop().map(|p| p[0])).collect();
        (out, jb.stats)
    }

    #[test]
    fn reordered_packets_play_in_order() {
        let (out, stats) = run(&[10, 12, 11, 13], 4);
        assert_eq!(out, [Some(10), Some(11), Some(12), Some(13)]);
        assert_eq!(stats.lost, 0);
    }

    #[test]
    fn duplicates_are_dropped_and_counted() {
        let (out, stats) = run(&[1, 1, 2, 2, 3], 3);
        assert_eq!(out, [Some(1), Some(2), Some(3)]);
        assert_eq!(stats.duplicates, 2);
    }

    #[test]
    fn a_loss_is_a_gap_of_one_tick() {
        let (out, stats) = run(&[1, 2, 4, 5], 5);
        assert_eq!(out, [Some(1), Some(2), None, Some(4), Some(5)]);
        assert_eq!(stats.lost, 1);
    }

    #[test]
    fn late_packets_are_dropped() {
        let mut jb = JitterBuffer::default();
        jb.push(100, &[0]);
        jb.push(101, &[1]);
        assert!(jb.pop().is_some());
        assert!(jb.pop().is_some());
        jb.push(99, &[9]);
        assert_eq!(jb.stats.late, 1);
    }

    #[test]
    fn sequence_wraps() {
        let (out, _) = run(&[65534, 65535, 0, 1], 4);
        assert_eq!(out, [Some(254), Some(255), Some(0), Some(1)]);
    }

    #[test]
    fn a_big_jump_restarts_the_stream() {
        let mut jb = JitterBuffer::default();
        jb.push(1, &[1]);
        jb.push(2, &[2]);
        assert_eq!(jb.pop(), Some(vec![1]));
        jb.push(5000, &[50]);
        jb.push(5001, &[51]);
        assert_eq!(jb.pop(), Some(vec![50]));
        assert_eq!(jb.pop(), Some(vec![51]));
    }

    #[test]
    fn a_restart_takes_a_new_stream_behind_the_old_one() {
        let mut jb = JitterBuffer::default();
        jb.push(40000, &[1]);
        jb.push(40001, &[2]);
        assert_eq!(jb.pop(), Some(vec![1]));
        jb.restart();
        jb.push(100, &[3]);
        jb.push(101, &[4]);
        assert_eq!(jb.pop(), Some(vec![3]));
        assert_eq!(jb.pop(), Some(vec![4]));
        assert_eq!(jb.stats.late, 0);
        assert_eq!(jb.stats.received, 4);
    }

    #[test]
    fn waits_for_prefill_and_pauses_when_empty() {
        let mut jb = JitterBuffer::default();
        jb.push(7, &[7]);
        assert_eq!(jb.pop(), None, "one frame is not enough to start");
        jb.push(8, &[8]);
        assert_eq!(jb.pop(), Some(vec![7]));
        assert_eq!(jb.pop(), Some(vec![8]));
        assert_eq!(jb.pop(), None);
        assert_eq!(jb.stats.lost, 0, "silence from the caller is not loss");
    }
}
