//! The failed-sign-in policy on top of the buckets.

use super::{Buckets, Rate, RetryAfter, address_key};
use std::net::IpAddr;
use std::time::Instant;

/// The failed-sign-in limits: per client address and per account, counted before the token is
/// checked so parallel attempts cannot all slip past a check that only sees finished failures.
///
/// An attempt reserves a token from its address's bucket and, once its key id names an account,
/// one from that account's. If the token verifies, both are given back: only failures count.
///
/// A blocked address is not the end for everyone behind it (a shared NAT, an office): an attempt
/// from it may still go ahead when its account has its whole allowance unused, and it then spends
/// all of it. So a noisy address can try each real account at most once per refill period, an
/// account under attack is not tried from blocked addresses at all, and a colleague whose
/// account is quiet still signs in. Tokens already verified never get here (the caller checks
/// its memory of them first), so they are never refused for their address.
#[derive(Debug)]
pub struct SignInLimits {
    addresses: Buckets<IpAddr>,
    accounts: Buckets<String>,
}

/// What one attempt reserved, to be given back if the token verifies.
#[derive(Debug, Default, PartialEq)]
pub struct Attempt {
    address: Option<IpAddr>,
    /// Set when the address was over its limit: only the untouched-account rule may let it on.
    blocked: Option<RetryAfter>,
    account: Option<(String, u32)>,
}

impl Attempt {
    /// The address was over its limit (the attempt may still go on; see `SignInLimits`).
    pub fn blocked(&self) -> Option<RetryAfter> {
        self.blocked
    }
}

impl SignInLimits {
    /// `max_keys` bounds each map (addresses, accounts).
    pub fn new(per_address: u32, per_account: u32, max_keys: usize) -> SignInLimits {
        let rate = |n| Rate {
            burst: n,
            per_minute: n,
        };
        SignInLimits {
            addresses: Buckets::new(rate(per_address), max_keys),
            accounts: Buckets::new(rate(per_account), max_keys),
        }
    }

    /// Step one, before anything is looked up: the attempt counts against its address.
    pub fn count_address(&mut self, ip: IpAddr, now: Instant) -> Attempt {
        let key = address_key(ip);
        match self.addresses.take(&key, 1, now) {
            Ok(()) => Attempt {
                address: Some(key),
                ..Attempt::default()
            },
            Err(wait) => Attempt {
                blocked: Some(wait),
                ..Attempt::default()
            },
        }
    }

    /// Step two, once the token's key id names a real account: the attempt counts against the
    /// account too. Refused when the account is over its limit, or when the address is blocked
    /// and the account's allowance is not whole.
    pub fn count_account(
        &mut self,
        attempt: &mut Attempt,
        account: &str,
        now: Instant,
    ) -> Result<(), RetryAfter> {
        let key = account.to_string();
        let n = match attempt.blocked {
            None => 1,
            Some(blocked) => {
                if !self.accounts.is_full(&key, now) {
                    return Err(blocked);
                }
                self.accounts_burst()
            }
        };
        self.accounts.take(&key, n, now)?;
        attempt.account = Some((key, n));
        Ok(())
    }

    fn accounts_burst(&self) -> u32 {
        self.accounts.rate.burst
    }

    /// The token verified, or was never checked (no verification slot): nothing it reserved
    /// counts.
    pub fn give_back(&mut self, attempt: Attempt, now: Instant) {
        if let Some(ip) = attempt.address {
            self.addresses.give_back(&ip, 1, now);
        }
        if let Some((account, n)) = attempt.account {
            self.accounts.give_back(&account, n, now);
        }
    }

