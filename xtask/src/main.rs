//! Development automation: `cargo xtask <task>`.
//!
//! - `cargo xtask tidy`: checks the rules that keep the architecture honest (also run
//!   as a test, so `cargo test --workspace` enforces them).

mod tidy;

fn main() -> anyhow::Result<()> {
    let task = std::env::args().nth(1);
    match task.as_deref() {
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
        _ => {
            eprintln!("usage: cargo xtask <task>\n\ntasks:\n  tidy    check architecture rules (engine purity, module docs)");
            std::process::exit(2);
        }
    }
}
