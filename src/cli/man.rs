//! Manual pages from the clap definitions: `exoset(1)` and one page per
//! subcommand (`exoset-set(1)`, `exoset-auth-login(1)`, ...), each with the
//! sections clap knows nothing of (exit status, environment, files, examples).
//!
//! The hidden `exoset man --out DIR` writes them, so the release script makes
//! the pages with the very binary it ships.

use super::{Cli, Failure};
use crate::exit;
use clap::CommandFactory;
use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, italic, roman};
use std::path::{Path, PathBuf};

/// One page: its file name (`exoset-auth-login.1`) and its roff source.
pub struct Page {
    pub name: String,
    pub roff: String,
}

/// `exoset man --out DIR`: writes every page into DIR (created if missing)
/// and lists the files written.
pub fn run(out: &Path) -> Result<(), Failure> {
    let written = write_pages(out)
        .map_err(|e| Failure::new(exit::USAGE, format!("cannot write man pages: {e}")))?;
    for path in written {
        println!("{}", path.display());
    }
    Ok(())
}

/// Writes every page into `dir`.
pub fn write_pages(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for page in pages()? {
        let path = dir.join(&page.name);
        std::fs::write(&path, page.roff)?;
        written.push(path);
    }
    Ok(written)
}

/// Every page, the main one first.
pub fn pages() -> std::io::Result<Vec<Page>> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut out = Vec::new();
    collect(&cmd, &mut out)?;
    Ok(out)
}

fn collect(cmd: &clap::Command, out: &mut Vec<Page>) -> std::io::Result<()> {
    out.push(page(cmd)?);
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        collect(sub, out)?;
    }
    Ok(())
}

/// The page's name without the section: `exoset`, `exoset-auth-login`.
fn page_name(cmd: &clap::Command) -> String {
    cmd.get_display_name()
        .unwrap_or_else(|| cmd.get_name())
        .to_owned()
}

fn page(cmd: &clap::Command) -> std::io::Result<Page> {
    let name = page_name(cmd);
    let man = Man::new(cmd.clone())
        .title(name.to_uppercase())
        .manual("exoset manual")
        .source(format!("exoset {}", env!("CARGO_PKG_VERSION")));
    let mut buf: Vec<u8> = Vec::new();
    man.render_title(&mut buf)?;
    man.render_name_section(&mut buf)?;
    man.render_synopsis_section(&mut buf)?;
    man.render_description_section(&mut buf)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut buf)?;
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        man.render_subcommands_section(&mut buf)?;
    }
    let mut roff = Roff::new();
    if name == "exoset" {
        overview(&mut roff);
    }
    exit_status(&mut roff);
    environment(&mut roff);
    files(&mut roff);
    examples(&mut roff, &name);
    see_also(&mut roff, cmd, &name);
    // clap_mangen's own VERSION section unwraps a version only the top
    // command has; this one is the same on every page.
    roff.control("SH", ["VERSION"]);
    roff.text([roman(format!("exoset {}", env!("CARGO_PKG_VERSION")))]);
    roff.to_writer(&mut buf)?;
    Ok(Page {
        name: format!("{name}.1"),
        roff: String::from_utf8_lossy(&buf).into_owned(),
    })
}

/// A `.TP` item: a bold tag and its paragraph.
fn item(roff: &mut Roff, tag: &str, text: &str) {
    roff.control("TP", []);
    roff.text([bold(tag)]);
    roff.text([roman(text)]);
}

fn paragraph(roff: &mut Roff, text: &str) {
    roff.control("PP", []);
    roff.text([roman(text)]);
}

fn overview(roff: &mut Roff) {
    roff.control("SH", ["OVERVIEW"]);
    roff.text([roman(
        "exoset edits the settings of an Exotel ExoBridge (GreenVN / GreenPin) account. \
         Without a subcommand it opens a full-screen editor with three panes (GreenVN, \
         GreenPin, Common); the subcommands are the same engine for scripts. Every change \
         is validated first, shown as a diff, and only the keys that changed are sent, \
         after the settings were read again to catch edits made meanwhile by someone else.",
    )]);
    paragraph(
        roff,
        "On a machine you reach over SSH, run exoset doctor first: it checks the keyring, \
         the config file, the locale and terminal, the proxy, and the way to the server, \
         and says what to fix.",
    );
    paragraph(
        roff,
        "exoset --demo opens the editor on a built-in simulator: no account, network or \
         keyring is needed.",
    );
}

