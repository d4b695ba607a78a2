//! The one error type. Each variant carries what the user must know (file, organization, URL
//! without secrets, status); `hint()` says what to do; `exit_code()` is 1, or 2 for usage errors.
//! Errors are printed once, by `binary::exit`.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad command-line input that clap could not catch.
    #[error("{0}")]
    Usage(String),

    /// The user answered no.
    #[error("Aborted.")]
    Aborted,

    /// A failure the original reports in these exact words, with no "Error:" before them
    /// (scripts compare them).
    #[error("{0}")]
    Plain(String),

    /// A question needs an answer and stdin is not a terminal / is at end of input.
    #[error("{message}")]
    NeedsFlag { message: String, flag: &'static str },

    #[error("Login is required to complete this action.")]
    LoginRequired { how: String },

    #[error("Your provided API Key or login token is invalid.")]
    InvalidApiKey { how: String },

    #[error("Your API key expired on {expired}.")]
    ExpiredApiKey { expired: String, how: String },

    /// A non-success HTTP answer. `url` is already redacted.
    #[error("{method} {url} failed: HTTP {status}{}", server_message(.message))]
    Http {
        method: String,
        url: String,
        status: u16,
        message: Option<String>,
        hint: Option<String>,
    },

    /// The server could not be reached. `reason` is already redacted.
    #[error("Could not reach {host}: {reason}")]
    Network {
        host: String,
        reason: String,
        tls: bool,
    },

    /// A store that cannot be reached at all (no D-Bus session, no Secret Service), as it
    /// reaches a command: the store chain has already read the stores behind it
    /// (`store::StoreError::Unreachable`), so this one is the command's failure.
    #[error("{message}")]
    Unreachable { message: String, hint: String },

    /// A 2xx answer we cannot use (missing fields, not JSON).
    #[error("Unexpected answer from {endpoint}: {detail}")]
    BadAnswer { endpoint: String, detail: String },

    #[error("The token could not be validated. Please check that you have typed it correctly.")]
    TokenRejected {
        detail: String,
        hint: Option<String>,
    },

    /// A file we could not read or write: every failure of `crate::fs`, and of the few
    /// `std::fs` calls outside it (through [`Error::io`]).
    #[error("Could not {action} {}: {source}", .path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },

    /// A file whose content we cannot understand; we never overwrite it.
    #[error("{} is not a valid {what}: {detail}", .path.display())]
    InvalidFile {
        path: PathBuf,
        what: &'static str,
        detail: String,
        hint: Option<String>,
    },

    /// Anything else the user must be told, with what to do about it.
    #[error("{message}")]
    Message {
        message: String,
        hint: Option<String>,
    },
}

fn server_message(message: &Option<String>) -> String {
    match message {
        Some(m) if !m.trim().is_empty() => format!(" ({})", m.trim()),
        _ => String::new(),
    }
}

impl Error {
    pub fn msg(message: impl Into<String>) -> Self {
        Error::Message {
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_hint(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Error::Message {
            message: message.into(),
            hint: Some(hint.into()),
        }
    }

    /// Names the action and the file of a `std::io::Error`: the one way an I/O error gets
    /// them (`crate::fs` uses it for all of its own).
    pub fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Error::Io {
            action,
            path,
            source,
        }
    }

    /// The same error with `note` added after its hint (what else the user must know here).
    pub fn with_note(self, note: &str) -> Self {
        let hint = match self.hint() {
            Some(hint) => format!("{hint}\n{note}"),
            None => note.to_string(),
        };
        Error::Message {
            message: self.to_string(),
            hint: Some(hint),
        }
    }

    /// What the user can do about it, printed after the message.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::NeedsFlag { flag, .. } => Some(format!("Pass {flag} to answer it.")),
            Error::LoginRequired { how }
            | Error::InvalidApiKey { how }
            | Error::ExpiredApiKey { how, .. } => Some(how.clone()),
            Error::Http { hint, .. } => hint.clone(),
            Error::Network { tls: true, .. } => Some(
                "Check the ssl_verify setting (ANACONDA_AUTH_SSL_VERIFY, [plugin.auth] in the \
                 config file, or ssl_verify in ~/.condarc)."
                    .into(),
            ),
            Error::Network { tls: false, .. } => Some(
                "Check your network connection and proxy settings (HTTPS_PROXY, NO_PROXY).".into(),
            ),
            Error::TokenRejected { detail, hint } => Some(match hint {
                Some(h) => format!("{detail}\n{h}"),
                None => detail.clone(),
            }),
            Error::InvalidFile { hint, .. } => Some(hint.clone().unwrap_or_else(|| {
                "Fix or move the file, then try again; it was left unchanged.".into()
            })),
            Error::Message { hint, .. } => hint.clone(),
            Error::Unreachable { hint, .. } => Some(hint.clone()),
            Error::Usage(_)
            | Error::Aborted
            | Error::Plain(_)
            | Error::Io { .. }
            | Error::BadAnswer { .. } => None,
        }
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) => 2,
            _ => 1,
        }
    }
}
