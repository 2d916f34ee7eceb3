//! Profiles and preferences in `config.toml`, and where every file lives.
//!
//! The file holds nothing secret (tokens live in the OS keyring). It is written
//! only by `auth login` / `auth logout --forget`, through `toml_edit` so a
//! person's comments and layout survive, atomically and with mode 0600. A file
//! that cannot be read is reported with its line and never overwritten.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

pub const DEFAULT_PROFILE: &str = "default";

/// Where config and state live: `$EXOSET_HOME` when set, else the OS dirs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub config_file: PathBuf,
    pub data_dir: PathBuf,
}

impl Paths {
    pub fn from_env() -> Result<Paths, ConfigError> {
        if let Some(home) = std::env::var_os("EXOSET_HOME").filter(|h| !h.is_empty()) {
            return Ok(Paths::under(Path::new(&home)));
        }
        let dirs = directories::ProjectDirs::from("", "", "exoset").ok_or_else(|| {
            ConfigError::new(
                None,
                "cannot find a home directory for config; set EXOSET_HOME",
            )
        })?;
        Ok(Paths {
            config_file: dirs.config_dir().join("config.toml"),
            data_dir: dirs.data_dir().to_path_buf(),
        })
    }

    pub fn under(home: &Path) -> Paths {
        Paths {
            config_file: home.join("config.toml"),
            data_dir: home.join("data"),
        }
    }
}

/// A config problem, naming the file and, when known, the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: Option<PathBuf>,
    pub line: Option<usize>,
    pub message: String,
}

impl ConfigError {
    fn new(file: Option<&Path>, message: impl Into<String>) -> ConfigError {
        ConfigError {
            file: file.map(Path::to_path_buf),
            line: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => write!(f, "{}:{line}: {}", file.display(), self.message),
            (Some(file), None) => write!(f, "{}: {}", file.display(), self.message),
            _ => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

/// One account to talk to. Nothing here is secret.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub tenant_sid: Option<String>,
    /// The Basic-auth user name: API key or Account SID.
    pub api_key: Option<String>,
    pub base_url: Option<String>,
    /// A command whose standard output is the token (`pass show exotel/acme`).
    pub token_command: Option<String>,
    /// How long `token_command` may run before it is stopped (humantime,
    /// e.g. `"30s"`; default 60 s).
    #[serde(default, deserialize_with = "humantime_opt")]
    pub token_command_timeout: Option<std::time::Duration>,
    /// `normal` (the default), `read-only` or `protected` (see
    /// [`crate::guard`]).
    pub mode: Option<String>,
    /// A short word shown with the profile (`PROD`).
    pub label: Option<String>,
    /// The label's colour: one of the 16 basic colours.
    #[serde(alias = "color")]
    pub colour: Option<String>,
    /// Every change needs a reason (`--reason`).
    #[serde(default)]
    pub require_reason: bool,
}

fn humantime_opt<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<std::time::Duration>, D::Error> {
    let text = String::deserialize(d)?;
    let duration = humantime::parse_duration(&text).map_err(|e| {
        serde::de::Error::custom(format!("{text:?} is not a duration like \"30s\": {e}"))
    })?;
    // A deadline this far away cannot be represented: refused here rather
    // than overflowing when the command runs.
    if std::time::Instant::now().checked_add(duration).is_none() {
        return Err(serde::de::Error::custom(format!(
            "{text:?} is longer than this system can wait; give a duration like \"60s\""
        )));
    }
    Ok(Some(duration))
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EditorPrefs {
    #[serde(default)]
    pub mouse: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryPrefs {
    /// How many PUTs to remember: 1 to [`HistoryPrefs::MAX_KEEP`].
    #[serde(
        default = "HistoryPrefs::default_keep",
        deserialize_with = "HistoryPrefs::bounded_keep"
    )]
    pub keep: usize,
}

impl HistoryPrefs {
    /// The most history entries `keep` may ask for.
    pub const MAX_KEEP: usize = 10_000;

    /// How many history entries are kept when the config does not say.
    pub fn default_keep() -> usize {
        200
    }

    fn bounded_keep<'de, D: serde::Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
        let value = i64::deserialize(d)?;
        usize::try_from(value)
            .ok()
            .filter(|keep| (1..=HistoryPrefs::MAX_KEEP).contains(keep))
            .ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "history.keep = {value} is out of range: it must be 1 to {}",
                    HistoryPrefs::MAX_KEEP
                ))
            })
    }
}

impl Default for HistoryPrefs {
    fn default() -> Self {
        HistoryPrefs {
            keep: HistoryPrefs::default_keep(),
        }
    }
}

/// The whole config file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub default_profile: Option<String>,
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
    #[serde(default)]
    pub editor: EditorPrefs,
    #[serde(default)]
    pub history: HistoryPrefs,
    /// Names of headers and URL query parameters to treat as secret, beside
    /// the built-in rules (see `exoset_core::secrets`).
    #[serde(default)]
    pub secrets: SecretsPrefs,
    /// A fleet send that would change more tenants than this is refused
    /// unless `--max-tenants M` names at least their number.
    #[serde(default)]
    pub max_tenants_per_send: Option<usize>,
}

