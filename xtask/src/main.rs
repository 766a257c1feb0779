//! Development automation: `cargo xtask <task>`.

mod names;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("names") => names::run(&args[1..]),
        _ => {
            eprintln!("tasks: names");
            Ok(())
        }
    }
}
