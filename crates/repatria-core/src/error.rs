//! Errors of the domain: a field that failed validation, or a rule that an operation broke.

use std::fmt;

/// One field that failed validation, with a reason a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Path of the field in the input, such as `identity_claims[0].date_of_birth`.
    pub field: String,
    pub reason: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// Several errors in one line, as messages list them: `a: …; b: …`.
    pub fn join(errors: &[FieldError]) -> String {
        errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The same error seen from an enclosing structure: `date` becomes `claims[2].date`.
    /// An empty prefix changes nothing.
    pub fn within(mut self, prefix: &str) -> Self {
        self.field = if prefix.is_empty() {
            self.field
        } else if self.field.is_empty() {
            prefix.to_string()
        } else if self.field.starts_with('[') {
            format!("{prefix}{}", self.field)
        } else {
            format!("{prefix}.{}", self.field)
        };
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

/// Why a domain operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// The input is malformed; every bad field is listed.
    #[error("validation failed: {}", FieldError::join(.0))]
    Invalid(Vec<FieldError>),
    /// The input is well-formed but breaks a rule given the record's current state.
    #[error("{field}: {reason}")]
    Rule { field: String, reason: String },
}

impl DomainError {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        DomainError::Invalid(vec![FieldError::new(field, reason)])
    }

    pub fn rule(field: impl Into<String>, reason: impl Into<String>) -> Self {
        DomainError::Rule {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl From<FieldError> for DomainError {
    fn from(error: FieldError) -> Self {
        DomainError::Invalid(vec![error])
    }
}

/// Collects field errors so that one request reports all its mistakes at once.
#[derive(Debug, Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the error of `result`, if any, and returns its value.
    pub fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.errors.push(error);
                None
            }
        }
    }

    pub fn push(&mut self, error: FieldError) {
        self.errors.push(error);
    }

    pub fn extend(&mut self, prefix: &str, errors: Vec<FieldError>) {
        self.errors
            .extend(errors.into_iter().map(|e| e.within(prefix)));
    }

    pub fn finish(self) -> Result<(), DomainError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Invalid(self.errors))
        }
    }

    pub fn into_errors(self) -> Vec<FieldError> {
        self.errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_is_named_from_its_enclosing_structure() {
        let error = || FieldError::new("family_name", "too long");
        assert_eq!(
            error().within("identity_claims[0]").field,
            "identity_claims[0].family_name"
        );
        assert_eq!(
            FieldError::new("[2]", "x").within("languages").field,
            "languages[2]"
        );
        assert_eq!(FieldError::new("", "x").within("since").field, "since");
        // Errors merged at the top level keep their own names.
        assert_eq!(error().within("").field, "family_name");
        let mut v = Validator::new();
        v.extend("", vec![error()]);
        assert_eq!(v.into_errors()[0].field, "family_name");
    }
}
