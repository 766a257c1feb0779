//! Login rate limiting: after too many failed logins for one account, or from one
//! address, further attempts are refused for a while, so that passwords cannot be
//! guessed at speed.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failed attempts allowed per key within the window.
pub const MAX_FAILURES: usize = 5;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl LoginLimiter {
    /// Whether any of `keys` has used up its failures at `now`.
    pub fn is_blocked(&self, keys: &[String], now: Instant) -> bool {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        keys.iter().any(|key| {
            let Some(times) = failures.get_mut(key) else {
                return false;
            };
            while times
                .front()
                .is_some_and(|t| now.duration_since(*t) > WINDOW)
            {
                times.pop_front();
            }
            times.len() >= MAX_FAILURES
        })
    }

    pub fn record_failure(&self, keys: &[String], now: Instant) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        // Bound memory under a flood of made-up names: forget the oldest keys.
        if failures.len() > 100_000 {
            failures.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) <= WINDOW)
            });
        }
        for key in keys {
            failures.entry(key.clone()).or_default().push_back(now);
        }
    }

    pub fn record_success(&self, keys: &[String]) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        for key in keys {
            failures.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_block_until_the_window_passes() {
        let limiter = LoginLimiter::default();
        let keys = vec!["user:a".to_string()];
        let start = Instant::now();
        for i in 0..MAX_FAILURES {
            assert!(!limiter.is_blocked(&keys, start), "blocked after {i}");
            limiter.record_failure(&keys, start);
        }
        assert!(limiter.is_blocked(&keys, start));
        assert!(
            !limiter.is_blocked(&["user:b".to_string()], start),
            "another account is not affected"
        );
        assert!(!limiter.is_blocked(&keys, start + WINDOW + Duration::from_secs(1)));
    }

    #[test]
    fn a_success_clears_the_failures() {
        let limiter = LoginLimiter::default();
        let keys = vec!["user:a".to_string()];
        let now = Instant::now();
        for _ in 0..MAX_FAILURES - 1 {
            limiter.record_failure(&keys, now);
        }
        limiter.record_success(&keys);
        limiter.record_failure(&keys, now);
        assert!(!limiter.is_blocked(&keys, now));
    }
}
