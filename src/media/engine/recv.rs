//! Reading a call's socket at a tick: everything waiting, in as few system calls as possible
//! (`recvmmsg` through quinn-udp), at most a budget of datagrams per socket per tick.
//!
//! Anyone who can reach the RTP range can make a call's socket readable all the time, so a socket
//! is read only at ticks and at most [`RECV_BUDGET`] datagrams each; the rest waits in the
//! kernel's buffer (which drops what does not fit). A flood then costs a call a bounded amount of
//! work per tick and never delays what the caller hears or the recording.

use crate::media::session::{MediaEvent, MediaSession};
use quinn_udp::{RecvMeta, UdpSocketState};
use std::io::{ErrorKind, IoSliceMut};
use std::net::UdpSocket;
use std::sync::OnceLock;
use std::time::Instant;
use tokio::sync::mpsc;

/// Datagrams read from one socket per tick. A far end sends one per 20 ms, a burst of a dozen
/// after a network stall; 64 leaves room for that and for a few strangers, and bounds what a
/// flood can cost.
pub const RECV_BUDGET: usize = 64;

/// Datagrams asked for in one `recvmmsg`. A call's socket usually holds one datagram at a tick:
/// one call reads it and, returning fewer than asked, shows the queue empty without a second
/// call that would fail with `EAGAIN`.
const BATCH: usize = 8;

/// Room for one datagram. RTP with G.711 is 172 bytes; nothing a call takes is larger than an
/// Ethernet frame; a larger datagram is cut to this size. (UDP GRO, which
/// could hand over many datagrams in one buffer, stays off on call sockets: see [`shared_state`].)
const DATAGRAM: usize = 2048;

/// The receive buffers of one worker, reused for every socket it reads.
pub struct RecvBuffers {
    bufs: Vec<u8>,
    meta: [RecvMeta; BATCH],
}

impl Default for RecvBuffers {
    fn default() -> Self {
        RecvBuffers {
            bufs: vec![0u8; DATAGRAM * BATCH],
            meta: [RecvMeta::default(); BATCH],
        }
    }
}

/// One media socket, read through quinn-udp's `recvmmsg`.
pub struct MediaSocket {
    pub socket: UdpSocket,
    state: &'static UdpSocketState,
}

/// The one quinn-udp state every call socket is read with, made once per process.
///
/// `UdpSocketState::new` is made for a long-lived QUIC socket: besides its socket options it opens
/// and closes two probe sockets, one of which turns on UDP GRO. On Linux turning GRO on and off
/// flips a kernel static key, and each flip rewrites kernel code on every CPU (an IPI to each):
/// made per call, that cost a few percent of the node's CPU at 500 calls a second (`perf`:
/// `udp_lib_setsockopt` → `static_key_slow_inc` → `smp_text_poke_batch_finish`). Receiving
/// needs none of it: `recv` reads whichever socket it is given, so one state serves them all, and
/// call sockets keep the kernel's defaults (no GRO, no packet-info messages).
fn shared_state() -> std::io::Result<&'static UdpSocketState> {
    static STATE: OnceLock<UdpSocketState> = OnceLock::new();
    if let Some(state) = STATE.get() {
        return Ok(state);
    }
    let probe = UdpSocket::bind((std::net::Ipv4Addr::LOCALHOST, 0))?;
    let state = UdpSocketState::new((&probe).into())?;
    Ok(STATE.get_or_init(|| state))
}

impl MediaSocket {
    /// Takes a bound socket; it is made non-blocking (it is only read when the clock says so).
    pub fn new(socket: UdpSocket) -> std::io::Result<MediaSocket> {
        socket.set_nonblocking(true)?;
        Ok(MediaSocket {
            socket,
            state: shared_state()?,
        })
    }

    /// Sends one packet; a full socket buffer drops it (a late packet is worth nothing).
    pub fn send(&self, bytes: &[u8], dest: std::net::SocketAddr) {
        if let Err(e) = self.socket.send_to(bytes, dest) {
            tracing::trace!(error = %e, "RTP send failed");
        }
    }
}

/// What one drain did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Drained {
    /// Datagrams read (and receive errors, which use up a read each so a failing socket cannot
    /// spin the worker).
    pub used: usize,
    /// Dropped by strict RTP.
    pub foreign: u64,
}

/// Reads what waits on `socket`, at most `budget` datagrams, into `session`.
pub fn drain(
    socket: &MediaSocket,
    session: &mut MediaSession,
    io: &mut RecvBuffers,
    budget: usize,
    now: Instant,
    events: &mpsc::UnboundedSender<MediaEvent>,
) -> Drained {
    let mut done = Drained::default();
    while done.used < budget {
        let want = (budget - done.used).min(BATCH);
        let mut chunks = io.bufs.chunks_exact_mut(DATAGRAM);
        let mut slices: [IoSliceMut; BATCH] =
            std::array::from_fn(|_| IoSliceMut::new(chunks.next().unwrap_or_default()));
        let got = socket.state.recv(
            (&socket.socket).into(),
            &mut slices[..want],
            &mut io.meta[..want],
        );
        let n = match got {
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => {
                done.used += 1;
                continue;
            }
        };
        for (buf, meta) in io.bufs.chunks_exact(DATAGRAM).zip(io.meta.iter()).take(n) {
            let len = meta.len.min(DATAGRAM);
            // Were GRO on, the kernel could hand over several datagrams of one source in one
            // buffer, `stride` bytes apart; call sockets leave it off, so this is one datagram.
            let stride = if meta.stride == 0 { len } else { meta.stride };
            for datagram in buf[..len].chunks(stride.max(1)) {
                done.used += 1;
                let received = session.on_datagram(now, meta.addr, datagram);
                done.foreign += u64::from(received.foreign);
                if let Some(ev) = received.event {
                    // The call's task may have ended first; the event then has nobody to tell.
                    let _ = events.send(ev);
                }
            }
        }
        if n < want {
            break;
        }
    }
    done
}
