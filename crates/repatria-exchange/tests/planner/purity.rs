//! The engine stays pure: no async runtime, database or HTTP dependency (ARCHITECTURE invariant).

#[test]
fn the_planner_depends_on_no_io_crate() {
    let manifest =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).unwrap();
    for forbidden in ["tokio", "sqlx", "axum", "reqwest", "hyper"] {
        assert!(
            !manifest.contains(forbidden),
            "repatria-exchange must not depend on {forbidden}"
        );
    }
}
