//! How much heavy work runs at once: import jobs (reading a list of up to half a million
//! rows and matching every row), previews of a list (reading it: up to a few hundred
//! megabytes for the largest file the limits allow) and exchange plans (up to a minute
//! of a core each). Any
//! account that may import or plan could otherwise start them faster than they finish
//! and take every core and gigabytes of memory. Each kind has a bound per account and a
//! bound in total; beyond either the request gets 429 with `Retry-After`.
//!
//! A [`Permit`] holds a place until it is dropped: it moves into the background job or
//! the planner's blocking task, so a client that hangs up does not free a place its work
//! still takes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::error::ApiError;

repatria_core::words! {
    /// A kind of heavy work, with its bounds (the word names it in the monitoring figures).
    pub enum Kind {
        /// An import job (`POST /api/imports`, the web interface's "start").
        Import = "import",
        /// Reading a list for its mapping (`POST /api/imports/preview`, the web upload).
        Preview = "preview",
        /// An exchange plan (`POST /api/exchange/plan`, `/plan-held`, the web's downloads).
        Plan = "plan",
    }
}

impl Kind {
    /// Places one account may hold at once.
    pub const fn per_account(self) -> usize {
        match self {
            Kind::Import | Kind::Preview => 2,
            Kind::Plan => 1,
        }
    }

    /// Places all accounts together may hold at once (the machine has few cores).
    pub const fn in_total(self) -> usize {
        match self {
            Kind::Import | Kind::Preview => 4,
            Kind::Plan => 2,
        }
    }

    /// Seconds a refused client is told to wait.
    pub const fn retry_after(self) -> u64 {
        match self {
            Kind::Import => 10,
            Kind::Preview => 5,
            Kind::Plan => 30,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Import => "import jobs",
            Kind::Preview => "previews of a list",
            Kind::Plan => "exchange plans",
        }
    }
}

/// The places taken, per kind and account.
#[derive(Debug, Default)]
pub struct Work {
    taken: Mutex<HashMap<(Kind, String), usize>>,
}

impl Work {
    /// The places of `kind` taken now, by all accounts together.
    pub fn running(&self, kind: Kind) -> usize {
        let taken = self.taken.lock().unwrap_or_else(|e| e.into_inner());
        taken
            .iter()
            .filter(|((k, _), _)| *k == kind)
            .map(|(_, n)| n)
            .sum()
    }

    /// Takes a place for `account`, or says why not (429 with `Retry-After`).
    pub fn start(self: &Arc<Self>, kind: Kind, account: &str) -> Result<Permit, ApiError> {
        let mut taken = self.taken.lock().unwrap_or_else(|e| e.into_inner());
        let total: usize = taken
            .iter()
            .filter(|((k, _), _)| *k == kind)
            .map(|(_, n)| n)
            .sum();
        let mine = taken
            .get(&(kind, account.to_string()))
            .copied()
            .unwrap_or(0);
        let refusal = if mine >= kind.per_account() {
            Some(format!(
                "this account already has {mine} {} running, the most it may; try again when one has finished",
                kind.name()
            ))
        } else if total >= kind.in_total() {
            Some(format!(
                "{total} {} are running, the most the server runs at once; try again later",
                kind.name()
            ))
        } else {
            None
        };
        if let Some(message) = refusal {
            return Err(ApiError::TooManyRequests {
                message,
                retry_after: kind.retry_after(),
            });
        }
        *taken.entry((kind, account.to_string())).or_default() += 1;
        Ok(Permit {
            work: self.clone(),
            kind,
            account: account.to_string(),
        })
    }
}

/// A place taken; given back when dropped.
#[derive(Debug)]
pub struct Permit {
    work: Arc<Work>,
    kind: Kind,
    account: String,
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut taken = self.work.taken.lock().unwrap_or_else(|e| e.into_inner());
        let key = (self.kind, std::mem::take(&mut self.account));
        if let Some(n) = taken.get_mut(&key) {
            *n -= 1;
            if *n == 0 {
                taken.remove(&key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_bounded_per_account_and_in_total_and_given_back() {
        let work = Arc::new(Work::default());
        let a1 = work.start(Kind::Plan, "a").unwrap();
        let refused = work.start(Kind::Plan, "a").unwrap_err();
        assert!(matches!(
            refused,
            ApiError::TooManyRequests {
                retry_after: 30,
                ..
            }
        ));
        let _b1 = work.start(Kind::Plan, "b").unwrap();
        assert!(work.start(Kind::Plan, "c").is_err(), "two plans in total");
        assert_eq!(work.running(Kind::Plan), 2);
        // Imports are counted apart from plans.
        let _i = work.start(Kind::Import, "a").unwrap();
        drop(a1);
        assert_eq!(
            (work.running(Kind::Plan), work.running(Kind::Import)),
            (1, 1)
        );
        assert!(work.start(Kind::Plan, "c").is_ok());
    }
}
