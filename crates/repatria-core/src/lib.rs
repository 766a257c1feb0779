//! Domain types and Geneva Convention III rules. Pure: no I/O, no clock, no async.
