//! Login rate limiting and the bound on password hashing.
//!
//! Every attempt is counted in the database *before* the password is checked, by one
//! statement per bucket that increments and returns the count (`SqlStore::
//! count_login_attempt`): parallel guesses cannot all pass a check made before any of
//! them is recorded, and every server on one database shares the counts. Buckets are
//! the account (`account:NAME`) and the client's address (`address:IP`, see
//! `client.rs`), so that behind a reverse proxy one client's guesses lock out neither
//! the other clients nor, beyond the account they target, anyone else. An attempt past
//! the limit is refused without hashing. Hashing itself (Argon2id, about 19 MiB each) is
//! bounded by a semaphore, so that a burst of requests cannot exhaust memory; a request
//! that cannot get a turn in time is answered 503 with `Retry-After`.

use std::net::IpAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::Utc;
use repatria_core::Timestamp;
use repatria_store::{Actor, SqlStore};
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::error::ApiError;

/// The numbers of the login limit.
#[derive(Debug, Clone)]
pub struct LoginPolicy {
    /// Attempts per account within the window.
    pub account_limit: u32,
    /// Attempts per client address within the window: higher than per account, since
    /// one office may share an address; successful logins give their attempt back.
    pub address_limit: u32,
    pub window: chrono::Duration,
    /// Password checks that may run at once.
    pub hashing_permits: usize,
    /// How long a request waits for a turn to check a password before it gets 503.
    pub hashing_wait: Duration,
}

impl Default for LoginPolicy {
    fn default() -> Self {
        LoginPolicy {
            account_limit: 5,
            address_limit: 20,
            window: chrono::Duration::minutes(15),
            hashing_permits: 4,
            hashing_wait: Duration::from_secs(10),
        }
    }
}

/// The bucket of an account, as typed at login (a longer name than any account can have
/// is cut, so that made-up names cannot make rows of any size).
pub fn account_bucket(username: &str) -> String {
    let name: String = username.trim().chars().take(64).collect();
    format!("account:{name}")
}

/// The bucket of a client address. An IPv6 client is counted by its /64 network: one
/// host commonly holds a whole /64, and would otherwise have billions of fresh buckets.
pub fn address_bucket(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => format!("address:{v4}"),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let network = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
            format!("address:{network}/64")
        }
    }
}

#[derive(Debug)]
pub struct LoginLimiter {
    pub policy: LoginPolicy,
    hashing: Semaphore,
    /// When old buckets were last purged (seconds since the epoch).
    last_purge: AtomicI64,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        LoginLimiter::new(LoginPolicy::default())
    }
}

impl LoginLimiter {
    pub fn new(policy: LoginPolicy) -> LoginLimiter {
        LoginLimiter {
            hashing: Semaphore::new(policy.hashing_permits.max(1)),
            policy,
            last_purge: AtomicI64::new(0),
        }
    }

    /// Counts an attempt in `buckets` (the account's first) and refuses it with 429 when
    /// any bucket is past its limit. The attempt that first goes past the limit is
    /// audited as `login.lockout`.
    pub async fn admit(
        &self,
        store: &SqlStore,
        actor: &Actor,
        attempted: &str,
        buckets: &[String],
        client: Option<IpAddr>,
    ) -> Result<(), ApiError> {
        let now = Utc::now();
        self.purge_now_and_then(store, now).await;
        // The address first: once it is past its limit, the attempt is refused before the
        // account's bucket is touched, so that a flood of made-up names from one client
        // makes no rows beyond its first few.
        let (addresses, accounts): (Vec<&String>, Vec<&String>) =
            buckets.iter().partition(|b| b.starts_with("address:"));
        for bucket in addresses.into_iter().chain(accounts) {
            let (limit, scope) = if bucket.starts_with("account:") {
                (self.policy.account_limit, "account")
            } else {
                (self.policy.address_limit, "address")
            };
            let counted = store
                .count_login_attempt(std::slice::from_ref(bucket), self.policy.window, now)
                .await?;
            let Some(count) = counted.first() else {
                continue;
            };
            if count.attempts <= limit {
                continue;
            }
            // Exactly one attempt sees the count just past the limit: it records the lockout.
            if count.attempts == limit + 1 {
                let client = client.map(|c| c.to_string());
                store
                    .audit_login_refusal(actor, attempted, Some(scope), client.as_deref(), now)
                    .await?;
                tracing::warn!(scope, "login attempts locked out");
            }
            let ends = count.window_start + self.policy.window;
            return Err(ApiError::TooManyRequests {
                message: "too many login attempts; wait and try again, or ask an administrator to unlock the account".into(),
                retry_after: (ends - now).num_seconds().max(1) as u64,
            });
        }
        Ok(())
    }

    /// A turn to hash or check a password; 503 when none comes free in time.
    pub async fn hashing_turn(&self) -> Result<SemaphorePermit<'_>, ApiError> {
        match tokio::time::timeout(self.policy.hashing_wait, self.hashing.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(ApiError::Busy {
                message: "too many password checks at once; try again shortly".into(),
                retry_after: 5,
            }),
        }
    }

    /// Buckets live one window; forget older ones, at most once a minute per server.
    async fn purge_now_and_then(&self, store: &SqlStore, now: Timestamp) {
        let last = self.last_purge.load(Ordering::Relaxed);
        let second = now.timestamp();
        if second - last < 60
            || self
                .last_purge
                .compare_exchange(last, second, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        if let Err(error) = store.purge_login_attempts(now - self.policy.window).await {
            tracing::warn!(%error, "old login attempts not purged");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_bounded_and_distinct() {
        assert_eq!(account_bucket(" amy "), "account:amy");
        assert_eq!(
            account_bucket(&"x".repeat(1000)).len(),
            "account:".len() + 64
        );
        assert_eq!(
            address_bucket("10.0.0.1".parse().unwrap()),
            "address:10.0.0.1"
        );
        assert_eq!(
            address_bucket("2001:db8:1:2:aaaa::1".parse().unwrap()),
            address_bucket("2001:db8:1:2:bbbb::9".parse().unwrap()),
            "one /64, one bucket"
        );
        assert_eq!(
            address_bucket("2001:db8:1:2::1".parse().unwrap()),
            "address:2001:db8:1:2::/64"
        );
    }

    #[tokio::test]
    async fn a_busy_hasher_answers_503_after_its_wait() {
        let limiter = LoginLimiter::new(LoginPolicy {
            hashing_permits: 1,
            hashing_wait: Duration::from_millis(50),
            ..LoginPolicy::default()
        });
        let held = limiter.hashing_turn().await.unwrap();
        let refused = limiter.hashing_turn().await.unwrap_err();
        assert!(matches!(refused, ApiError::Busy { .. }), "{refused:?}");
        drop(held);
        assert!(limiter.hashing_turn().await.is_ok());
    }
}
