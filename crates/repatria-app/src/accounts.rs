//! Passwords of accounts: hashed with Argon2id (random salt, PHC string), checked in time
//! that does not tell whether the account exists. Used by the server's login and account
//! endpoints, `repatria user add` and the demo.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use repatria_core::{check_new_password, parse_username, FieldError, Role, Timestamp};
use repatria_store::{Actor, SqlStore, StoreError, User};

/// A password could not be hashed (Argon2 refused its parameters or input).
#[derive(Debug, thiserror::Error)]
#[error("cannot hash a password: {0}")]
pub struct HashError(String);

/// Hashes a password with Argon2id and a random salt, as a PHC string.
pub fn hash_password(password: &str) -> Result<String, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// Checks a password against a stored hash. A missing user is checked against a fixed
/// hash, so that the answer takes as long whether or not the user exists.
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash_password("not a password of anyone").unwrap_or_default());
    let hash = stored.unwrap_or(dummy);
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
        && stored.is_some()
}

/// A new account, checked: the name's form, a known role, a password long enough.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub username: String,
    pub role: Role,
}

impl NewAccount {
    /// Checks the three inputs together; every problem is reported, each under its field
    /// (`username`, `role`, `password`).
    pub fn check(
        username: &str,
        role: &str,
        password: &str,
    ) -> Result<NewAccount, Vec<FieldError>> {
        let account = NewAccount::new(username, role);
        let password = check_new_password(password).map_err(|e| e.within("password"));
        match (account, password) {
            (Ok(account), Ok(())) => Ok(account),
            (account, password) => {
                let mut errors = account.err().unwrap_or_default();
                errors.extend(password.err());
                Err(errors)
            }
        }
    }

    /// Checks the name and the role only (the command line asks for the password after).
    pub fn new(username: &str, role: &str) -> Result<NewAccount, Vec<FieldError>> {
        let username = parse_username(username).map_err(|e| e.within("username"));
        let role = role.parse::<Role>().map_err(|e| e.within("role"));
        match (username, role) {
            (Ok(username), Ok(role)) => Ok(NewAccount { username, role }),
            (username, role) => Err(username.err().into_iter().chain(role.err()).collect()),
        }
    }
}

/// Why an account could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    #[error("a user named {0} exists already")]
    Taken(String),
    #[error(transparent)]
    Store(StoreError),
}

/// Creates a checked account with a password hashed by [`hash_password`] (the caller
/// hashes, so that a server can bound how many hashes run at once). Audited
/// (`user.create`).
pub async fn create_user(
    store: &SqlStore,
    actor: &Actor,
    account: NewAccount,
    password_hash: String,
    now: Timestamp,
) -> Result<User, CreateUserError> {
    let user = User {
        username: account.username,
        role: account.role,
        password_hash,
        disabled: false,
        must_change_password: false,
    };
    store
        .create_user(actor, user.clone(), now)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => CreateUserError::Taken(user.username.clone()),
            other => CreateUserError::Store(other),
        })?;
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", Some(&hash)));
        assert!(!verify_password("wrong horse", Some(&hash)));
        assert!(!verify_password("correct horse", None));
        assert!(!verify_password("x", Some("not a hash")));
    }
}
