//! Our side of one call leg's descriptions: the o= line (RFC 3264 §5, §8) and the leg's SRTP
//! master key (RFC 4568), both kept for the leg's life.

use super::ip_kind;
use crate::media::srtp::MasterKey;
use std::net::IpAddr;

/// The o= line of one call leg. The session id stays for the leg's life; the version goes up by
/// one exactly when the description changes, so the far end can tell a re-INVITE answered with
/// nothing new (a refresh) from one that moves or holds the media.
///
/// It also holds the key we send SRTP with on this leg: drawn once, so every later offer and
/// answer of the leg carries the same `a=crypto` and a refresh stays a refresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    id: u64,
    version: u64,
    /// Everything after the o= line, as last sent.
    last: Option<String>,
    key: MasterKey,
}

impl Origin {
    /// `id` should be unique per leg; a random number is what RFC 4566 asks for in practice.
    pub fn new(id: u64) -> Origin {
        Origin {
            id,
            version: id,
            last: None,
            key: MasterKey::random(),
        }
    }

    pub fn id(&self) -> u64 {
        self.id
    }

    pub fn version(&self) -> u64 {
        self.version
    }

    /// The key this leg's SRTP is sent with (what our `a=crypto` carries).
    pub fn key(&self) -> &MasterKey {
        &self.key
    }

    /// The full description: our o= line (version moved on if `rest` differs from last time)
    /// followed by `rest`.
    pub(super) fn stamp(&mut self, addr: IpAddr, rest: String) -> Vec<u8> {
        match &self.last {
            Some(last) if *last == rest => {}
            last => {
                if last.is_some() {
                    self.version = self.version.wrapping_add(1);
                }
                self.last = Some(rest.clone());
            }
        }
        format!(
            "v=0\r\no=frontdesk {} {} IN {} {addr}\r\n{rest}",
            self.id,
            self.version,
            ip_kind(addr)
        )
        .into_bytes()
    }
}
