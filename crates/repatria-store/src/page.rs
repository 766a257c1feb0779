//! Lists a page at a time (docs/api.md, "Lists").
//!
//! A list is read in a fixed order of a key that identifies each item (an instant and an
//! id, a score and an id, a sequence number, a code). A page is at most `limit` items
//! whose key comes after a position, the key of the last item of the previous page; the
//! query says `key > position ORDER BY key LIMIT limit + 1`, and the extra row says that
//! there is a next page. Unlike an offset, a position does not move when items are added
//! or removed before it, so walking a list from its first page to its last neither loses
//! nor repeats an item that stays in it. The position travels as text (the `next` of a
//! page, a client's `cursor`), written and read by [`Cursor`].

use std::cmp::Ordering;

use repatria_core::Timestamp;
use uuid::Uuid;

use crate::sql::{instant, Sql};
use crate::{Result, SqlStore};

/// Items a page holds when the caller does not say.
pub const DEFAULT_LIMIT: u32 = 50;
/// Items a page holds at most.
pub const MAX_LIMIT: u32 = 500;

/// A position in a list as text: [`Cursor::write`] makes the `next` of a page,
/// [`Cursor::read`] reads a client's `cursor` back (`None`: not a position of this kind).
pub trait Cursor: Sized {
    fn read(text: &str) -> Option<Self>;
    fn write(&self) -> String;
}

/// Which page of a list to read: at most `limit` items (1 to [`MAX_LIMIT`]) after the
/// position `after`, or from the start without one.
#[derive(Debug, Clone, PartialEq)]
pub struct PageAt<K> {
    pub after: Option<K>,
    pub limit: u32,
}

impl<K> PageAt<K> {
    /// The first page.
    pub fn first(limit: u32) -> PageAt<K> {
        PageAt { after: None, limit }
    }

    /// The page size the store uses: `limit` within 1 to [`MAX_LIMIT`].
    pub fn size(&self) -> u32 {
        self.limit.clamp(1, MAX_LIMIT)
    }
}

impl<K> Default for PageAt<K> {
    fn default() -> PageAt<K> {
        PageAt::first(DEFAULT_LIMIT)
    }
}

/// One page of a list.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many items the whole list holds (with the same filters).
    pub total: u64,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// A page from rows read with one more than `limit`: the extra row says there is a
    /// next page, which starts after the last item kept (`cursor` of it).
    pub(crate) fn cut(
        mut items: Vec<T>,
        total: i64,
        limit: u32,
        cursor: impl Fn(&T) -> String,
    ) -> Page<T> {
        let next = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(cursor)
        } else {
            None
        };
        Page {
            items,
            total: total.max(0) as u64,
            next,
        }
    }

    /// The same, from rows read with their keys as the database compares them.
    pub(crate) fn cut_keyed<K: Cursor>(items: Vec<(T, K)>, total: i64, limit: u32) -> Page<T> {
        let page = Page::cut(items, total, limit, |(_, key)| key.write());
        page.map(|(item, _)| item)
    }

    /// A page of a list held whole: the list sorted by `key` in `order`, its items after
    /// `at.after`. For lists small by nature (parties, accounts, one's tokens).
    pub fn of<K: Cursor + Ord>(
        items: Vec<T>,
        at: &PageAt<K>,
        order: Order,
        key: impl Fn(&T) -> K,
    ) -> Page<T> {
        let total = items.len() as i64;
        let mut keyed: Vec<(T, K)> = items
            .into_iter()
            .map(|item| {
                let k = key(&item);
                (item, k)
            })
            .collect();
        keyed.sort_by(|a, b| order.of(a.1.cmp(&b.1)));
        let limit = at.size();
        let rest: Vec<(T, K)> = keyed
            .into_iter()
            .filter(|(_, k)| {
                at.after
                    .as_ref()
                    .is_none_or(|after| order.of(k.cmp(after)) == Ordering::Greater)
            })
            .take(limit as usize + 1)
            .collect();
        Page::cut_keyed(rest, total, limit)
    }

    /// The same page with each item changed.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            next: self.next,
        }
    }
}

