//! Who is sending: what the environment says of the person and the machine,
//! recorded with every history entry. It is attribution, not an audit trail:
//! every field is what the environment claims (`USER`, `SUDO_USER`,
//! `SSH_CONNECTION` can be set to anything by the person running exoset).

use serde::{Deserialize, Serialize};

/// The person and machine a change came from, as the environment says.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The OS user running exoset (`USER`, else `LOGNAME`, else the uid).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The user who ran `sudo`, when exoset runs under it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sudo_user: Option<String>,
    /// This machine's host name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The SSH client's address (the first field of `SSH_CONNECTION`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh_client: Option<String>,
    /// The terminal exoset runs on (`/dev/pts/3`), when it runs on one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminal: Option<String>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

impl Actor {
    /// What the environment says now.
    pub fn current() -> Actor {
        Actor {
            user: env("USER").or_else(|| env("LOGNAME")).or_else(uid),
            sudo_user: env("SUDO_USER"),
            host: host_name(),
            ssh_client: env("SSH_CONNECTION")
                .and_then(|c| c.split_whitespace().next().map(str::to_string)),
            terminal: terminal(),
        }
    }

    /// `alice (sudo from bob) on jump1 from 10.0.0.5 at /dev/pts/3`; every
    /// part as claimed, escaped for a terminal.
    pub fn describe(&self) -> String {
        let safe = |s: &str| crate::text::safe(s).into_owned();
        let mut text = self.user.as_deref().map_or_else(|| "?".to_string(), safe);
        if let Some(sudo) = &self.sudo_user {
            text.push_str(&format!(" (sudo from {})", safe(sudo)));
        }
        if let Some(host) = &self.host {
            text.push_str(&format!(" on {}", safe(host)));
        }
        if let Some(client) = &self.ssh_client {
            text.push_str(&format!(" from {}", safe(client)));
        }
        if let Some(terminal) = &self.terminal {
            text.push_str(&format!(" at {}", safe(terminal)));
        }
        text
    }
}

#[cfg(unix)]
fn uid() -> Option<String> {
    let uid = nix::unistd::getuid();
    match nix::unistd::User::from_uid(uid) {
        Ok(Some(user)) => Some(user.name),
        _ => Some(format!("uid {uid}")),
    }
}

#[cfg(not(unix))]
fn uid() -> Option<String> {
    env("USERNAME")
}

#[cfg(unix)]
fn host_name() -> Option<String> {
    nix::unistd::gethostname()
        .ok()
        .map(|h| h.to_string_lossy().into_owned())
        .filter(|h| !h.is_empty())
}

#[cfg(not(unix))]
fn host_name() -> Option<String> {
    env("COMPUTERNAME")
}

/// The device of the first of stdin, stderr and stdout that is a terminal.
fn terminal() -> Option<String> {
    #[cfg(target_os = "linux")]
    for fd in [0, 2, 1] {
        if let Ok(path) = std::fs::read_link(format!("/proc/self/fd/{fd}")) {
            let path = path.to_string_lossy().into_owned();
            if path.starts_with("/dev/pts/") || path.starts_with("/dev/tty") {
                return Some(path);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_description_escapes_what_the_environment_claims() {
        let actor = Actor {
            user: Some("alice\u{1b}[2J".into()),
            sudo_user: Some("bob".into()),
            host: Some("jump1".into()),
            ssh_client: Some("10.0.0.5".into()),
            terminal: Some("/dev/pts/3".into()),
        };
        let text = actor.describe();
        assert!(!text.contains('\u{1b}'), "{text}");
        assert!(
            text.ends_with("(sudo from bob) on jump1 from 10.0.0.5 at /dev/pts/3"),
            "{text}"
        );
        assert_eq!(Actor::default().describe(), "?");
    }

    #[test]
    fn the_current_actor_has_a_user_and_a_host() {
        let actor = Actor::current();
        assert!(actor.user.is_some() && actor.host.is_some(), "{actor:?}");
    }
}
