//! RTP ports: one UDP socket per call from the configured range, handed out round-robin so a port
//! just released is not reused at once (late packets of the old call must not reach the new one).

use crate::config::PortRange;
use std::net::UdpSocket;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;

#[derive(Debug, thiserror::Error)]
pub enum PortError {
    #[error("no free RTP port in {0}")]
    Exhausted(PortRange),
}

#[derive(Debug)]
pub struct PortPool {
    ip: IpAddr,
    range: PortRange,
    next: Mutex<u16>,
}

impl PortPool {
    pub fn new(ip: IpAddr, range: PortRange) -> PortPool {
        PortPool {
            ip,
            range,
            next: Mutex::new(range.first + (range.first % 2)),
        }
    }

    /// Binds the next free even port (RTP convention; the odd one above is left for RTCP). A plain
    /// socket: the media engine reads it at its ticks, no reactor needs to watch it.
    pub fn bind(&self) -> Result<UdpSocket, PortError> {
        let span = u32::from(self.range.last - self.range.first) / 2 + 1;
        for _ in 0..span {
            let port = {
                let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
                let port = *next;
                let mut following = port.saturating_add(2);
                if following > self.range.last || following < port {
                    following = self.range.first + (self.range.first % 2);
                }
                *next = following;
                port
            };
            if let Ok(socket) = UdpSocket::bind(SocketAddr::new(self.ip, port)) {
                return Ok(socket);
            }
        }
        Err(PortError::Exhausted(self.range))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_rotate_and_run_out_cleanly() {
        // Find a free even base port by letting the OS pick one.
        let probe = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let base = probe.local_addr().unwrap().port() & !1;
        drop(probe);
        let range = PortRange {
            first: base,
            last: base + 3,
        };
        let pool = PortPool::new("127.0.0.1".parse().unwrap(), range);
        let a = pool.bind().unwrap();
        let b = pool.bind().unwrap();
        assert_eq!(a.local_addr().unwrap().port() % 2, 0);
        assert_ne!(
            a.local_addr().unwrap().port(),
            b.local_addr().unwrap().port()
        );
        assert!(matches!(pool.bind(), Err(PortError::Exhausted(_))));
        drop(a);
        assert!(
            pool.bind().is_ok(),
            "a released port is reused once the others are taken"
        );
    }
}
