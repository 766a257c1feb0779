//! `repatria user add`: accounts from the command line.

use std::io::BufRead;

use anyhow::Context;
use repatria_core::{check_new_password, parse_username, Role};
use repatria_store::{Actor, User};

/// Creates an account; the password is read from standard input (one line), never from
/// the command line, where other users of the machine could see it.
pub async fn add(db: &str, name: &str, role: &str) -> anyhow::Result<()> {
    let username = parse_username(name).map_err(|e| anyhow::anyhow!("NAME: {}", e.reason))?;
    let role: Role = role
        .parse()
        .map_err(|e: repatria_core::FieldError| anyhow::anyhow!("--role: {}", e.reason))?;
    let mut password = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut password)
        .context("cannot read the password from standard input")?;
    let password = password.trim_end_matches(['\r', '\n']);
    check_new_password(password).map_err(|e| anyhow::anyhow!("password: {}", e.reason))?;
    let store = super::open_store(db).await?;
    let password_hash = repatria_app::accounts::hash_password(password)?;
    let user = User {
        username: username.clone(),
        role,
        password_hash,
        disabled: false,
        must_change_password: false,
    };
    store
        .create_user(&Actor::new("cli"), user, chrono::Utc::now())
        .await
        .map_err(|e| match e {
            repatria_store::StoreError::Conflict(message) => anyhow::anyhow!("{message}"),
            other => anyhow::anyhow!(other).context("cannot create the user"),
        })?;
    println!("created user {username} with role {role}");
    Ok(())
}
