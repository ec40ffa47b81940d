//! Origins, and the patterns that say which origins may frame and call an embed.
//!
//! One matcher serves the CSP `frame-ancestors` list, the origin gate on token requests,
//! CORS and (in the browser) `postMessage`. It follows CSP Level 3's source-expression
//! matching, so a pattern means exactly what its CSP source means:
//! - `https://*.example.com` matches `a.example.com` and `a.b.example.com`, not `example.com`;
//! - a pattern without a port matches the scheme's default port only;
//! - `https` matches `https` only; `http` also matches `https` on the same host and port
//!   (CSP allows that upgrade, and a CSP source cannot say "http only").

use std::fmt;

/// The two schemes a web origin may have here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WebScheme {
    Http,
    Https,
}

impl WebScheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Https => "https",
        }
    }

    pub fn default_port(self) -> u16 {
        match self {
            Self::Http => 80,
            Self::Https => 443,
        }
    }

    /// Splits `scheme://` off the front, case-insensitively.
    fn strip(text: &str) -> Option<(Self, &str)> {
        let (scheme, rest) = text.split_once("://")?;
        if scheme.eq_ignore_ascii_case("https") {
            Some((Self::Https, rest))
        } else if scheme.eq_ignore_ascii_case("http") {
            Some((Self::Http, rest))
        } else {
            None
        }
    }
}

/// A concrete origin, as a browser sends it in `Origin` or `MessageEvent.origin`.
/// The host is lowercase; the port is `None` when it is the scheme's default.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    pub scheme: WebScheme,
    pub host: String,
    pub port: Option<u16>,
}

impl Origin {
    /// Parses `scheme://host[:port]` exactly (no path); `None` for anything else,
    /// including the opaque origin `null`.
    pub fn parse(text: &str) -> Option<Self> {
        let (scheme, rest) = WebScheme::strip(text)?;
        let (host, port) = split_port(rest)?;
        let host = host.to_ascii_lowercase();
        let host_ok = if let Some(v6) = host.strip_prefix('[') {
            v6.strip_suffix(']').is_some_and(|inner| {
                !inner.is_empty() && inner.bytes().all(|b| b.is_ascii_hexdigit() || b == b':')
            })
        } else {
            valid_host(&host)
        };
        if !host_ok {
            return None;
        }
        let port = port.filter(|&p| p != scheme.default_port());
        Some(Self { scheme, host, port })
    }

    /// The origin of an absolute http(s) URL (its path, query and fragment dropped).
    pub fn of_url(url: &str) -> Option<Self> {
        let (scheme, rest) = WebScheme::strip(url)?;
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        Self::parse(&format!("{}://{}", scheme.as_str(), &rest[..end]))
    }

    /// The `host[:port]` part, as in a `Host` header.
    pub fn authority(&self) -> String {
        match self.port {
            Some(port) => format!("{}:{port}", self.host),
            None => self.host.clone(),
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme.as_str(), self.authority())
    }
}

/// An allowed-origin pattern: `scheme://host[:port]`, the host optionally starting with
/// `*.` (any one or more labels). Parsed once, stored and shown in its canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OriginPattern {
    scheme: WebScheme,
    /// `*.` in front: matches strict subdomains of `host`.
    wildcard: bool,
    host: String,
    /// As written; `None` means the scheme's default port.
    port: Option<u16>,
}

/// Why an allowed-origin entry was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginPatternError {
    pub entry: String,
    pub reason: &'static str,
}

impl fmt::Display for OriginPatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not an origin like https://app.example.com or https://*.example.com: {}",
            self.entry, self.reason
        )
    }
}

impl std::error::Error for OriginPatternError {}

