//! Secrets inside settings values, and how they are shown: the userinfo of
//! a webhook URL (`user:pass@`), a URL query parameter named like a token
//! (`token`, `key`, `secret`, `sig`, `auth`, `password`, `pass`, or a name
//! the config adds), and every header of an `*_event_headers` value other
//! than `content_type` (and any the config adds).
//!
//! Values are sent, stored and compared exactly; only what is *shown* is
//! masked, as [`MASK`]. Where masked values are compared, [`Tags`] tells
//! them apart by a number for the run (`••••#1`), never by a hash of the
//! secret. Masked text is never taken back as input ([`holds_mask`]).

use crate::schema::{FieldId, Kind};
use std::collections::HashMap;

/// What a secret is shown as.
pub const MASK: &str = "••••";

/// Query parameter names (any part of them, any case) that hold secrets.
const QUERY_WORDS: [&str; 7] = ["token", "key", "secret", "sig", "auth", "password", "pass"];

/// Which parts of a value are secret: the built-in rules and the names
/// `[secrets]` in config.toml adds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Secrets {
    /// Extra header names (compared without case).
    pub headers: Vec<String>,
    /// Extra query parameter names (compared without case).
    pub query: Vec<String>,
}

/// One secret found in a value: what it is called there, and the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    /// `auth_token`, `userinfo`, `Authorization`.
    pub name: String,
    pub value: String,
}

/// Whether `text` holds the mask: it came from masked output and must not
/// be sent.
pub fn holds_mask(text: &str) -> bool {
    text.contains(MASK)
}

impl Secrets {
    fn query_is_secret(&self, name: &str) -> bool {
        let lower = name.to_ascii_lowercase();
        QUERY_WORDS.iter().any(|w| lower.contains(w))
            || self.query.iter().any(|q| q.eq_ignore_ascii_case(name))
    }

    fn header_is_secret(&self, name: &str) -> bool {
        !name.eq_ignore_ascii_case("content_type")
            || self.headers.iter().any(|h| h.eq_ignore_ascii_case(name))
    }

    /// The secrets in `value` of setting `id`, in order.
    pub fn find(&self, id: FieldId, value: &str) -> Vec<Secret> {
        let mut found = Vec::new();
        self.rewrite(id, value, &mut |name, secret| {
            found.push(Secret {
                name: name.to_string(),
                value: secret.to_string(),
            });
            secret.to_string()
        });
        found
    }

    /// `value` with each secret shown as [`MASK`].
    pub fn mask(&self, id: FieldId, value: &str) -> String {
        self.rewrite(id, value, &mut |_, _| MASK.to_string())
    }

    /// `value` with each secret masked and told apart by its number in
    /// `tags` (`••••#1`): for values compared side by side.
    pub fn mask_tagged(&self, id: FieldId, value: &str, tags: &mut Tags) -> String {
        self.rewrite(id, value, &mut |_, secret| {
            format!("{MASK}#{}", tags.number(secret))
        })
    }

    /// `new` masked for a diff against `old`: each secret says whether it
    /// changed (`auth_token=•••• (changed)`).
    pub fn mask_change(&self, id: FieldId, old: Option<&str>, new: &str) -> String {
        let before = old.map(|o| self.find(id, o)).unwrap_or_default();
        self.rewrite(id, new, &mut |name, secret| {
            let same = before.iter().any(|b| b.name == name && b.value == secret);
            format!("{MASK} ({})", if same { "unchanged" } else { "changed" })
        })
    }

    /// Whether `value` holds any secret.
    pub fn holds_secret(&self, id: FieldId, value: &str) -> bool {
        !self.find(id, value).is_empty()
    }

    /// `value` with each secret replaced by what `with(name, secret)` gives;
    /// the rest of the text as it was (a URL is not re-written by a parser).
    fn rewrite(
        &self,
        id: FieldId,
        value: &str,
        with: &mut dyn FnMut(&str, &str) -> String,
    ) -> String {
        match id.setting().kind {
            Kind::Url => self.rewrite_url(value, with),
            Kind::HeadersJson => self.rewrite_headers(value, with),
            _ => value.to_string(),
        }
    }

