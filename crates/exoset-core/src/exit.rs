//! Exit codes and the failure that carries one.
//!
//! [`CODES`] is the one description of every code: `exoset --help`, the man
//! page's EXIT STATUS, README and `docs/api.md` are made from it (a test holds
//! the two documents to it). A new code is added here, and only here.

use std::fmt;

pub const OK: u8 = 0;
/// Network or server failure.
pub const NETWORK: u8 = 1;
/// Bad usage or an invalid value (ours, or the server's 400/3, 400/5,
/// 403/15, 422/50).
pub const USAGE: u8 = 2;
/// No credentials, or they were refused.
pub const CREDENTIALS: u8 = 3;
/// The settings changed on the server since they were read.
pub const CONFLICT: u8 = 4;
/// A PUT may have been applied: its answer was lost after it went out.
pub const UNKNOWN: u8 = 5;
/// Stopped by Ctrl-C before everything was done (128 + SIGINT, as shells
/// report it).
pub const INTERRUPTED: u8 = 130;

/// One exit code and what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    pub code: u8,
    /// What a script may conclude, in a few words (`--help`, README).
    pub summary: &'static str,
    /// More for a person: where it comes from, what to do (the man page).
    pub detail: &'static str,
}

/// Every exit code, the same from the subcommands and the editor.
pub const CODES: [Code; 7] = [
    Code {
        code: OK,
        summary: "done (nothing to send, or the `[y/N]` question declined, included)",
        detail: "",
    },
    Code {
        code: NETWORK,
        summary: "network or server failure, or a key the server did not take as sent",
        detail: "No answer, a 5xx, an answer that cannot be read. `exoset doctor` exits 1 \
                 when any check fails.",
    },
    Code {
        code: USAGE,
        summary: "bad usage or an invalid value: exoset's own check, or the server's 400/3, \
                  400/5, 403/15, 422/50",
        detail: "",
    },
    Code {
        code: CREDENTIALS,
        summary: "no credentials, or the server refused them",
        detail: "HTTP 401 code 7, 403 code 8, or a 401 or 403 without a documented code.",
    },
    Code {
        code: CONFLICT,
        summary: "conflict: the settings changed on the server since they were read",
        detail: "Read them again (`exoset get`) and decide.",
    },
    Code {
        code: UNKNOWN,
        summary: "outcome unknown: a PUT went out and its answer was lost (or the run was \
                  stopped while it was in flight), so it may have been applied",
        detail: "Run `exoset get` to see what the server holds now; exoset never sends it \
                 again on its own.",
    },
    Code {
        code: INTERRUPTED,
        summary: "stopped by Ctrl-C before anything may have been applied",
        detail: "Nothing was sent, or only to tenants whose answers came back; the editor, \
                 stopped by Ctrl-C or a signal while sending, prints the per-tenant report \
                 first.",
    },
];

/// How several tenants' codes make one.
pub const ACROSS_TENANTS: &str = "Across several tenants: the highest code among them, \
                                  except that a run stopped by Ctrl-C exits 5, not 130, when \
                                  any tenant's outcome is unknown.";

/// The codes as one paragraph (`exoset --help`).
pub fn help_text() -> String {
    let codes: Vec<String> = CODES
        .iter()
        .map(|c| format!("{} {}", c.code, c.summary))
        .collect();
    format!("Exit codes: {}. {ACROSS_TENANTS}", codes.join("; "))
}

/// The codes as a Markdown table, then the rule across tenants (README and
/// `docs/api.md` hold exactly this text).
pub fn markdown() -> String {
    let mut text = String::from("| exit | meaning |\n| --- | --- |\n");
    for c in &CODES {
        text.push_str(&format!("| {} | {} |\n", c.code, c.summary));
    }
    text.push('\n');
    text.push_str(ACROSS_TENANTS);
    text.push('\n');
    text
}

/// A failure to report: a message for a person and the exit code it maps to.
/// Both faces (the subcommands and the editor) end with one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: u8,
    pub message: String,
    /// The server's request id, when it was the server that refused.
    pub request_id: Option<String>,
}

impl Failure {
    pub fn new(code: u8, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
            request_id: None,
        }
    }

    pub fn usage(message: impl Into<String>) -> Failure {
        Failure::new(USAGE, message)
    }

    /// No credentials, or they were refused.
    pub fn credentials(message: impl Into<String>) -> Failure {
        Failure::new(CREDENTIALS, message)
    }

    /// Stopped by Ctrl-C.
    pub fn interrupted(message: impl Into<String>) -> Failure {
        Failure::new(INTERRUPTED, message)
    }

    /// The same, naming the server's request id.
    pub fn with_request_id(mut self, request_id: Option<String>) -> Failure {
        self.request_id = request_id;
        self
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_in_the_table_once_in_order() {
        let codes: Vec<u8> = CODES.iter().map(|c| c.code).collect();
        assert_eq!(
            codes,
            [
                OK,
                NETWORK,
                USAGE,
                CREDENTIALS,
                CONFLICT,
                UNKNOWN,
                INTERRUPTED
            ]
        );
        for c in &CODES {
            assert!(!c.summary.is_empty() && !c.summary.ends_with('.'), "{c:?}");
            assert!(c.detail.is_empty() || c.detail.ends_with('.'), "{c:?}");
        }
    }

    #[test]
    fn help_and_markdown_name_every_code_with_its_summary() {
        let help = help_text();
        let markdown = markdown();
        for c in &CODES {
            assert!(
                help.contains(&format!("{} {}", c.code, c.summary)),
                "{help}"
            );
            assert!(
                markdown.contains(&format!("| {} | {} |", c.code, c.summary)),
                "{markdown}"
            );
        }
    }
}
