//! The list readers' tests as one binary: reading and writing lists (`lists`), every
//! bound of `Limits` (`limits`) and PFIF against Person Finder's own tools
//! (`personfinder`, with the validator's runner `validator`).

mod limits;
mod lists;
mod personfinder;
#[path = "../personfinder/validator.rs"]
mod validator;