    fn rewrite_url(&self, url: &str, with: &mut dyn FnMut(&str, &str) -> String) -> String {
        let mut out = String::new();
        // userinfo: between "://" and the first "@" before the path.
        let (scheme, rest) = match url.find("://") {
            Some(at) => url.split_at(at + 3),
            None => ("", url),
        };
        out.push_str(scheme);
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, rest) = rest.split_at(authority_end);
        match authority.rfind('@') {
            Some(at) if !scheme.is_empty() => {
                let userinfo = &authority[..at];
                if userinfo.is_empty() {
                    out.push_str(authority);
                } else {
                    out.push_str(&with("userinfo", userinfo));
                    out.push_str(&authority[at..]);
                }
            }
            _ => out.push_str(authority),
        }
        let (before_query, query_and_after) = match rest.find('?') {
            Some(at) => rest.split_at(at),
            None => (rest, ""),
        };
        out.push_str(before_query);
        if query_and_after.is_empty() {
            return out;
        }
        let query_and_after = &query_and_after[1..];
        let (query, fragment) = match query_and_after.find('#') {
            Some(at) => query_and_after.split_at(at),
            None => (query_and_after, ""),
        };
        out.push('?');
        let parts: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, secret)) if !secret.is_empty() && self.query_is_secret(name) => {
                    format!("{name}={}", with(name, secret))
                }
                _ => pair.to_string(),
            })
            .collect();
        out.push_str(&parts.join("&"));
        out.push_str(fragment);
        out
    }

    fn rewrite_headers(&self, text: &str, with: &mut dyn FnMut(&str, &str) -> String) -> String {
        let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(text)
        else {
            return text.to_string();
        };
        if !map.keys().any(|k| self.header_is_secret(k)) {
            return text.to_string();
        }
        let mut out = serde_json::Map::new();
        for (name, value) in map {
            let shown = if self.header_is_secret(&name) {
                let secret = match &value {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                serde_json::Value::String(with(&name, &secret))
            } else {
                value
            };
            out.insert(name, shown);
        }
        serde_json::Value::Object(out).to_string()
    }

    /// `text` (a server's message) with every secret of `values` that is 4
    /// characters or longer masked wherever it occurs.
    pub fn mask_in_text<'a>(
        &self,
        text: &str,
        values: impl IntoIterator<Item = (FieldId, &'a str)>,
    ) -> String {
        let mut secrets: Vec<String> = values
            .into_iter()
            .flat_map(|(id, v)| self.find(id, v))
            .map(|s| s.value)
            .filter(|s| s.chars().count() >= 4)
            .collect();
        // Longest first: a secret that contains another is masked whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        let mut out = text.to_string();
        for secret in secrets {
            out = out.replace(&secret, MASK);
        }
        out
    }
}

/// Numbers for the secrets of one run, so masked values compared side by
/// side are told apart (`••••#1`, `••••#2`) without showing anything of
/// them.
#[derive(Debug, Default)]
pub struct Tags {
    seen: HashMap<String, usize>,
}

impl Tags {
    pub fn number(&mut self, secret: &str) -> usize {
        let next = self.seen.len() + 1;
        *self.seen.entry(secret.to_string()).or_insert(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::lookup_path;

    fn endpoint() -> FieldId {
        lookup_path("greenvn.greencall_complete_event_endpoint").unwrap()
    }

    fn headers() -> FieldId {
        lookup_path("greenvn.greencall_complete_event_headers").unwrap()
    }

    #[test]
    fn a_url_keeps_everything_but_its_userinfo_and_token_like_parameters() {
        let s = Secrets::default();
        let url = "https://bob:hunter2@h.example/cb?x=1&auth_token=XYZ&Sig=abc#frag";
        assert_eq!(
            s.mask(endpoint(), url),
            "https://••••@h.example/cb?x=1&auth_token=••••&Sig=••••#frag"
        );
        assert_eq!(
            s.mask(endpoint(), "https://h/cb?page=2"),
            "https://h/cb?page=2"
        );
        let extra = Secrets {
            query: vec!["code".into()],
            ..Secrets::default()
        };
        assert_eq!(
            extra.mask(endpoint(), "https://h/?code=42"),
            "https://h/?code=••••"
        );
        // Not a URL kind: untouched.
        let tz = lookup_path("common.timezone").unwrap();
        assert_eq!(s.mask(tz, "https://a:b@c/"), "https://a:b@c/");
    }

    #[test]
    fn every_header_but_content_type_is_secret() {
        let s = Secrets::default();
        let text = r#"{"content_type":"application/json","Authorization":"Basic QWxhZGRpbg=="}"#;
        let shown = s.mask(headers(), text);
        assert_eq!(
            shown,
            r#"{"content_type":"application/json","Authorization":"••••"}"#
        );
        assert!(!shown.contains("QWxh"));
        let plain = r#"{"content_type":"application/json"}"#;
        assert_eq!(s.mask(headers(), plain), plain);
    }

    #[test]
    fn a_change_says_whether_each_secret_changed_and_tags_tell_them_apart() {
        let s = Secrets::default();
        let old = "https://h/cb?auth_token=ONE";
        assert_eq!(
            s.mask_change(endpoint(), Some(old), "https://h/cb?auth_token=TWO"),
            "https://h/cb?auth_token=•••• (changed)"
        );
        assert_eq!(
            s.mask_change(endpoint(), Some(old), old),
            "https://h/cb?auth_token=•••• (unchanged)"
        );
        let mut tags = Tags::default();
        let a = s.mask_tagged(endpoint(), "https://h/?token=A", &mut tags);
        let b = s.mask_tagged(endpoint(), "https://h/?token=B", &mut tags);
        let a2 = s.mask_tagged(endpoint(), "https://h/?token=A", &mut tags);
        assert_eq!(
            (a.as_str(), b.as_str()),
            ("https://h/?token=••••#1", "https://h/?token=••••#2")
        );
        assert_eq!(a, a2);
    }

    #[test]
    fn a_server_message_quoting_a_secret_is_masked() {
        let s = Secrets::default();
        let text = "invalid url https://h/cb?auth_token=XYZW1 and XYZ";
        let masked = s.mask_in_text(text, [(endpoint(), "https://h/cb?auth_token=XYZW1")]);
        assert_eq!(masked, "invalid url https://h/cb?auth_token=•••• and XYZ");
        // Shorter than 4: left alone (it would mask ordinary words).
        let short = s.mask_in_text("a XYZ b", [(endpoint(), "https://h/?token=XYZ")]);
        assert_eq!(short, "a XYZ b");
        assert!(holds_mask("https://h/?token=••••"));
    }
}