    /// Entries held in the two maps.
    #[cfg(test)]
    pub fn sizes(&self) -> (usize, usize) {
        (self.addresses.len(), self.accounts.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    /// Twenty a minute per address, ten per account (the defaults).
    fn limits() -> SignInLimits {
        SignInLimits::new(20, 10, 1000)
    }

    #[test]
    fn parallel_attempts_are_counted_before_any_check() {
        let t0 = Instant::now();
        let mut l = limits();
        // 200 attempts arrive together; none has finished, so none has "failed" yet.
        let attempts: Vec<Attempt> = (0..200)
            .map(|_| l.count_address(ip("192.0.2.1"), t0))
            .collect();
        let through = attempts.iter().filter(|a| a.blocked().is_none()).count();
        assert_eq!(through, 20);
        assert_eq!(attempts[20].blocked().map(RetryAfter::secs), Some(3));
    }

    #[test]
    fn only_failures_count() {
        let t0 = Instant::now();
        let mut l = limits();
        for _ in 0..100 {
            let mut a = l.count_address(ip("192.0.2.1"), t0);
            assert_eq!(a.blocked(), None);
            l.count_account(&mut a, "alice", t0).unwrap();
            l.give_back(a, t0);
        }
        assert_eq!(l.sizes(), (0, 0), "verified attempts leave nothing behind");
    }

    #[test]
    fn an_account_is_limited_across_addresses() {
        let t0 = Instant::now();
        let mut l = limits();
        for i in 0..10 {
            let mut a = l.count_address(ip(&format!("198.51.100.{i}")), t0);
            l.count_account(&mut a, "alice", t0).unwrap();
        }
        let mut a = l.count_address(ip("198.51.100.99"), t0);
        assert_eq!(
            l.count_account(&mut a, "alice", t0)
                .map_err(RetryAfter::secs),
            Err(6)
        );
        let mut b = l.count_address(ip("198.51.100.99"), t0);
        assert_eq!(
            l.count_account(&mut b, "bob", t0),
            Ok(()),
            "other accounts go on"
        );
    }

    /// Attempts from `ip` until one is blocked; returns that one.
    fn drained(l: &mut SignInLimits, ip: IpAddr, now: Instant) -> Attempt {
        loop {
            let a = l.count_address(ip, now);
            if a.blocked().is_some() {
                return a;
            }
        }
    }

    #[test]
    fn a_blocked_address_may_try_an_untouched_account_once() {
        let t0 = Instant::now();
        let mut l = limits();
        let noisy = ip("203.0.113.5");
        for _ in 0..20 {
            let mut a = l.count_address(noisy, t0);
            l.count_account(&mut a, "mallory-target", t0).unwrap_or(());
        }
        // Blocked now. A colleague's quiet account still gets its attempt...
        let mut colleague = l.count_address(noisy, t0);
        assert!(colleague.blocked().is_some());
        assert_eq!(l.count_account(&mut colleague, "carol", t0), Ok(()));
        // ...and if it verifies, carol's allowance is whole again and she can come back.
        l.give_back(colleague, t0);
        let mut again = l.count_address(noisy, t0);
        assert_eq!(l.count_account(&mut again, "carol", t0), Ok(()));
        // The account under attack is never tried from the blocked address.
        let mut target = l.count_address(noisy, t0);
        assert!(l.count_account(&mut target, "mallory-target", t0).is_err());
        // An attacker trying an account from the blocked address spends the account's whole
        // allowance at once: a second try from a blocked address waits for a full refill.
        let mut guess = l.count_address(noisy, t0);
        assert_eq!(l.count_account(&mut guess, "dave", t0), Ok(()));
        let mut guess2 = l.count_address(noisy, t0);
        assert!(l.count_account(&mut guess2, "dave", t0).is_err());
        // The attacker keeps the address drained; dave is whole again only after a full minute.
        let t59 = t0 + Duration::from_secs(59);
        let mut later = drained(&mut l, noisy, t59);
        assert!(l.count_account(&mut later, "dave", t59).is_err());
        let t60 = t0 + Duration::from_secs(60);
        let mut full = drained(&mut l, noisy, t60);
        assert_eq!(l.count_account(&mut full, "dave", t60), Ok(()));
    }

    #[test]
    fn maps_stay_bounded_under_many_addresses() {
        let t0 = Instant::now();
        let mut l = SignInLimits::new(20, 10, 100);
        for i in 0..10_000u32 {
            l.count_address(IpAddr::from(i.to_be_bytes()), t0);
        }
        let (addresses, accounts) = l.sizes();
        assert!(addresses <= 100, "{addresses}");
        assert_eq!(accounts, 0);
    }
}
