//! The one shape of every list the API answers (docs/api.md, "Lists"): the query
//! parameters `limit` and `cursor` ([`PageQuery`]) and the answer
//! `{"items": [...], "total": N, "next": CURSOR_OR_NULL}` ([`ListPage`]). Each list
//! handler takes a `Query<PageQuery>` beside its own filters and reads it into the
//! store's [`PageAt`], whose position type says what a cursor of that list is.

use repatria_core::error::Validator;
use repatria_core::FieldError;
use repatria_store::{Cursor, Page, PageAt, DEFAULT_LIMIT, MAX_LIMIT};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;

/// Which page of a list: the parameters every list takes.
#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// How many items the page holds at most.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500, default = 50)]
    pub limit: Option<String>,
    /// Where the page starts: the `next` of the previous page, passed back as it came
    /// (its form is the server's business). Left out for the first page.
    #[param(value_type = Option<String>)]
    pub cursor: Option<String>,
}

impl PageQuery {
    /// The page asked for, each bad parameter a field error in `v` (`limit` outside 1 to
    /// 500, or a `cursor` that is no position of this list).
    pub fn read<K: Cursor>(self, v: &mut Validator) -> PageAt<K> {
        // A number as written: blank, blanks around it or a sign are refused, as the
        // document's `integer` says.
        let limit = match self.limit.as_deref() {
            None => DEFAULT_LIMIT,
            Some(raw) => match raw.parse::<u64>() {
                Ok(n) if (1..=u64::from(MAX_LIMIT)).contains(&n) => n as u32,
                Ok(_) => {
                    v.push(FieldError::new(
                        "limit",
                        format!("must be from 1 to {MAX_LIMIT}"),
                    ));
                    DEFAULT_LIMIT
                }
                Err(_) => {
                    v.push(FieldError::new(
                        "limit",
                        format!("must be a whole number from 1 to {MAX_LIMIT}, got {raw:?}"),
                    ));
                    DEFAULT_LIMIT
                }
            },
        };
        let after = match self.cursor.as_deref().filter(|c| !c.is_empty()) {
            None => None,
            Some(raw) => {
                let read = K::read(raw);
                if read.is_none() {
                    v.push(FieldError::new(
                        "cursor",
                        "is not a position in this list: pass the `next` of the previous page",
                    ));
                }
                read
            }
        };
        PageAt { after, limit }
    }

    /// The page asked for, or 422 naming the bad parameters.
    pub fn page<K: Cursor>(self) -> Result<PageAt<K>, ApiError> {
        let mut v = Validator::new();
        let at = self.read(&mut v);
        v.finish()?;
        Ok(at)
    }
}

/// A page of a list.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ListPage<T> {
    pub items: Vec<T>,
    /// How many items the whole list holds (with the same filters).
    pub total: u64,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next: Option<String>,
}

impl<T> ListPage<T> {
    /// The store's page, each item made a view.
    pub fn of<U>(page: Page<U>, view: impl FnMut(U) -> T) -> ListPage<T> {
        let page = page.map(view);
        ListPage {
            items: page.items,
            total: page.total,
            next: page.next,
        }
    }
}