fn exit_status(roff: &mut Roff) {
    roff.control("SH", ["EXIT STATUS"]);
    for code in &exit::CODES {
        let mut text = sentence(code.summary);
        if !code.detail.is_empty() {
            text.push(' ');
            text.push_str(code.detail);
        }
        item(roff, &code.code.to_string(), &text.replace('`', ""));
    }
    paragraph(roff, exit::ACROSS_TENANTS);
}

/// `summary` as a sentence: a capital first and a full stop.
fn sentence(summary: &str) -> String {
    let mut chars = summary.chars();
    let first: String = chars
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    format!("{first}{}.", chars.as_str())
}

fn environment(roff: &mut Roff) {
    roff.control("SH", ["ENVIRONMENT"]);
    let vars: [(&str, &str); 13] = [
        (
            "EXOSET_HOME",
            "When set, the config file and all state live under this folder \
             (config.toml and data/) instead of the usual places. Tests and CI use it.",
        ),
        (
            "EXOSET_PROFILE",
            "The profile to use when -p is not given; else the config's default_profile, \
             else \"default\".",
        ),
        (
            "EXOSET_BASE_URL",
            "Base URL of the API when --base-url is not given (default \
             https://leadassist.exotel.in). Plain http is refused except to this machine. \
             Not used with several profiles (each uses its own base_url).",
        ),
        (
            "EXOSET_TENANT_SID",
            "Tenant (account) SID when --tenant-sid is not given. Not used with several \
             profiles.",
        ),
        (
            "EXOSET_API_KEY",
            "API key or Account SID (the Basic-auth user name) when --api-key is not given. \
             Not used with several profiles.",
        ),
        (
            "EXOSET_API_TOKEN",
            "The API token. It is never a flag (flags show in ps and shell history). \
             When set, it wins over the profile's token_command and the keyring, for one \
             profile; with several profiles it is not used (each uses its own token).",
        ),
        (
            "EXOSET_TIMEOUT",
            "Seconds to wait for a whole request, answer included (default 20).",
        ),
        (
            "EXOSET_CONNECT_TIMEOUT",
            "Seconds to wait for a connection (default 5).",
        ),
        (
            "EXOSET_KEYSTORE",
            "Forces the token store: secret-service, keyutils, keychain or windows; \
             auto (or empty) picks as usual. E.g. EXOSET_KEYSTORE=keyutils on a host whose \
             Secret Service is locked or slow.",
        ),
        (
            "NO_COLOR",
            "When set and not empty, the editor and doctor draw without colour.",
        ),
        (
            "VISUAL, EDITOR",
            "The editor the e key (and long values such as sms_config) opens; VISUAL \
             first.",
        ),
        (
            "HTTPS_PROXY, ALL_PROXY, NO_PROXY",
            "Proxy settings, also in lower case, honoured for https requests; never used \
             for this machine (the simulator). exoset doctor shows which are in effect.",
        ),
        (
            "LANG, LC_ALL, LC_CTYPE",
            "Should name a UTF-8 locale: otherwise Indic and other non-Latin text in \
             settings cannot be shown. exoset doctor checks it.",
        ),
    ];
    for (name, text) in vars {
        item(roff, name, text);
    }
}

fn files(roff: &mut Roff) {
    roff.control("SH", ["FILES"]);
    item(
        roff,
        "$XDG_CONFIG_HOME/exoset/config.toml",
        "Profiles (tenant SID, API key, base URL, token_command) and preferences; \
         nothing secret. Usually ~/.config/exoset/config.toml (macOS: ~/Library/Application \
         Support/exoset/config.toml); $EXOSET_HOME/config.toml when EXOSET_HOME is set. \
         Written by exoset auth login with mode 0600, keeping comments.",
    );
    item(
        roff,
        "$XDG_DATA_HOME/exoset/state/PROFILE/TENANT/",
        "State per profile and tenant: draft.json (unsent edits, offered at the next \
         start), history.json (each change sent: the body, the settings before and after; \
         see exoset history and exoset rollback) and last-read.json (the settings last \
         read, for --expect-unchanged). Usually ~/.local/share/exoset/; \
         $EXOSET_HOME/data/ when EXOSET_HOME is set.",
    );
    item(
        roff,
        "OS keyring, service \"exoset\"",
        "The API token of each profile, user name = the profile name: the Secret Service \
         (gnome-keyring, KeePassXC) when a D-Bus session bus offers it unlocked, else the \
         Linux kernel keyring (keyutils), which forgets at reboot and after some days \
         unused; the Keychain on macOS, the Credential Manager on Windows. There is never a \
         plaintext token file.",
    );
}

