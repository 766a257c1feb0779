//! `repatria user add`: accounts from the command line.

use std::io::BufRead;

use anyhow::Context;
use repatria_app::accounts::{self, CreateUserError, NewAccount};
use repatria_core::check_new_password;
use repatria_store::Actor;

/// Creates an account; the password is read from standard input (one line), never from
/// the command line, where other users of the machine could see it.
pub async fn add(db: &str, name: &str, role: &str) -> anyhow::Result<()> {
    // The same checks as the API's, each problem named by the argument it came from,
    // before the password is asked for.
    let account = NewAccount::new(name, role).map_err(|errors| {
        let lines: Vec<String> = errors
            .iter()
            .map(|e| {
                let argument = if e.field == "role" { "--role" } else { "NAME" };
                format!("{argument}: {}", e.reason)
            })
            .collect();
        anyhow::anyhow!(lines.join("\n"))
    })?;
    let mut password = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut password)
        .context("cannot read the password from standard input")?;
    let password = password.trim_end_matches(['\r', '\n']);
    check_new_password(password).map_err(|e| anyhow::anyhow!("password: {}", e.reason))?;
    let store = super::open_store(db).await?;
    let password_hash = accounts::hash_password(password)?;
    let user = accounts::create_user(
        &store,
        &Actor::new("cli"),
        account,
        password_hash,
        chrono::Utc::now(),
    )
    .await
    .map_err(|e| match e {
        CreateUserError::Taken(_) => anyhow::anyhow!("{e}"),
        CreateUserError::Store(other) => anyhow::anyhow!(other).context("cannot create the user"),
    })?;
    println!("created user {} with role {}", user.username, user.role);
    Ok(())
}
