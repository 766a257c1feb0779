//! Development automation: `cargo xtask <task>`.
//!
//! - `cargo xtask tidy`: checks the rules that keep the architecture honest (also run
//!   as a test, so `cargo test --workspace` enforces them).
//! - `cargo xtask names ...`: converts name-equivalence data into the table embedded in
//!   `repatria-match` (see `crates/repatria-match/data/SOURCES.md`).
//! - `cargo xtask screenshots`: screenshots of every page of the web interface into
//!   `docs/screenshots/` (needs Node.js and Debian's `chromium`).

mod names;
mod screenshots;
mod tidy;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("tidy") => {
            let problems = tidy::check(&tidy::workspace_root())?;
            if problems.is_empty() {
                println!("tidy: all checks pass");
                Ok(())
            } else {
                for p in &problems {
                    eprintln!("tidy: {p}");
                }
                anyhow::bail!("{} tidy problem(s)", problems.len())
            }
        }
        Some("names") => names::run(&args[1..]),
        Some("screenshots") => screenshots::run(&tidy::workspace_root()),
        _ => {
            eprintln!(
                "usage: cargo xtask <task>\n\ntasks:\n  tidy    check architecture rules (engine purity, module docs)\n  names   convert name-equivalence data for repatria-match\n  screenshots  screenshots of every web page into docs/screenshots/"
            );
            std::process::exit(2);
        }
    }
}
