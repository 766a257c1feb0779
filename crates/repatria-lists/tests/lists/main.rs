//! The list readers' tests as one binary: reading and writing lists (`lists`) and every
//! bound of `Limits` (`limits`).

mod limits;
mod lists;
