//! Why a command failed, and the exit status that says so.

use std::fmt;

/// Exit status when a delivery or a verification failed.
pub const EXIT_FAILED: u8 = 1;
/// Exit status for bad usage or unreadable input (as clap's own errors).
pub const EXIT_USAGE: u8 = 2;

/// Why a command did not succeed, with the exit status it maps to.
#[derive(Debug)]
pub struct Fail {
    pub code: u8,
    pub message: String,
}

impl Fail {
    /// Bad arguments or input: exit 2.
    pub fn usage(message: impl Into<String>) -> Fail {
        Fail { code: EXIT_USAGE, message: message.into() }
    }

    /// The operation itself failed (not delivered, not verified): exit 1.
    pub fn failed(message: impl Into<String>) -> Fail {
        Fail { code: EXIT_FAILED, message: message.into() }
    }

    /// Exit 1 with nothing more to say (the command printed the reason).
    pub fn silent() -> Fail {
        Fail { code: EXIT_FAILED, message: String::new() }
    }
}

impl fmt::Display for Fail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

pub type CliResult<T = ()> = Result<T, Fail>;