impl OriginPattern {
    pub fn parse(entry: &str) -> Result<Self, OriginPatternError> {
        let bad = |reason| OriginPatternError {
            entry: entry.chars().take(200).collect(),
            reason,
        };
        if entry.is_empty() {
            return Err(bad("it is empty"));
        }
        if entry.len() > 300 {
            return Err(bad("it is too long"));
        }
        if let Some(c) = entry
            .chars()
            .find(|c| c.is_whitespace() || c.is_control() || matches!(c, ';' | ',' | '\'' | '"'))
        {
            return Err(bad(match c {
                ';' | ',' => "it holds a separator (give each origin as its own entry)",
                '\'' | '"' => "it holds a quote",
                _ => "it holds a space or control character",
            }));
        }
        let (scheme, rest) =
            WebScheme::strip(entry).ok_or_else(|| bad("it must start with https:// or http://"))?;
        if rest.contains(['/', '?', '#']) {
            return Err(bad("an origin has no path, query or fragment"));
        }
        if rest.contains('@') {
            return Err(bad("an origin has no user name or password"));
        }
        if rest.starts_with('[') {
            return Err(bad("IP version 6 addresses cannot be framing origins"));
        }
        let (host, port) = split_port(rest).ok_or_else(|| bad("the port must be 1 to 65535"))?;
        let host = host.to_ascii_lowercase();
        let (wildcard, host) = match host.strip_prefix("*.") {
            Some(base) => (true, base.to_string()),
            None => (false, host),
        };
        if host.contains('*') {
            return Err(bad(
                "a wildcard may only be the whole leftmost label, as in https://*.example.com",
            ));
        }
        if !valid_host(&host) {
            return Err(bad(
                "the host must be dot-separated labels of letters, digits and hyphens",
            ));
        }
        if wildcard && !host.contains('.') && host != "localhost" {
            return Err(bad(
                "a wildcard needs a registrable domain after it, as in https://*.example.com",
            ));
        }
        Ok(Self {
            scheme,
            wildcard,
            host,
            port,
        })
    }

    /// Whether `origin` is one this pattern allows: CSP Level 3 source matching.
    pub fn matches(&self, origin: &Origin) -> bool {
        let scheme_ok = match self.scheme {
            WebScheme::Https => origin.scheme == WebScheme::Https,
            WebScheme::Http => true,
        };
        let host_ok = if self.wildcard {
            origin
                .host
                .strip_suffix(self.host.as_str())
                .is_some_and(|sub| sub.len() > 1 && sub.ends_with('.'))
        } else {
            origin.host == self.host
        };
        let port_ok = match self.port {
            None => origin.port.is_none(),
            Some(p) => {
                origin.port == Some(p)
                    || (origin.port.is_none() && p == origin.scheme.default_port())
            }
        };
        scheme_ok && host_ok && port_ok
    }

    /// Whether any of `patterns` allows `origin`.
    pub fn any_matches(patterns: &[Self], origin: &Origin) -> bool {
        patterns.iter().any(|p| p.matches(origin))
    }
}

/// The canonical form, which is also the CSP source expression.
impl fmt::Display for OriginPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://", self.scheme.as_str())?;
        if self.wildcard {
            f.write_str("*.")?;
        }
        f.write_str(&self.host)?;
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        Ok(())
    }
}

impl serde::Serialize for OriginPattern {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for OriginPattern {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// `host[:port]` → host and port; `None` when the port is not 1–65535 in digits.
fn split_port(authority: &str) -> Option<(&str, Option<u16>)> {
    // An IPv6 literal holds colons of its own.
    let port_colon = match authority.rfind(']') {
        Some(close) => authority[close..].find(':').map(|i| close + i),
        None => authority.rfind(':'),
    };
    match port_colon {
        None => Some((authority, None)),
        Some(i) => {
            let digits = &authority[i + 1..];
            if digits.is_empty() || digits.len() > 5 || !digits.bytes().all(|b| b.is_ascii_digit())
            {
                return None;
            }
            let port: u32 = digits.parse().ok()?;
            (1..=65535)
                .contains(&port)
                .then_some((&authority[..i], Some(port as u16)))
        }
    }
}

/// Dot-separated labels of ASCII letters, digits and hyphens (CSP's host-char).
fn valid_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn origin(text: &str) -> Origin {
        Origin::parse(text).unwrap_or_else(|| panic!("{text} parses"))
    }

