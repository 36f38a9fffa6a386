//! SDES-SRTP (RFC 4568 keys in the SDP, RFC 3711 packets), sans-IO: which keys a call uses and
//! turning RTP into SRTP and back. The cipher and the authentication are webrtc-srtp's; nothing
//! cryptographic is written here. One suite, the one every SIP phone and trunk has:
//! `AES_CM_128_HMAC_SHA1_80`.
//!
//! Each direction has its own master key: the offerer's `a=crypto` keys what the offerer sends,
//! the answerer's what the answerer sends (RFC 4568 §6.1). So a leg holds our key (for what we
//! send) and theirs (for what we receive), and a new key is drawn for every leg.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use webrtc_srtp::context::Context;
use webrtc_srtp::option::srtp_replay_protection;
use webrtc_srtp::protection_profile::ProtectionProfile;

/// The one suite we speak.
pub const SUITE: &str = "AES_CM_128_HMAC_SHA1_80";
const KEY_LEN: usize = 16;
const SALT_LEN: usize = 14;
/// Packets this far behind the newest are refused as replays (libsrtp's default window).
const REPLAY_WINDOW: usize = 128;

/// `[media] srtp`: whether calls are encrypted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SrtpPolicy {
    /// Plain RTP; an offer with only secure audio is refused (488).
    #[default]
    Off,
    /// SRTP where the other side offers it, plain RTP otherwise; our offers carry both.
    Offer,
    /// SRTP or no call: an offer without a usable key is refused (488); our offers are SRTP only.
    Require,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SrtpError {
    #[error("a=crypto line is malformed: {0}")]
    Malformed(&'static str),
    #[error("SRTP packet refused: {0}")]
    Packet(String),
}

/// A master key and salt (30 bytes in all), as carried in `inline:`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct MasterKey {
    key: [u8; KEY_LEN],
    salt: [u8; SALT_LEN],
}

impl std::fmt::Debug for MasterKey {
    /// Never the key itself: it ends up in logs otherwise.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

impl MasterKey {
    /// A fresh random key from the operating system's generator.
    pub fn random() -> MasterKey {
        let mut bytes = [0u8; KEY_LEN + SALT_LEN];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        MasterKey::from_bytes(&bytes)
    }

    fn from_bytes(bytes: &[u8; KEY_LEN + SALT_LEN]) -> MasterKey {
        let mut key = [0u8; KEY_LEN];
        let mut salt = [0u8; SALT_LEN];
        key.copy_from_slice(&bytes[..KEY_LEN]);
        salt.copy_from_slice(&bytes[KEY_LEN..]);
        MasterKey { key, salt }
    }

    fn inline(&self) -> String {
        let mut bytes = Vec::with_capacity(KEY_LEN + SALT_LEN);
        bytes.extend_from_slice(&self.key);
        bytes.extend_from_slice(&self.salt);
        STANDARD.encode(bytes)
    }
}

/// One `a=crypto` attribute we can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crypto {
    pub tag: u32,
    pub key: MasterKey,
}

impl Crypto {
    /// Reads the value of an `a=crypto:` attribute (without the `a=crypto:` prefix). Other
    /// suites are `Ok(None)`: the offer may carry one we know beside them. So are keys with an
    /// MKI and lines with session parameters, which we do not implement; the offerer's next line
    /// may do without them.
    pub fn parse(value: &str) -> Result<Option<Crypto>, SrtpError> {
        let mut fields = value.split_ascii_whitespace();
        let tag = fields
            .next()
            .and_then(|t| t.parse::<u32>().ok())
            .filter(|t| t.to_string().len() <= 9)
            .ok_or(SrtpError::Malformed("tag"))?;
        let suite = fields.next().ok_or(SrtpError::Malformed("suite"))?;
        let params = fields
            .next()
            .ok_or(SrtpError::Malformed("key parameters"))?;
        if suite != SUITE {
            return Ok(None);
        }
        if fields.next().is_some() {
            return Ok(None);
        }
        // Several keys (`;`-separated) are for MKI use: not supported.
        if params.contains(';') {
            return Ok(None);
        }
        let inline = params
            .strip_prefix("inline:")
            .ok_or(SrtpError::Malformed("key method"))?;
        let mut parts = inline.split('|');
        let encoded = parts.next().unwrap_or_default();
        // A lifetime (`2^31`, a number) is fine: we never send that many packets on one key.
        // An MKI (`1:4`) is not implemented.
        for extra in parts {
            if extra.contains(':') {
                return Ok(None);
            }
        }
        let bytes = STANDARD
            .decode(encoded)
            .map_err(|_| SrtpError::Malformed("key is not base64"))?;
        let bytes: [u8; KEY_LEN + SALT_LEN] = bytes
            .try_into()
            .map_err(|_| SrtpError::Malformed("key is not 30 bytes"))?;
        Ok(Some(Crypto {
            tag,
            key: MasterKey::from_bytes(&bytes),
        }))
    }

    /// The attribute's value, for `a=crypto:`.
    pub fn format(&self) -> String {
        format!("{} {SUITE} inline:{}", self.tag, self.key.inline())
    }
}

/// The first usable key among an offer's `a=crypto` values. A malformed line is skipped like an
/// unknown suite: a peer that writes one bad line and one good one gets its good one.
pub fn choose<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<Crypto> {
    values
        .into_iter()
        .find_map(|v| Crypto::parse(v).ok().flatten())
}

/// A leg's SRTP: what we send is encrypted with our key, what we receive is checked and
/// decrypted with theirs. Contexts keep per-SSRC state; strict RTP (`session::latch`) lets only
/// one SSRC from one address through before a packet reaches `unprotect`, so that state stays one
/// entry.
pub struct SrtpLeg {
    outbound: Context,
    inbound: Context,
}

impl std::fmt::Debug for SrtpLeg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SrtpLeg(..)")
    }
}

impl SrtpLeg {
    pub fn new(ours: &MasterKey, theirs: &MasterKey) -> Result<SrtpLeg, SrtpError> {
        let context = |k: &MasterKey, replay| {
            Context::new(
                &k.key,
                &k.salt,
                ProtectionProfile::Aes128CmHmacSha1_80,
                replay,
                None,
            )
            .map_err(|e| SrtpError::Packet(e.to_string()))
        };
        Ok(SrtpLeg {
            outbound: context(ours, None)?,
            inbound: context(theirs, Some(srtp_replay_protection(REPLAY_WINDOW)))?,
        })
    }

    /// An RTP packet as SRTP (10 bytes of authentication tag added).
    pub fn protect(&mut self, rtp: &[u8]) -> Result<Vec<u8>, SrtpError> {
        self.outbound
            .encrypt_rtp(rtp)
            .map(|b| b.to_vec())
            .map_err(|e| SrtpError::Packet(e.to_string()))
    }

    /// An SRTP packet back as RTP, if its tag is right and it is not a replay.
    pub fn unprotect(&mut self, srtp: &[u8]) -> Result<Vec<u8>, SrtpError> {
        self.inbound
            .decrypt_rtp(srtp)
            .map(|b| b.to_vec())
            .map_err(|e| SrtpError::Packet(e.to_string()))
    }
}

#[cfg(test)]
mod tests;
