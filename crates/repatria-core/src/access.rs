//! Roles and what each may do: the permission matrix of `docs/permissions.md`, as code.
//! Default deny: a permission not listed for a role is refused.

use crate::error::FieldError;
use crate::words;

words! {
    /// The roles of the bureau's users, and of the two kinds of outside reader.
    pub enum Role {
        Admin = "admin",
        Registrar = "registrar",
        Investigator = "investigator",
        Medical = "medical",
        TracingOfficer = "tracing_officer",
        Negotiator = "negotiator",
        MediaOfficer = "media_officer",
        Auditor = "auditor",
        /// A delegate of the ICRC's Central Agency: reads what GC III lets the Agency see.
        IcrcDelegate = "icrc_delegate",
        /// Sees only what a media-access decision released (GC III Art. 13).
        Journalist = "journalist",
    }
}

impl Role {
    /// Whether this role holds `permission`.
    pub fn can(&self, permission: Permission) -> bool {
        use Permission as P;
        use Role as R;
        match self {
            R::Admin => true,
            R::Registrar => matches!(
                permission,
                P::ReadParties
                    | P::ManageParties
                    | P::ReadCaptives
                    | P::CreateCaptives
                    | P::EditIdentity
                    | P::ReadParticulars
                    | P::EditParticulars
                    | P::EditCustody
                    | P::RecordWish
                    | P::EditLanguages
                    | P::ImportLists
                    | P::ReviewMatches
                    | P::CreateApiTokens
                    | P::ReadNotifications
                    | P::DispatchNotifications
                    | P::RecordDeath
            ),
            R::Investigator => matches!(
                permission,
                P::ReadParties
                    | P::ReadParticulars
                    | P::ReadCaptives
                    | P::EditIdentity
                    | P::RecordInterview
                    | P::ReadInterviewSummaries
            ),
            R::Medical => matches!(
                permission,
                P::ReadParties
                    | P::ReadCaptives
                    | P::RecordHealth
                    | P::ReadMedicalNotes
                    | P::EditLanguages
                    | P::RecordDeath
            ),
            R::TracingOfficer => matches!(
                permission,
                P::ReadParties
                    | P::ReadCaptives
                    | P::ReadTracing
                    | P::ManageTracing
                    | P::ReadTracingContact
                    | P::ReadParticulars
                    | P::ReviewMatches
                    | P::ImportLists
                    | P::CreateApiTokens
                    | P::ReadNotifications
                    | P::DispatchNotifications
            ),
            R::Negotiator => matches!(
                permission,
                P::ReadParties
                    | P::ReadCaptives
                    | P::PlanExchange
                    | P::ReadExchanges
                    | P::ManageExchanges
                    | P::RecordHandover
                    | P::CreateApiTokens
            ),
            R::MediaOfficer => matches!(permission, P::ReadParties | P::ManageMedia),
            R::Auditor => matches!(
                permission,
                P::ReadParties | P::ReadAudit | P::CreateApiTokens
            ),
            R::IcrcDelegate => matches!(
                permission,
                P::ReadParties
                    | P::ReadCaptives
                    | P::ReadMedicalNotes
                    | P::ReadParticulars
                    | P::ReadTracing
                    | P::ReadExchanges
                    | P::RecordHandover
                    | P::ReadNotifications
            ),
            R::Journalist => false,
        }
    }
}

/// Something a user may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    ReadParties,
    ManageParties,
    /// Read captives' records (fields further limited by the permissions below).
    ReadCaptives,
    CreateCaptives,
    /// Add identity claims and choose the assessed identity.
    EditIdentity,
    /// Add custody events, record the capture card sent.
    EditCustody,
    RecordHealth,
    RecordInterview,
    RecordWish,
    EditLanguages,
    /// Read interview summaries.
    ReadInterviewSummaries,
    /// Read medical notes (categories are visible to every reader of the record).
    ReadMedicalNotes,
    /// Read the particulars of Art. 122 and Annex IV (parents, person to inform,
    /// addresses, prisoner number); the Central Agency forwards them (Art. 123). With
    /// them, capture cards and death records: the full record.
    ReadParticulars,
    /// Record them, and a captive's refusal to give them (Art. 17).
    EditParticulars,
    ReadAudit,
    PlanExchange,
    /// Read exchanges, their proposals and manifests.
    ReadExchanges,
    /// Open exchanges, record demands and proposals, agree, complete or cancel.
    ManageExchanges,
    /// Decide persons at the crossing (the ICRC delegate confirms wishes, Art. 109).
    RecordHandover,
    ManageUsers,
    /// Record media-access requests, decide them and log visits (Art. 13).
    ManageMedia,
    /// Tracing requests and the matches proposed for them (not the inquirer's contact).
    ReadTracing,
    /// Record tracing requests, answers to families, and close requests.
    ManageTracing,
    /// The inquirer's contact details on a tracing request.
    ReadTracingContact,
    /// Confirm, reject or undo links proposed by matching.
    ReviewMatches,
    /// Import lists (and tracing requests in bulk) and read their reconciliation reports.
    ImportLists,
    /// Create personal API tokens, for roles whose work calls for scripts (imports,
    /// tracing, exchange planning, audit review). Listing and revoking one's own tokens
    /// needs no permission.
    CreateApiTokens,
    /// Read notifications to the powers of origin and their dispatches; without
    /// [`Permission::DispatchNotifications`] only dispatched ones (the ICRC's delegate).
    ReadNotifications,
    /// Dispatch pending notifications and record corrections.
    DispatchNotifications,
    /// Record a death and its burial, and close the enquiry into it (Arts. 120–121).
    RecordDeath,
}

