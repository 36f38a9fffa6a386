//! How many connections may be open at once, in all and from one address, sans-IO: the rule the
//! SIP door applies to TCP and TLS, and the HTTP listener to its clients. A connection holds a
//! socket and buffers for as long as the peer keeps it, so the count is capped before anything
//! is allocated for it, and one address may hold only a few: one host cannot take the room
//! everyone else needs. Some addresses are held only to the total: the SIP trunk (a PBX may open
//! one connection per call), an HTTP reverse proxy (every user comes through it).
//!
//! The table has an entry only for sources with a connection open, so it is bounded by the total.

use ipnet::IpNet;
use std::collections::HashMap;
use std::net::IpAddr;

#[derive(Debug, Clone)]
pub struct ConnectionConfig {
    /// Connections open at once, from everyone.
    pub total: usize,
    /// Connections open at once from one address that is not in `unlimited`.
    pub per_source: usize,
    /// Addresses held only to the total (the trunk, trusted proxies).
    pub unlimited: Vec<IpNet>,
}

/// Why a connection was closed as soon as it was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionRefusal {
    /// The node holds `total` connections.
    Full,
    /// This source holds `per_source` connections.
    TooManyFromSource,
}

#[derive(Debug)]
pub struct Connections {
    cfg: ConnectionConfig,
    open: HashMap<IpAddr, usize>,
    total: usize,
}

impl Connections {
    pub fn new(cfg: ConnectionConfig) -> Connections {
        Connections {
            cfg,
            open: HashMap::new(),
            total: 0,
        }
    }

    /// Counts a new connection from `ip`, or says why it may not stay. Every `Ok` must be matched
    /// by one `close` of the same address.
    pub fn open(&mut self, ip: IpAddr) -> Result<(), ConnectionRefusal> {
        if self.total >= self.cfg.total {
            return Err(ConnectionRefusal::Full);
        }
        let unlimited = self.cfg.unlimited.iter().any(|n| n.contains(&ip));
        let held = self.open.get(&ip).copied().unwrap_or(0);
        if !unlimited && held >= self.cfg.per_source {
            return Err(ConnectionRefusal::TooManyFromSource);
        }
        self.open.insert(ip, held + 1);
        self.total += 1;
        Ok(())
    }

    /// A connection from `ip` has ended.
    pub fn close(&mut self, ip: IpAddr) {
        if let Some(held) = self.open.get_mut(&ip) {
            *held -= 1;
            self.total -= 1;
            if *held == 0 {
                self.open.remove(&ip);
            }
        }
    }

    /// Connections open now.
    pub fn total(&self) -> usize {
        self.total
    }

    /// Sources with a connection open now (never more than `total`).
    pub fn sources(&self) -> usize {
        self.open.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([127, 0, 0, last])
    }

    fn limits(total: usize, per_source: usize) -> Connections {
        Connections::new(ConnectionConfig {
            total,
            per_source,
            unlimited: vec!["127.0.0.2/32".parse().unwrap()],
        })
    }

    #[test]
    fn a_source_holds_at_most_its_share_and_gets_it_back_on_close() {
        let mut c = limits(100, 2);
        assert_eq!(c.open(ip(9)), Ok(()));
        assert_eq!(c.open(ip(9)), Ok(()));
        assert_eq!(c.open(ip(9)), Err(ConnectionRefusal::TooManyFromSource));
        assert_eq!(c.open(ip(10)), Ok(()), "another source is not affected");
        c.close(ip(9));
        assert_eq!(c.open(ip(9)), Ok(()));
        assert_eq!(c.total(), 3);
    }

    #[test]
    fn unlimited_addresses_are_held_only_to_the_total() {
        let mut c = limits(5, 1);
        for _ in 0..4 {
            assert_eq!(c.open(ip(2)), Ok(()));
        }
        assert_eq!(c.open(ip(9)), Ok(()));
        assert_eq!(c.open(ip(2)), Err(ConnectionRefusal::Full));
        assert_eq!(c.open(ip(10)), Err(ConnectionRefusal::Full));
    }

    #[test]
    fn the_table_forgets_sources_with_nothing_open_and_ignores_stray_closes() {
        let mut c = limits(1000, 3);
        for last in 10..200 {
            c.open(ip(last)).unwrap();
        }
        assert_eq!(c.sources(), 190);
        for last in 10..200 {
            c.close(ip(last));
        }
        c.close(ip(250));
        assert_eq!((c.sources(), c.total()), (0, 0));
    }
}