/// `[secrets]`: more names whose values are never shown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretsPrefs {
    #[serde(default)]
    pub headers: Vec<String>,
    #[serde(default)]
    pub query: Vec<String>,
}

impl SecretsPrefs {
    pub fn rules(&self) -> crate::secrets::Secrets {
        crate::secrets::Secrets {
            headers: self.headers.clone(),
            query: self.query.clone(),
        }
    }
}

impl Config {
    /// Reads the config; a missing file is an empty config.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(e) => return Err(ConfigError::new(Some(path), format!("cannot read: {e}"))),
        };
        Config::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError {
            file: Some(path.to_path_buf()),
            line: e.span().map(|span| line_of(text, span.start)),
            message: e.message().trim().to_string(),
        })?;
        for (name, profile) in &config.profiles {
            check_profile_name(name).map_err(|m| ConfigError::new(Some(path), m))?;
            crate::guard::ProfileGuard::of(name, profile)
                .map_err(|m| ConfigError::new(Some(path), m))?;
        }
        Ok(config)
    }

    /// The care `profile` asks for; normal for a profile not in the file.
    pub fn guard(&self, profile: &str) -> crate::guard::ProfileGuard {
        self.profiles
            .get(profile)
            .and_then(|p| crate::guard::ProfileGuard::of(profile, p).ok())
            .unwrap_or_default()
    }

    /// The profile to use: the flag or `EXOSET_PROFILE`, else the default.
    pub fn profile_name(&self, requested: Option<&str>) -> String {
        requested
            .map(str::to_string)
            .or_else(|| self.default_profile.clone())
            .unwrap_or_else(|| DEFAULT_PROFILE.to_string())
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset.min(text.len()))
        .map_or(1, |before| before.matches('\n').count() + 1)
}

/// Profile names become keyring user names and file names: keep them plain.
pub fn check_profile_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !name.starts_with('.');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "profile name {name:?} must be 1–64 letters, digits, '-', '_' or '.'"
        ))
    }
}

/// Writes `text` to `path` atomically (temp file + rename), mode 0600.
pub fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    create_private_dir(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".exoset-")
        .tempfile_in(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    tmp.write_all(text.as_bytes())?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Creates `dir` and any missing parents with mode 0700: profile and tenant
/// names are folder names, and not for other users to list. Folders that
/// already exist are left as they are.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// The largest state or config file exoset reads; anything larger is not one
/// of ours.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Reads a file exoset wrote, treating it as hostile: a symlink is not
/// followed (it could point at `/dev/zero` or another user's file), only a
/// regular file is read (a FIFO would hang), and at most [`MAX_FILE_BYTES`].
pub fn read_own_file(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // O_NOFOLLOW: a symlink fails to open; O_NONBLOCK: a FIFO does not
        // block the open (it is then refused as not a regular file).
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(|e| {
        #[cfg(unix)]
        if e.raw_os_error() == Some(libc::ELOOP) {
            return std::io::Error::other("it is a symbolic link, which exoset does not follow");
        }
        e
    })?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::other("it is not a regular file"));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(std::io::Error::other(format!(
            "it is larger than {} MiB",
            MAX_FILE_BYTES / (1024 * 1024)
        )));
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(std::io::Error::other(
            "it grew past the size limit while read",
        ));
    }
    Ok(bytes)
}

/// An edit of the config file that keeps what a person wrote.
pub struct ConfigEdit {
    path: PathBuf,
    doc: toml_edit::DocumentMut,
}