/// Validates a user name: 2 to 64 characters, lower-case Latin letters, digits, `.`,
/// `_` and `-`, starting with a letter.
pub fn parse_username(input: &str) -> Result<String, FieldError> {
    let name = input.trim();
    let ok = (2..=64).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        });
    if ok {
        Ok(name.to_string())
    } else {
        Err(FieldError::new("", format!("a user name is 2 to 64 characters a-z, 0-9, '.', '_' or '-', starting with a letter; got {input:?}")))
    }
}

/// Checks a new password: long enough to resist guessing, and not blank.
pub fn check_new_password(password: &str) -> Result<(), FieldError> {
    if password.chars().count() < 12 {
        return Err(FieldError::new(
            "",
            "a password must have at least 12 characters",
        ));
    }
    if password.trim().is_empty() {
        return Err(FieldError::new("", "a password must not be blank"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_deny_with_the_documented_exceptions() {
        use Permission as P;
        let check = |role: Role, permission: P, expect: bool| {
            assert_eq!(role.can(permission), expect, "{role} {permission:?}");
        };
        check(Role::Admin, P::ManageUsers, true);
        check(Role::Registrar, P::ManageUsers, false);
        check(Role::Registrar, P::ReadInterviewSummaries, false);
        check(Role::Investigator, P::ReadInterviewSummaries, true);
        check(Role::Medical, P::ReadMedicalNotes, true);
        check(Role::IcrcDelegate, P::ReadMedicalNotes, true);
        check(Role::IcrcDelegate, P::ReadInterviewSummaries, false);
        check(Role::Auditor, P::ReadAudit, true);
        check(Role::Auditor, P::ReadCaptives, false);
        check(Role::Negotiator, P::PlanExchange, true);
        check(Role::TracingOfficer, P::ReadTracingContact, true);
        check(Role::TracingOfficer, P::ReviewMatches, true);
        check(Role::IcrcDelegate, P::ReadTracing, true);
        check(Role::IcrcDelegate, P::ReadTracingContact, false);
        check(Role::Registrar, P::ImportLists, true);
        check(Role::Registrar, P::ManageTracing, false);
        check(Role::Investigator, P::ReadTracing, false);
        // The particulars of Art. 122: read by those who trace and forward them, kept
        // by the registrar.
        for role in Role::ALL {
            let reads = matches!(
                role,
                Role::Admin
                    | Role::Registrar
                    | Role::Investigator
                    | Role::TracingOfficer
                    | Role::IcrcDelegate
            );
            check(*role, P::ReadParticulars, reads);
            let edits = matches!(role, Role::Admin | Role::Registrar);
            check(*role, P::EditParticulars, edits);
        }
        for role in [
            Role::Admin,
            Role::Registrar,
            Role::TracingOfficer,
            Role::Auditor,
            Role::Negotiator,
        ] {
            check(role, P::CreateApiTokens, true);
        }
        for role in [
            Role::Investigator,
            Role::Medical,
            Role::MediaOfficer,
            Role::IcrcDelegate,
            Role::Journalist,
        ] {
            check(role, P::CreateApiTokens, false);
        }
        check(Role::IcrcDelegate, P::ReadNotifications, true);
        check(Role::IcrcDelegate, P::DispatchNotifications, false);
        check(Role::Medical, P::RecordDeath, true);
        check(Role::Medical, P::ReadParticulars, false);
        for role in [
            Role::Negotiator,
            Role::MediaOfficer,
            Role::Auditor,
            Role::Journalist,
        ] {
            for permission in [P::ReadParticulars, P::ReadNotifications, P::RecordDeath] {
                check(role, permission, false);
            }
        }
        for permission in [
            P::ReadParties,
            P::ReadCaptives,
            P::ReadAudit,
            P::PlanExchange,
            P::ReadTracing,
            P::ImportLists,
        ] {
            check(Role::Journalist, permission, false);
        }
    }

    #[test]
    fn user_names_and_passwords_are_checked() {
        assert_eq!(parse_username(" registrar-1 ").unwrap(), "registrar-1");
        for bad in ["", "a", "Admin", "1abc", "with space", "ім'я"] {
            assert!(parse_username(bad).is_err(), "{bad:?} accepted");
        }
        assert!(check_new_password("short").is_err());
        assert!(check_new_password("            ").is_err());
        assert!(check_new_password("twelve chars").is_ok());
    }

    #[test]
    fn roles_parse_from_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), *role);
        }
        assert!("root"
            .parse::<Role>()
            .unwrap_err()
            .reason
            .contains("tracing_officer"));
    }
}