    #[test]
    fn patterns_accepted_in_canonical_form() {
        for (entry, canonical) in [
            ("https://app.example.com", "https://app.example.com"),
            ("HTTPS://App.Example.COM", "https://app.example.com"),
            ("http://localhost:3000", "http://localhost:3000"),
            ("https://*.example.com", "https://*.example.com"),
            ("http://*.localhost:8080", "http://*.localhost:8080"),
            ("https://example.com:443", "https://example.com:443"),
            ("https://example.com:08080", "https://example.com:8080"),
            ("http://127.0.0.1:5173", "http://127.0.0.1:5173"),
            (
                "https://xn--bcher-kva.example",
                "https://xn--bcher-kva.example",
            ),
        ] {
            let p = OriginPattern::parse(entry).unwrap_or_else(|e| panic!("{entry}: {e}"));
            assert_eq!(p.to_string(), canonical, "{entry}");
        }
    }

    #[test]
    fn patterns_refused_with_a_reason() {
        for entry in [
            "",
            "example.com",
            "*",
            "https://*",
            "https://*.",
            "*.example.com",
            "https://app.*.example.com",
            "https://a*.example.com",
            "https://*.*.example.com",
            "https://*.com",
            "https://example.com/",
            "https://example.com/path",
            "https://example.com?x",
            "https://example.com#x",
            "https://user@example.com",
            "https://a b.com",
            " https://a.com",
            "https://a.com ",
            "https://a.com;frame-ancestors *",
            "https://a.com,https://b.com",
            "https://a.com'",
            "\"https://a.com\"",
            "'self'",
            "ftp://a.com",
            "javascript:alert(1)",
            "data:text/html,x",
            "wss://a.com",
            "https://",
            "https://a.com:",
            "https://a.com:0",
            "https://a.com:65536",
            "https://a.com:*",
            "https://a.com:-1",
            "https://[::1]:3000",
            "https://a..com",
            "https://a_b.com",
            "https://bücher.example",
            "https://a.com\n",
        ] {
            let err = OriginPattern::parse(entry).expect_err(entry);
            assert!(err.to_string().contains("is not an origin"), "{err}");
        }
    }

    #[test]
    fn matching_follows_csp() {
        let cases = [
            ("https://app.example.com", "https://app.example.com", true),
            ("https://app.example.com", "https://APP.example.com", true),
            (
                "https://app.example.com",
                "https://app.example.com:443",
                true,
            ),
            ("https://app.example.com", "http://app.example.com", false),
            (
                "https://app.example.com",
                "https://app.example.com:8443",
                false,
            ),
            ("https://app.example.com", "https://example.com", false),
            (
                "https://app.example.com",
                "https://evil-app.example.com",
                false,
            ),
            (
                "https://app.example.com",
                "https://app.example.com.evil.net",
                false,
            ),
            ("https://*.example.com", "https://a.example.com", true),
            ("https://*.example.com", "https://a.b.example.com", true),
            ("https://*.example.com", "https://example.com", false),
            ("https://*.example.com", "https://badexample.com", false),
            ("https://*.example.com", "https://a.example.com:8443", false),
            ("http://localhost:3000", "http://localhost:3000", true),
            ("http://localhost:3000", "http://localhost:3001", false),
            ("http://localhost:3000", "https://localhost:3000", true),
            ("http://localhost", "http://localhost:80", true),
            ("http://localhost", "https://localhost", true),
            ("http://localhost", "https://localhost:80", false),
            ("http://localhost:80", "https://localhost", false),
            ("https://a.com:443", "https://a.com", true),
            ("http://*.localhost:8080", "http://x.localhost:8080", true),
        ];
        for (pattern, candidate, want) in cases {
            let p = OriginPattern::parse(pattern).unwrap();
            assert_eq!(
                p.matches(&origin(candidate)),
                want,
                "{pattern} vs {candidate}"
            );
        }
    }