impl ConfigEdit {
    /// Opens the file for editing; refuses one that does not parse as config.
    pub fn open(path: &Path) -> Result<ConfigEdit, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(ConfigError::new(Some(path), format!("cannot read: {e}"))),
        };
        Config::parse(&text, path)?;
        let doc = text
            .parse::<toml_edit::DocumentMut>()
            .map_err(|e| ConfigError::new(Some(path), e.to_string()))?;
        Ok(ConfigEdit {
            path: path.to_path_buf(),
            doc,
        })
    }

    fn profiles(&mut self) -> &mut toml_edit::Table {
        let item = self.doc.entry("profiles").or_insert_with(|| {
            let mut t = toml_edit::Table::new();
            t.set_implicit(true);
            toml_edit::Item::Table(t)
        });
        if !item.is_table() {
            *item = toml_edit::Item::Table(toml_edit::Table::new());
        }
        item.as_table_mut()
            .unwrap_or_else(|| unreachable!("made a table above"))
    }

    /// Sets a profile's fields; `None` leaves a field as it is.
    pub fn set_profile(&mut self, name: &str, profile: &Profile) {
        let table = self
            .profiles()
            .entry(name)
            .or_insert_with(|| toml_edit::Item::Table(toml_edit::Table::new()));
        if !table.is_table() {
            *table = toml_edit::Item::Table(toml_edit::Table::new());
        }
        let fields = [
            ("tenant_sid", &profile.tenant_sid),
            ("api_key", &profile.api_key),
            ("base_url", &profile.base_url),
            ("token_command", &profile.token_command),
        ];
        for (key, value) in fields {
            if let Some(value) = value {
                table[key] = toml_edit::value(value.as_str());
            }
        }
    }

    pub fn remove_profile(&mut self, name: &str) -> bool {
        let removed = self.profiles().remove(name).is_some();
        if self.doc.get("default_profile").and_then(|v| v.as_str()) == Some(name) {
            self.doc.remove("default_profile");
        }
        removed
    }

    pub fn set_default_if_unset(&mut self, name: &str) {
        if self.doc.get("default_profile").is_none() {
            self.doc.insert("default_profile", toml_edit::value(name));
        }
    }

    pub fn save(&self) -> Result<(), ConfigError> {
        let text = self.doc.to_string();
        // Never write a file we could not read back.
        Config::parse(&text, &self.path)?;
        write_private(&self.path, &text)
            .map_err(|e| ConfigError::new(Some(&self.path), format!("cannot write: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("/x/config.toml"))
    }

    #[test]
    fn a_full_config_parses() {
        let c = parse(
            "default_profile = \"prod\"\n[profiles.prod]\ntenant_sid = \"t1\"\napi_key = \"k\"\n\
             [profiles.stage]\ntenant_sid = \"t2\"\ntoken_command = \"pass show x\"\n\
             [editor]\nmouse = true\n[history]\nkeep = 50\n",
        )
        .unwrap();
        assert_eq!(c.profile_name(None), "prod");
        assert_eq!(c.profile_name(Some("stage")), "stage");
        assert_eq!(
            c.profiles["stage"].token_command.as_deref(),
            Some("pass show x")
        );
        assert!(c.editor.mouse);
        assert_eq!(c.history.keep, 50);
    }

    #[test]
    fn history_keep_outside_1_to_10000_is_an_error_naming_the_value() {
        for (text, shown) in [
            ("0", "0"),
            ("10001", "10001"),
            ("-3", "-3"),
            ("99999999999", "99999999999"),
        ] {
            let err = parse(&format!(
                "[editor]\nmouse = true\n[history]\nkeep = {text}\n"
            ))
            .unwrap_err();
            assert!(
                err.message
                    .contains(&format!("history.keep = {shown} is out of range")),
                "{err}"
            );
            assert!(err.message.contains("1 to 10000"), "{err}");
            assert_eq!(err.line, Some(4), "{err}");
        }
        assert_eq!(parse("[history]\nkeep = 1\n").unwrap().history.keep, 1);
        assert_eq!(
            parse("[history]\nkeep = 10000\n").unwrap().history.keep,
            10_000
        );
        assert_eq!(parse("").unwrap().history.keep, 200);
    }

    #[test]
    fn a_syntax_error_names_the_file_and_line() {
        let err = parse("[profiles.prod]\ntenant_sid = \"t1\"\napi_key = k\n").unwrap_err();
        assert_eq!(err.line, Some(3));
        assert!(err.to_string().starts_with("/x/config.toml:3: "), "{err}");
    }

    #[test]
    fn a_misspelt_key_is_an_error_not_ignored() {
        let err = parse("[profiles.prod]\ntenant_id = \"t1\"\n").unwrap_err();
        assert!(err.message.contains("tenant_id"), "{err}");
        assert_eq!(err.line, Some(2));
    }

    #[test]
    fn profile_names_must_be_plain() {
        assert!(check_profile_name("prod-1.eu_x").is_ok());
        let longest = "p".repeat(64);
        assert!(check_profile_name(&longest).is_ok());
        for bad in ["", "a b", "../x", ".hidden", "a/b", &"p".repeat(65)] {
            let message = check_profile_name(bad).unwrap_err();
            assert_eq!(
                message,
                format!("profile name {bad:?} must be 1–64 letters, digits, '-', '_' or '.'")
            );
        }
        // In a file, the refusal names the file.
        let err = parse("[profiles.\"a b\"]\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "/x/config.toml: profile name \"a b\" must be 1–64 letters, digits, '-', '_' or '.'"
        );
    }

    #[test]
    fn edits_keep_comments_and_write_0600() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "# my accounts\n[profiles.old]\napi_key = \"k0\" # legacy\n",
        )
        .unwrap();
        let mut edit = ConfigEdit::open(&path).unwrap();
        edit.set_profile(
            "new",
            &Profile {
                tenant_sid: Some("t9".into()),
                api_key: Some("k9".into()),
                ..Profile::default()
            },
        );
        edit.set_default_if_unset("new");
        edit.save().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("# my accounts") && text.contains("# legacy"),
            "{text}"
        );
        let c = Config::load(&path).unwrap();
        assert_eq!(c.default_profile.as_deref(), Some("new"));
        assert_eq!(c.profiles["new"].tenant_sid.as_deref(), Some("t9"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_broken_file_is_not_opened_for_editing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "[profiles\n").unwrap();
        let err = ConfigEdit::open(&path)
            .err()
            .expect("a broken file is refused");
        assert_eq!(err.file.as_deref(), Some(path.as_path()));
        assert!(
            err.to_string().starts_with(&path.display().to_string()),
            "{err}"
        );
        assert!(!err.message.trim().is_empty());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "[profiles\n");
    }
}
