//! Person-matching engine across scripts (Cyrillic, Latin transliterations, Hangul). Pure: no I/O.
