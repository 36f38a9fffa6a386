//! The door's UDP socket, handed to rsipstack's transport in place of a bare one.
//!
//! Every datagram is rated here by its source address before anything reads it (`Edge::let_in`),
//! so a flood over a source's rate costs one hash lookup. Then a request the stack's parser would
//! drop unanswered (`sip::unreadable`) is kept back and answered by the door statelessly.
//! Everything else goes on to the stack untouched.

use super::edge::Edge;
use super::unreadable::{Reading, read};
use rsipstack::sip::Transport;
use std::net::SocketAddr;
use std::sync::Arc;
use tracing::debug;

/// The UDP socket rsipstack's transport reads from and writes to.
pub struct DoorSocket {
    socket: tokio::net::UdpSocket,
    edge: Arc<Edge>,
}

impl DoorSocket {
    pub fn new(socket: tokio::net::UdpSocket, edge: Arc<Edge>) -> DoorSocket {
        DoorSocket { socket, edge }
    }
}

#[async_trait::async_trait]
impl rsipstack::platform::net::UdpSocket for DoorSocket {
    /// The next datagram for the stack; the ones over their source's rate are dropped and the
    /// unreadable ones answered on the way.
    async fn recv_from(&self, buf: &mut [u8]) -> rsipstack::Result<(usize, SocketAddr)> {
        loop {
            let (len, source) = self.socket.recv_from(buf).await?;
            if !self.edge.let_in(source.ip()) {
                continue;
            }
            let Reading::Unreadable(unreadable) = read(&buf[..len], source, Transport::Udp) else {
                return Ok((len, source));
            };
            let Some(response) = self.edge.answer_unreadable(&unreadable, source) else {
                continue;
            };
            let wire = response.to_string();
            if let Err(e) = self.socket.send_to(wire.as_bytes(), source).await {
                debug!(%source, error = %e, "cannot send a stateless response");
            }
        }
    }

    async fn send_to(&self, buf: &[u8], addr: SocketAddr) -> rsipstack::Result<usize> {
        Ok(self.socket.send_to(buf, addr).await?)
    }

    fn local_addr(&self) -> rsipstack::Result<SocketAddr> {
        Ok(self.socket.local_addr()?)
    }
}