    #[test]
    fn origins_parse_strictly() {
        assert_eq!(origin("https://A.com:443").to_string(), "https://a.com");
        assert_eq!(origin("http://a.com:8080").authority(), "a.com:8080");
        assert_eq!(origin("http://[::1]:3000").to_string(), "http://[::1]:3000");
        for bad in [
            "null",
            "https://a.com/",
            "a.com",
            "https://a.com:0",
            "file:///x",
            "",
        ] {
            assert!(Origin::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(
            Origin::of_url("https://inbox.example.com/base/path?x")
                .unwrap()
                .to_string(),
            "https://inbox.example.com"
        );
    }

    /// CSP Level 3 §6.7.2.8–.10, written out separately, for the serialised source
    /// expression: scheme-part, host-part and port-part matching.
    fn csp_source_matches(
        source: &str,
        url_scheme: &str,
        url_host: &str,
        url_port: Option<u16>,
    ) -> bool {
        let (scheme, rest) = source.split_once("://").expect("host-source has a scheme");
        let scheme_ok = match scheme.to_ascii_lowercase().as_str() {
            "http" => url_scheme == "http" || url_scheme == "https",
            "https" => url_scheme == "https",
            _ => false,
        };
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (rest, None),
        };
        let host = host.to_ascii_lowercase();
        let host_ok = match host.strip_prefix('*') {
            Some(remaining) => url_host.to_ascii_lowercase().ends_with(remaining),
            None => host == url_host.to_ascii_lowercase(),
        };
        let default = if url_scheme == "https" { 443 } else { 80 };
        let port_ok = match port {
            Some("*") => true,
            None => url_port.is_none(),
            Some(digits) => {
                let n: u32 = digits.parse().expect("digits");
                url_port.map(u32::from) == Some(n) || (url_port.is_none() && n == default)
            }
        };
        scheme_ok && host_ok && port_ok
    }

    fn label() -> impl Strategy<Value = String> {
        prop::sample::select(vec!["a", "b", "ex", "app", "x-y", "1", "localhost", "EX"])
            .prop_map(str::to_string)
    }

    fn host(max: usize) -> impl Strategy<Value = String> {
        prop::collection::vec(label(), 1..=max).prop_map(|labels| labels.join("."))
    }

    fn port() -> impl Strategy<Value = Option<u16>> {
        prop::option::of(prop::sample::select(vec![80u16, 443, 3000, 8080]))
    }

    fn scheme() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec!["http", "https", "HTTPS", "Http"])
    }

    /// Entries built from parts, so most are accepted; and arbitrary text, so the
    /// parser sees junk too.
    fn entry() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => (scheme(), any::<bool>(), host(3), port()).prop_map(|(s, w, h, p)| {
                let mut e = format!("{s}://{}{h}", if w { "*." } else { "" });
                if let Some(p) = p {
                    e.push_str(&format!(":{p}"));
                }
                e
            }),
            1 => "[a-zA-Z:/*.;,' 0-9-]{0,30}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// Anything accepted serialises to a CSP source meaning exactly the same set of
        /// origins, and parses back to itself.
        #[test]
        fn accepted_patterns_mean_their_csp_source(
            entry in entry(),
            origins in prop::collection::vec(
                (prop::sample::select(vec!["http", "https"]), 0..5u8, host(2), port()), 1..12),
        ) {
            if let Ok(pattern) = OriginPattern::parse(&entry) {
                let source = pattern.to_string();
                prop_assert_eq!(OriginPattern::parse(&source), Ok(pattern.clone()));
                for (s, near, other, p) in origins {
                    // Hosts near the pattern's, where matching is decided, and others.
                    let base = pattern.host.clone();
                    let h = match near {
                        0 => base,
                        1 => format!("{other}.{base}"),
                        2 => base.split_once('.').map_or(other, |(_, parent)| parent.to_string()),
                        3 => format!("{other}{base}"),
                        _ => other,
                    };
                    let text = match p {
                        Some(p) => format!("{s}://{h}:{p}"),
                        None => format!("{s}://{h}"),
                    };
                    let o = Origin::parse(&text).expect("generated origins are valid");
                    prop_assert_eq!(
                        pattern.matches(&o),
                        csp_source_matches(&source, o.scheme.as_str(), &o.host, o.port),
                        "{} vs {}", source, text
                    );
                }
            }
        }
    }
}
