//! The engine stays pure: no dependency that does I/O, async or storage.

#[test]
fn the_engine_depends_only_on_pure_crates() {
    let manifest = include_str!("../Cargo.toml");
    let dependencies = manifest
        .split("[dependencies]")
        .nth(1)
        .and_then(|rest| rest.split("\n[").next())
        .unwrap_or("");
    let names: Vec<&str> = dependencies
        .lines()
        .filter_map(|line| line.split(['.', '=', ' ']).next())
        .filter(|name| !name.is_empty() && !name.starts_with('#'))
        .collect();
    // rayon only spreads pure computation over threads (feature `parallel`).
    let allowed = ["rayon", "strsim", "unicode-normalization"];
    for name in &names {
        assert!(
            allowed.contains(name),
            "repatria-match must stay pure; unexpected dependency {name}"
        );
    }
    assert!(
        !names.is_empty(),
        "could not read the dependencies of repatria-match"
    );
}

#[test]
fn the_engine_source_does_no_io() {
    for (file, text) in [
        ("lib.rs", include_str!("../src/lib.rs")),
        ("compare.rs", include_str!("../src/compare.rs")),
        ("engine.rs", include_str!("../src/engine.rs")),
        ("frequency.rs", include_str!("../src/frequency.rs")),
        ("model.rs", include_str!("../src/model.rs")),
        ("names.rs", include_str!("../src/names.rs")),
        ("record.rs", include_str!("../src/record.rs")),
        ("script.rs", include_str!("../src/script.rs")),
    ] {
        for forbidden in [
            "std::fs",
            "std::net",
            "std::env",
            "SystemTime",
            "Instant::now",
            "std::thread",
        ] {
            assert!(!text.contains(forbidden), "{file} uses {forbidden}");
        }
    }
}