/// The direction a list runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Ascending,
    /// Newest first.
    Descending,
}

impl Order {
    fn of(self, ordering: Ordering) -> Ordering {
        match self {
            Order::Ascending => ordering,
            Order::Descending => ordering.reverse(),
        }
    }
}

/// An id as the lists' keys hold one: letters, digits and hyphens (a UUID, the start of
/// a token's hash), at most 64.
fn is_id(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 64
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The key of lists in time order: an instant as stored (RFC 3339, UTC, microseconds,
/// so that text order is time order) and an id for items of the same instant. Written
/// `INSTANT_ID`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct At {
    pub(crate) at: String,
    pub(crate) id: String,
}

impl At {
    pub fn new(at: Timestamp, id: impl ToString) -> At {
        At {
            at: instant(at),
            id: id.to_string(),
        }
    }

    /// A key from the columns as stored.
    pub(crate) fn stored(row: &sqlx::any::AnyRow) -> Result<At> {
        use sqlx::Row;
        Ok(At {
            at: row.try_get("created_at")?,
            id: row.try_get("id")?,
        })
    }
}

impl Cursor for At {
    fn read(text: &str) -> Option<At> {
        let (at, id) = text.split_once('_')?;
        let at = chrono::DateTime::parse_from_rfc3339(at).ok()?;
        is_id(id).then(|| At::new(at.with_timezone(&chrono::Utc), id))
    }

    fn write(&self) -> String {
        format!("{}_{}", self.at, self.id)
    }
}

/// The key of the match links, best score first: the score and the link's id. Written
/// `SCORE_ID`.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    pub(crate) score: f64,
    pub(crate) id: String,
}

impl Cursor for Score {
    fn read(text: &str) -> Option<Score> {
        let (score, id) = text.split_once('_')?;
        let score = score.parse::<f64>().ok().filter(|s| s.is_finite())?;
        is_id(id).then(|| Score {
            score,
            id: id.to_string(),
        })
    }

    fn write(&self) -> String {
        // Rust writes the shortest text that reads back as the same number.
        format!("{}_{}", self.score, self.id)
    }
}

/// A sequence number (the audit log's events) or a number (an exchange's proposals).
impl Cursor for u64 {
    fn read(text: &str) -> Option<u64> {
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        text.parse().ok().filter(|n| *n <= i64::MAX as u64)
    }

    fn write(&self) -> String {
        self.to_string()
    }
}

/// An id of its own (the notifications').
impl Cursor for Uuid {
    fn read(text: &str) -> Option<Uuid> {
        Uuid::parse_str(text).ok()
    }

    fn write(&self) -> String {
        self.to_string()
    }
}

/// A name or code (parties, accounts), at most 200 characters.
impl Cursor for String {
    fn read(text: &str) -> Option<String> {
        (!text.is_empty() && text.chars().count() <= 200 && !text.chars().any(char::is_control))
            .then(|| text.to_string())
    }

    fn write(&self) -> String {
        self.clone()
    }
}