/// Example command lines with what they do, per page.
fn examples_for(page: &str) -> &'static [(&'static str, &'static str)] {
    match page {
        "exoset" => &[
            ("exoset --demo", "The editor on the built-in simulator."),
            (
                "exoset doctor",
                "The first thing to run on a new machine: checks and fixes.",
            ),
            (
                "exoset auth login -p acme",
                "Save profile acme; asks for the tenant SID, API key and token.",
            ),
            ("exoset -p acme", "The editor for profile acme."),
            ("exoset -p acme get common.timezone", "Print one setting."),
            (
                "exoset -p acme set common.timezone=UTC --dry-run",
                "Show the exact PUT body a change would send.",
            ),
        ],
        "exoset-fields" => &[
            ("exoset fields", "Every setting with its type and default."),
            (
                "exoset fields --json > fields.json",
                "The same as JSON, for scripts.",
            ),
        ],
        "exoset-get" => &[
            ("exoset get", "All settings, section by section."),
            (
                "exoset get common.timezone common.country",
                "Only these two.",
            ),
            (
                "exoset -p acme get --json > acme.json",
                "JSON in the PUT-body shape.",
            ),
        ],
        "exoset-set" => &[
            (
                "exoset set common.timezone=UTC --dry-run",
                "Print the exact PUT body; send nothing.",
            ),
            (
                "exoset set common.timezone=UTC common.country=IN",
                "Show the diff, ask, send, and check the server took each key.",
            ),
            (
                "exoset set common.intl_num_sup=true --yes --expect-unchanged",
                "For scripts: no question, and exit 4 if the server changed the key since \
                 the last read.",
            ),
        ],
        "exoset-diff" => &[
            (
                "exoset diff -f acme.json",
                "What applying acme.json would change.",
            ),
            (
                "exoset -p staging export | exoset -p prod diff -f -",
                "How prod differs from staging.",
            ),
        ],
        "exoset-apply" => &[
            (
                "exoset apply -f acme.json --dry-run",
                "The PUT body that would bring the server to acme.json.",
            ),
            (
                "exoset apply -f acme.json --yes --expect-unchanged=acme.json",
                "Send without asking, refusing if the server changed since acme.json was \
                 exported.",
            ),
        ],
        "exoset-export" => &[
            (
                "exoset export -o acme.json",
                "Save the current settings as a file apply takes back.",
            ),
            ("exoset export | less", "Read them."),
        ],
        "exoset-auth" => &[
            (
                "exoset auth login",
                "Save the default profile and its token.",
            ),
            (
                "exoset auth status",
                "Which profile, tenant, key and token store are in use.",
            ),
        ],
        "exoset-auth-login" => &[
            (
                "exoset auth login -p acme",
                "Asks for the tenant SID, API key and (hidden) token, checks them with a \
                 GET, and stores the token in the OS keyring.",
            ),
            (
                "pass show exotel/acme | exoset auth login -p acme --sid acme1 --api-key KEY --token-stdin",
                "Non-interactive: the token from stdin.",
            ),
            (
                "EXOSET_KEYSTORE=keyutils exoset auth login",
                "Store the token in the kernel keyring even where a Secret Service runs.",
            ),
        ],
        "exoset-auth-status" => &[
            ("exoset auth status", "The default profile."),
            ("exoset -p acme auth status", "Profile acme."),
        ],
        "exoset-auth-logout" => &[
            (
                "exoset auth logout -p acme",
                "Delete acme's token from the keyring.",
            ),
            (
                "exoset auth logout -p acme --forget",
                "And remove the profile from config.toml.",
            ),
        ],
        "exoset-profiles" => &[("exoset profiles", "Saved profiles; * marks the default.")],
        "exoset-history" => &[
            ("exoset history -n 5", "The last five changes sent."),
            (
                "exoset history --json",
                "With the body sent and the settings before and after.",
            ),
        ],
        "exoset-rollback" => &[
            (
                "exoset rollback --dry-run",
                "The PUT body that would undo the latest change.",
            ),
            ("exoset rollback 12 --yes", "Undo change 12 without asking."),
        ],
        "exoset-rerun" => &[
            (
                "exoset rerun --yes",
                "Send the last fleet run's change again to its failed, unknown and cancelled \
                 tenants.",
            ),
            (
                "exoset rerun RUNFILE --outcome failed,conflict",
                "Another run report, other outcomes.",
            ),
        ],
        "exoset-man" => &[
            (
                "exoset man --out ~/man && man -l ~/man/exoset.1",
                "Read the pages on a host where only the binary was copied.",
            ),
            (
                "exoset man --out /usr/local/share/man/man1",
                "Install them for everyone (as root).",
            ),
        ],
        "exoset-completions" => &[
            (
                "exoset completions bash > ~/.local/share/bash-completion/completions/exoset",
                "bash, for this user.",
            ),
            (
                "exoset completions zsh > ~/.zfunc/_exoset",
                "zsh (with ~/.zfunc in fpath).",
            ),
            (
                "exoset completions fish > ~/.config/fish/completions/exoset.fish",
                "fish.",
            ),
        ],
        "exoset-sim" => &[
            (
                "exoset sim --port 8480",
                "Serve the demo tenant on http://127.0.0.1:8480 (key demo-key, token \
                 demo-token, SID exoset-demo); the banner says how to point exoset at it.",
            ),
            (
                "exoset sim --port 0 --state /tmp/sim.json",
                "A free port, and settings kept across runs.",
            ),
        ],
        "exoset-doctor" => &[
            (
                "exoset doctor",
                "Check this machine and the default profile; each line says ok, warn or \
                 fail, with the fix.",
            ),
            (
                "exoset -p acme doctor --json",
                "The same for profile acme, as JSON for scripts.",
            ),
            (
                "EXOSET_KEYSTORE=keyutils exoset doctor",
                "See what would happen with the kernel keyring forced.",
            ),
        ],
        _ => &[],
    }
}

