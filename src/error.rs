//! Errors that end a run, each with its documented exit code.

use crate::yaml::YamlError;

/// Bad input: a file that cannot be read or a document that is not a valid profile. Exit 2.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The file could not be read.
    #[error("{origin}: {reason}")]
    Read {
        /// File name.
        origin: String,
        /// Why.
        reason: String,
    },
    /// The YAML does not match the format.
    #[error("{0}")]
    Yaml(Box<YamlError>),
    /// The document parsed but is not consistent; one line per problem.
    #[error("{}", lines.join("\n"))]
    Invalid {
        /// `file:line:col: path: message`, one per problem.
        lines: Vec<String>,
    },
    /// A command-line value is wrong.
    #[error("{0}")]
    Usage(String),
}

impl InputError {
    /// Extra lines worth printing after the message (a source excerpt).
    pub fn detail(&self) -> Option<&str> {
        match self {
            InputError::Yaml(y) => y.snippet.as_deref(),
            _ => None,
        }
    }
}

/// A source the user required could not be reached. Exit 3.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Unreachable(pub String);
