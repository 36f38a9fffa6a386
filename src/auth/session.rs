//! Console session ids and their lifetimes. The id is 256 random bits, sent only in the cookie;
//! the store keeps its SHA-256, so a copy of the database cannot be used to ride a session, and
//! looking one up needs no argon2 (the id is not guessable, unlike a password).

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

/// A new session id: the cookie's value (64 hex digits) and the hash to store.
pub fn new_id() -> (String, String) {
    let raw: [u8; 32] = rand::random();
    let id = hex::encode(raw);
    let hash = digest(&id);
    (id, hash)
}

/// What the store keeps of a cookie's value.
pub fn digest(id: &str) -> String {
    hex::encode(Sha256::digest(id.as_bytes()))
}

/// Whether a cookie value could be an id at all (so junk is refused without a query).
pub fn well_formed(id: &str) -> bool {
    id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// How long sessions live: `idle` after the last request, `absolute` after sign-in at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetime {
    pub idle: Duration,
    pub absolute: Duration,
}

/// When a session seen at `now` lapses for idleness, never past its absolute end.
pub fn idle_deadline(
    life: Lifetime,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> DateTime<Utc> {
    (now + life.idle).min(expires_at)
}

/// Whether a request at `now` should push the idle deadline on (a write): once the last one is
/// older than a quarter of the idle time, at most once a minute. So the store is written a few
/// times per idle period, not per request, and a session lapses at most that much early.
pub fn touch_due(life: Lifetime, last_seen: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    let step = (life.idle / 4).min(Duration::minutes(1));
    now - last_seen >= step
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_random_and_only_their_hash_is_kept() {
        let (a, ha) = new_id();
        let (b, _) = new_id();
        assert_ne!(a, b);
        assert!(well_formed(&a));
        assert_eq!(digest(&a), ha);
        assert_ne!(a, ha);
        assert!(!well_formed("fd_x"));
        assert!(!well_formed(&"g".repeat(64)));
    }

    #[test]
    fn idle_deadline_and_touches() {
        let life = Lifetime {
            idle: Duration::minutes(30),
            absolute: Duration::hours(12),
        };
        let t0 = Utc::now();
        let end = t0 + Duration::hours(12);
        assert_eq!(idle_deadline(life, t0, end), t0 + Duration::minutes(30));
        let late = end - Duration::minutes(5);
        assert_eq!(idle_deadline(life, late, end), end, "never past the end");
        assert!(!touch_due(life, t0, t0 + Duration::seconds(59)));
        assert!(touch_due(life, t0, t0 + Duration::seconds(60)));
        let short = Lifetime {
            idle: Duration::seconds(2),
            ..life
        };
        assert!(touch_due(short, t0, t0 + Duration::milliseconds(500)));
        assert!(!touch_due(short, t0, t0 + Duration::milliseconds(400)));
    }
}