fn examples(roff: &mut Roff, page: &str) {
    roff.control("SH", ["EXAMPLES"]);
    let list = examples_for(page);
    if list.is_empty() {
        roff.text([roman("See "), bold("exoset"), roman("(1).")]);
        return;
    }
    for (command, what) in list {
        roff.control("TP", []);
        roff.text([bold(*command)]);
        roff.text([roman(*what)]);
    }
}

fn see_also(roff: &mut Roff, cmd: &clap::Command, page: &str) {
    roff.control("SH", ["SEE ALSO"]);
    let mut refs: Vec<String> = Vec::new();
    if page != "exoset" {
        refs.push("exoset".to_owned());
    }
    refs.extend(
        cmd.get_subcommands()
            .filter(|s| !s.is_hide_set())
            .map(page_name),
    );
    if page != "exoset-doctor" {
        refs.push("exoset-doctor".to_owned());
    }
    let mut inlines = Vec::new();
    for (i, name) in refs.iter().enumerate() {
        if i > 0 {
            inlines.push(roman(", "));
        }
        inlines.push(bold(name.clone()));
        inlines.push(roman("(1)"));
    }
    if !inlines.is_empty() {
        roff.text(inlines);
    }
    roff.control("PP", []);
    roff.text([
        roman("The README (in the release tarball, and in "),
        italic("/usr/share/doc/exoset"),
        roman(" from the Debian package) explains the editor's keys and the rules"),
        roman(" exoset keeps. Exotel documents the settings API at "),
        italic("https://developer.exotel.com/api/update-lead-assist-settings"),
        roman("; exoset's reading of it is docs/api.md in exoset's source."),
    ]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        pages().unwrap().into_iter().map(|p| p.name).collect()
    }

    #[test]
    fn every_visible_subcommand_has_a_page() {
        let names = names();
        for expected in [
            "exoset.1",
            "exoset-set.1",
            "exoset-get.1",
            "exoset-auth.1",
            "exoset-auth-login.1",
            "exoset-auth-status.1",
            "exoset-auth-logout.1",
            "exoset-doctor.1",
            "exoset-sim.1",
            "exoset-completions.1",
        ] {
            assert!(
                names.iter().any(|n| n == expected),
                "{expected} in {names:?}"
            );
        }
        // `man` has its own page (a bare binary on a jump host has no
        // other); clap's help has none.
        assert!(names.iter().any(|n| n == "exoset-man.1"), "{names:?}");
        assert!(!names.iter().any(|n| n == "exoset-help.1"), "{names:?}");
    }

    #[test]
    fn every_page_has_the_sections_clap_cannot_write_and_examples() {
        for page in pages().unwrap() {
            for section in [
                ".SH NAME",
                ".SH SYNOPSIS",
                ".SH \"EXIT STATUS\"",
                ".SH ENVIRONMENT",
                ".SH FILES",
                ".SH EXAMPLES",
                ".SH \"SEE ALSO\"",
            ] {
                assert!(
                    page.roff.contains(section),
                    "{} lacks {section}:\n{}",
                    page.name,
                    page.roff
                );
            }
            let stem = page.name.trim_end_matches(".1");
            assert!(
                !examples_for(stem).is_empty(),
                "{} has no examples of its own",
                page.name
            );
        }
    }

    #[test]
    fn the_main_page_names_every_exit_code_and_variable() {
        let pages = pages().unwrap();
        let main = &pages[0];
        assert_eq!(main.name, "exoset.1");
        for code in ["0", "1", "2", "3", "4", "5"] {
            assert!(
                main.roff.contains(&format!("\\fB{code}\\fR")),
                "code {code}"
            );
        }
        for var in [
            "EXOSET_HOME",
            "EXOSET_PROFILE",
            "EXOSET_BASE_URL",
            "EXOSET_TENANT_SID",
            "EXOSET_API_KEY",
            "EXOSET_API_TOKEN",
            "EXOSET_TIMEOUT",
            "EXOSET_CONNECT_TIMEOUT",
            "EXOSET_KEYSTORE",
            "NO_COLOR",
            "VISUAL",
        ] {
            assert!(main.roff.contains(var), "{var}");
        }
        assert!(main.roff.contains("config.toml"));
        assert!(main.roff.contains("history.json"));
    }

    #[test]
    fn a_subcommand_page_shows_its_full_command_line() {
        let pages = pages().unwrap();
        let login = pages
            .iter()
            .find(|p| p.name == "exoset-auth-login.1")
            .unwrap();
        assert!(login.roff.contains("exoset auth login"), "{}", login.roff);
        assert!(login.roff.contains("token\\-stdin"), "{}", login.roff);
    }

    /// The OPTIONS section of a page (empty when it has none).
    fn options_of(pages: &[Page], name: &str) -> String {
        let page = pages.iter().find(|p| p.name == name).unwrap();
        let Some(start) = page.roff.find(".SH OPTIONS") else {
            return String::new();
        };
        let rest = &page.roff[start + 1..];
        let end = rest.find("\n.SH").unwrap_or(rest.len());
        rest[..end].to_owned()
    }

    #[test]
    fn each_page_shows_the_tenant_options_only_where_they_apply() {
        let pages = pages().unwrap();
        let tenant = [
            "\\fB\\-\\-profile\\fR",
            "\\fB\\-\\-base\\-url\\fR",
            "\\fB\\-\\-tenant\\-sid\\fR",
            "\\fB\\-\\-api\\-key\\fR",
            "\\fB\\-\\-timeout\\fR",
            "\\fB\\-\\-connect\\-timeout\\fR",
        ];
        let fleet = [
            "\\fB\\-\\-all\\-profiles\\fR",
            "\\fB\\-\\-profiles\\-matching\\fR",
            "\\fB\\-\\-jobs\\fR",
        ];
        for (page, with_tenant, with_fleet) in [
            ("exoset.1", true, true),
            ("exoset-get.1", true, true),
            ("exoset-set.1", true, true),
            ("exoset-diff.1", true, true),
            ("exoset-apply.1", true, true),
            ("exoset-export.1", true, true),
            ("exoset-history.1", true, true),
            ("exoset-rollback.1", true, false),
            ("exoset-rerun.1", true, false),
            ("exoset-doctor.1", true, true),
            ("exoset-auth-login.1", true, false),
            ("exoset-auth-status.1", true, false),
            ("exoset-auth-logout.1", true, false),
            ("exoset-profiles.1", false, false),
            ("exoset-fields.1", false, false),
            ("exoset-completions.1", false, false),
            ("exoset-sim.1", false, false),
        ] {
            let options = options_of(&pages, page);
            for (flags, wanted) in [(&tenant[..], with_tenant), (&fleet[..], with_fleet)] {
                for flag in flags {
                    assert_eq!(
                        options.contains(flag),
                        wanted,
                        "{page}: {flag} expected {wanted}:\n{options}"
                    );
                }
            }
        }
    }
}
