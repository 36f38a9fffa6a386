//! Rate limits for the HTTP side: a token bucket per key (an address, an account, a user) in a
//! map of bounded size. Pure: every call takes `now`, so tests drive time by hand.
//!
//! Why buckets and not fixed windows: a bucket refills evenly, so there is no window edge at which
//! twice the allowance can be spent, and "how long until the next try" is exact (`Retry-After`).
//! Why bounded: keys come from the network (addresses); a map that only grows is a way to fill
//! the memory. A full bucket carries no information and is dropped; when the map is full of
//! non-full buckets a new key is refused (fail closed) until some refill, never let through.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::time::{Duration, Instant};

mod sign_in;
pub use sign_in::{Attempt, SignInLimits};

/// `burst` at once, refilled at `per_minute` a minute.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub burst: u32,
    pub per_minute: u32,
}

impl Rate {
    fn per_second(self) -> f64 {
        f64::from(self.per_minute.max(1)) / 60.0
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Token buckets by key, at most `max_keys` of them.
#[derive(Debug)]
pub struct Buckets<K> {
    rate: Rate,
    max_keys: usize,
    map: HashMap<K, Bucket>,
    last_prune: Option<Instant>,
}

/// A refusal: try again after this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub Duration);

impl RetryAfter {
    /// Whole seconds for the `Retry-After` header, at least 1.
    pub fn secs(self) -> u64 {
        (self.0.as_secs() + u64::from(self.0.subsec_nanos() > 0)).max(1)
    }
}

impl<K: Hash + Eq + Clone> Buckets<K> {
    pub fn new(rate: Rate, max_keys: usize) -> Buckets<K> {
        Buckets {
            rate: Rate {
                burst: rate.burst.max(1),
                per_minute: rate.per_minute.max(1),
            },
            max_keys: max_keys.max(1),
            map: HashMap::new(),
            last_prune: None,
        }
    }

    fn capacity(&self) -> f64 {
        f64::from(self.rate.burst)
    }

    fn level(&self, b: Bucket, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        (b.tokens + elapsed * self.rate.per_second()).min(self.capacity())
    }

    /// Tokens `key` has now (a key never seen has a full bucket).
    pub fn available(&self, key: &K, now: Instant) -> f64 {
        self.map
            .get(key)
            .map_or(self.capacity(), |b| self.level(*b, now))
    }

    /// Whether `key` has its whole allowance, i.e. nothing was spent recently.
    pub fn is_full(&self, key: &K, now: Instant) -> bool {
        self.available(key, now) + 1e-9 >= self.capacity()
    }

    /// Takes `n` tokens from `key`'s bucket, or says how long until it has them. `n` larger than
    /// the burst is capped to it.
    pub fn take(&mut self, key: &K, n: u32, now: Instant) -> Result<(), RetryAfter> {
        let n = f64::from(n).min(self.capacity());
        self.maybe_prune(now);
        let level = match self.map.get(key) {
            Some(b) => self.level(*b, now),
            None if self.map.len() >= self.max_keys => {
                // Full of keys that are all still spending: refuse newcomers rather than forget
                // someone's failures. One token's refill time is the honest wait.
                return Err(RetryAfter(Duration::from_secs_f64(
                    1.0 / self.rate.per_second(),
                )));
            }
            None => self.capacity(),
        };
        if level + 1e-9 < n {
            let wait = (n - level) / self.rate.per_second();
            return Err(RetryAfter(Duration::from_secs_f64(wait)));
        }
        self.map.insert(
            key.clone(),
            Bucket {
                tokens: level - n,
                at: now,
            },
        );
        Ok(())
    }

    /// Puts back `n` tokens taken for an attempt that turned out not to count (a token that
    /// verified). A bucket that is full again is forgotten.
    pub fn give_back(&mut self, key: &K, n: u32, now: Instant) {
        let Some(b) = self.map.get(key).copied() else {
            return;
        };
        let level = (self.level(b, now) + f64::from(n)).min(self.capacity());
        if level >= self.capacity() {
            self.map.remove(key);
        } else {
            self.map.insert(
                key.clone(),
                Bucket {
                    tokens: level,
                    at: now,
                },
            );
        }
    }

    /// Keys held.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.map.len()
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Drops full buckets: once per full-refill period, and at most once a second when the map
    /// is full, so a flood of new keys cannot make every request scan the map.
    fn maybe_prune(&mut self, now: Instant) {
        let refill = Duration::from_secs_f64(self.capacity() / self.rate.per_second());
        let since = self
            .last_prune
            .map_or(Duration::MAX, |t| now.saturating_duration_since(t));
        let due =
            since >= refill || (self.map.len() >= self.max_keys && since >= Duration::from_secs(1));
        if !due {
            return;
        }
        self.last_prune = Some(now);
        let (capacity, per_second) = (self.capacity(), self.rate.per_second());
        self.map.retain(|_, b| {
            let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
            b.tokens + elapsed * per_second < capacity
        });
    }
}

/// Requests per user (recording access): one bucket per user name. Users are authenticated, so
/// the keys are bounded by the users table; the map is bounded anyway.
#[derive(Debug)]
pub struct PerUser {
    buckets: std::sync::Mutex<Buckets<String>>,
}

impl PerUser {
    pub fn new(rate: Rate, max_keys: usize) -> PerUser {
        PerUser {
            buckets: std::sync::Mutex::new(Buckets::new(rate, max_keys)),
        }
    }

    /// Spends one of `user`'s requests, or says when the next one is allowed.
    pub fn spend(&self, user: &str, now: Instant) -> Result<(), RetryAfter> {
        // A poisoned lock only means a panic elsewhere mid-update; the counts are still usable.
        let mut b = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        b.take(&user.to_string(), 1, now)
    }
}

/// The key an address is limited under: IPv4 as is (IPv4-mapped IPv6 too), IPv6 by its /64,
/// since one subscriber usually holds a whole /64 and could otherwise change address per try.
pub fn address_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let mut seg = v6.segments();
            seg[4..].fill(0);
            IpAddr::from(seg)
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIVE_A_MINUTE: Rate = Rate {
        burst: 5,
        per_minute: 5,
    };

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn a_burst_then_refusal_with_an_exact_wait() {
        let t0 = Instant::now();
        let mut b = Buckets::new(FIVE_A_MINUTE, 100);
        for _ in 0..5 {
            assert_eq!(b.take(&"a", 1, t0), Ok(()));
        }
        let refused = b.take(&"a", 1, t0).unwrap_err();
        assert_eq!(refused.secs(), 12, "one token every 12 s");
        assert_eq!(b.take(&"b", 1, t0), Ok(()), "other keys are not affected");
        assert!(b.take(&"a", 1, t0 + secs(11)).is_err());
        assert_eq!(b.take(&"a", 1, t0 + secs(12)), Ok(()));
        assert!(b.take(&"a", 1, t0 + secs(12)).is_err());
    }

    #[test]
    fn given_back_tokens_do_not_count_and_full_buckets_are_forgotten() {
        let t0 = Instant::now();
        let mut b = Buckets::new(FIVE_A_MINUTE, 100);
        for _ in 0..5 {
            b.take(&"a", 1, t0).unwrap();
            b.give_back(&"a", 1, t0);
        }
        assert!(b.is_full(&"a", t0));
        assert!(b.is_empty(), "a full bucket is not kept");
        b.give_back(&"never-seen", 1, t0);
        assert!(b.is_empty());
    }

    #[test]
    fn taking_the_whole_burst_needs_an_untouched_bucket() {
        let t0 = Instant::now();
        let mut b = Buckets::new(FIVE_A_MINUTE, 100);
        b.take(&"a", 1, t0).unwrap();
        assert!(!b.is_full(&"a", t0));
        let wait = b.take(&"a", 5, t0).unwrap_err();
        assert_eq!(wait.secs(), 12);
        assert_eq!(b.take(&"a", 5, t0 + secs(12)), Ok(()));
        assert!(
            b.take(&"a", 1, t0 + secs(12)).is_err(),
            "all of it was taken"
        );
        assert_eq!(
            b.take(&"a", 50, t0 + secs(72)),
            Ok(()),
            "capped to the burst"
        );
    }

    #[test]
    fn the_map_is_bounded_refuses_newcomers_when_full_and_recovers() {
        let t0 = Instant::now();
        let mut b = Buckets::new(FIVE_A_MINUTE, 3);
        for k in 0..3 {
            b.take(&k, 1, t0).unwrap();
        }
        assert_eq!(b.len(), 3);
        assert!(b.take(&99, 1, t0).is_err(), "full: a new key is refused");
        assert_eq!(b.take(&0, 1, t0), Ok(()), "known keys go on");
        // After 12 s keys 1 and 2 are full again, key 0 (two taken) is not: pruning makes room.
        assert_eq!(b.take(&99, 1, t0 + secs(13)), Ok(()));
        assert_eq!(b.len(), 2, "key 0 and the newcomer");
        assert!(!b.is_full(&0, t0 + secs(13)));
    }

    #[test]
    fn idle_keys_are_pruned_so_memory_follows_activity() {
        let t0 = Instant::now();
        let mut b = Buckets::new(FIVE_A_MINUTE, 100_000);
        for k in 0..1000 {
            b.take(&k, 1, t0).unwrap();
        }
        assert_eq!(b.len(), 1000);
        assert_eq!(b.take(&5000, 1, t0 + secs(61)), Ok(()));
        assert_eq!(b.len(), 1, "only the newest key is left");
    }

    #[test]
    fn each_user_has_their_own_allowance() {
        let t0 = Instant::now();
        let per_user = PerUser::new(
            Rate {
                burst: 3,
                per_minute: 60,
            },
            100,
        );
        for _ in 0..3 {
            assert_eq!(per_user.spend("anna", t0), Ok(()));
        }
        assert_eq!(per_user.spend("anna", t0).map_err(RetryAfter::secs), Err(1));
        assert_eq!(per_user.spend("ben", t0), Ok(()));
        assert_eq!(per_user.spend("anna", t0 + secs(1)), Ok(()));
    }

    #[test]
    fn retry_after_is_whole_seconds_at_least_one() {
        assert_eq!(RetryAfter(Duration::ZERO).secs(), 1);
        assert_eq!(RetryAfter(Duration::from_millis(10)).secs(), 1);
        assert_eq!(RetryAfter(secs(3)).secs(), 3);
        assert_eq!(RetryAfter(Duration::from_millis(3001)).secs(), 4);
    }

    #[test]
    fn ipv6_addresses_share_their_64_and_mapped_v4_is_v4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(c));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(address_key(mapped), "192.0.2.7".parse::<IpAddr>().unwrap());
        let v4: IpAddr = "192.0.2.7".parse().unwrap();
        assert_eq!(address_key(v4), v4);
    }
}
