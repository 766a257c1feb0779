//! The files under `web/`, compiled in by `build.rs`.

include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));