/// A page of a table in time order (`created_at`, then `id`), oldest or newest first:
/// `filters` adds the list's conditions (each `AND ...`) to both the count and the page, `columns` are read
/// beside `id` and `created_at`, and `read` makes an item of a row.
pub(crate) async fn time_page<T>(
    store: &SqlStore,
    table: &str,
    columns: &str,
    filters: impl Fn(&mut Sql),
    order: Order,
    at: &PageAt<At>,
    read: impl Fn(&sqlx::any::AnyRow) -> Result<T>,
) -> Result<Page<T>> {
    use sqlx::Row;
    let mut count = Sql::default();
    count.push(&format!("SELECT COUNT(*) AS n FROM {table} WHERE 1 = 1"));
    filters(&mut count);
    let total: i64 = count.query().fetch_one(&store.pool).await?.try_get("n")?;

    let limit = at.size();
    let mut sql = Sql::default();
    sql.push(&format!(
        "SELECT id, created_at, {columns} FROM {table} WHERE 1 = 1"
    ));
    filters(&mut sql);
    let (after, direction) = match order {
        Order::Ascending => (">", "ASC"),
        Order::Descending => ("<", "DESC"),
    };
    if let Some(position) = &at.after {
        sql.push(&format!(" AND (created_at, id) {after} ("))
            .param(position.at.as_str())
            .push(", ")
            .param(position.id.as_str())
            .push(")");
    }
    sql.push(&format!(
        " ORDER BY created_at {direction}, id {direction} LIMIT {}",
        limit + 1
    ));
    let rows = sql.query().fetch_all(&store.pool).await?;
    let items = rows
        .iter()
        .map(|row| Ok((read(row)?, At::stored(row)?)))
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::cut_keyed(items, total, limit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_read_back_what_they_wrote() {
        let at = At::new(
            chrono::DateTime::parse_from_rfc3339("2025-03-01T10:00:00.123456789Z")
                .unwrap()
                .with_timezone(&chrono::Utc),
            "0195e0a4-1b2c-7d3e-8f40-123456789abc",
        );
        assert_eq!(
            at.write(),
            "2025-03-01T10:00:00.123456Z_0195e0a4-1b2c-7d3e-8f40-123456789abc"
        );
        assert_eq!(At::read(&at.write()), Some(at));
        for score in [0.1 + 0.2, 1e-300, -0.0, 17.0, f64::MIN_POSITIVE] {
            let key = Score {
                score,
                id: "ab".into(),
            };
            assert_eq!(
                Score::read(&key.write()).unwrap().score.to_bits(),
                score.to_bits()
            );
        }
        assert_eq!(u64::read("42"), Some(42));
    }

    #[test]
    fn text_that_is_no_position_is_refused() {
        for text in [
            "",
            "_",
            "yesterday_ab",
            "2025-03-01T10:00:00Z_",
            "2025-03-01T10:00:00Z_a b",
        ] {
            assert_eq!(At::read(text), None, "{text:?}");
        }
        for text in ["NaN_ab", "inf_ab", "0.5", "0.5_", "x_ab"] {
            assert_eq!(Score::read(text), None, "{text:?}");
        }
        for text in [
            "",
            "-1",
            "+1",
            "1.5",
            "99999999999999999999",
            "9223372036854775808",
        ] {
            assert_eq!(u64::read(text), None, "{text:?}");
        }
        assert_eq!(Uuid::read("not-a-uuid"), None);
        assert_eq!(String::read(""), None);
        assert_eq!(String::read("a\u{0}"), None);
    }

    #[test]
    fn a_list_held_whole_is_walked_without_loss_or_repeat() {
        let items: Vec<u64> = (1..=23).rev().collect();
        for order in [Order::Ascending, Order::Descending] {
            let mut seen = Vec::new();
            let mut at = PageAt::<u64>::first(5);
            loop {
                let page = Page::of(items.clone(), &at, order, |n| *n);
                assert_eq!(page.total, 23);
                assert!(page.items.len() <= 5);
                seen.extend(page.items);
                match page.next {
                    Some(next) => at.after = Some(u64::read(&next).unwrap()),
                    None => break,
                }
            }
            let mut expected: Vec<u64> = (1..=23).collect();
            if order == Order::Descending {
                expected.reverse();
            }
            assert_eq!(seen, expected);
        }
        // A position whose item is gone still says where the next page starts.
        let page = Page::of(
            vec![1u64, 2, 4, 5],
            &PageAt {
                after: Some(3),
                limit: 1,
            },
            Order::Ascending,
            |n| *n,
        );
        assert_eq!(page.items, [4]);
        assert_eq!(page.next.as_deref(), Some("4"));
    }
}
