//! Text and time formatting shared by the server render and the browser: WhatsApp-style
//! markup parsed into segments (rendered as view nodes, never as HTML), and local times in
//! the UI's language.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc};

use super::i18n::{text, Lang};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Style {
    pub bold: bool,
    pub italic: bool,
    pub strike: bool,
    pub mono: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub text: String,
    pub style: Style,
    /// Set for http(s), mailto and tel links only.
    pub href: Option<String>,
}

/// Parses WhatsApp formatting: `*bold*`, `_italic_`, `~strike~`, ```` ```mono``` ````, and
/// bare http(s)/mailto/tel links. Markers pair only on one line, at word boundaries, around
/// non-blank text, as WhatsApp does; anything else stays literal.
pub fn parse_formatting(text: &str) -> Vec<Segment> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    parse_into(&chars, Style::default(), &mut out);
    out
}

fn parse_into(chars: &[char], style: Style, out: &mut Vec<Segment>) {
    let mut plain = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i..].starts_with(&['`', '`', '`']) {
            if let Some(end) = find_fence(chars, i + 3) {
                flush_plain(&mut plain, style, out);
                let inner: String = chars[i + 3..end].iter().collect();
                out.push(Segment {
                    text: inner,
                    style: Style {
                        mono: true,
                        ..style
                    },
                    href: None,
                });
                i = end + 3;
                continue;
            }
        }
        let marker = chars[i];
        if matches!(marker, '*' | '_' | '~') && opens_at(chars, i) {
            if let Some(end) = find_closing(chars, i, marker) {
                flush_plain(&mut plain, style, out);
                let inner_style = match marker {
                    '*' => Style {
                        bold: true,
                        ..style
                    },
                    '_' => Style {
                        italic: true,
                        ..style
                    },
                    _ => Style {
                        strike: true,
                        ..style
                    },
                };
                parse_into(&chars[i + 1..end], inner_style, out);
                i = end + 1;
                continue;
            }
        }
        plain.push(chars[i]);
        i += 1;
    }
    flush_plain(&mut plain, style, out);
}

fn is_boundary(c: Option<&char>) -> bool {
    c.is_none_or(|c| c.is_whitespace() || c.is_ascii_punctuation())
}

fn opens_at(chars: &[char], i: usize) -> bool {
    let before = if i == 0 { None } else { chars.get(i - 1) };
    is_boundary(before) && chars.get(i + 1).is_some_and(|c| !c.is_whitespace())
}

fn find_closing(chars: &[char], open: usize, marker: char) -> Option<usize> {
    let mut j = open + 2;
    while j < chars.len() {
        if chars[j] == '\n' {
            return None;
        }
        if chars[j] == marker && !chars[j - 1].is_whitespace() && is_boundary(chars.get(j + 1)) {
            return Some(j);
        }
        j += 1;
    }
    None
}

fn find_fence(chars: &[char], from: usize) -> Option<usize> {
    (from + 1..chars.len().saturating_sub(2)).find(|&j| chars[j..].starts_with(&['`', '`', '`']))
}

const LINK_PREFIXES: [&str; 4] = ["https://", "http://", "mailto:", "tel:"];

/// Splits plain text into text and link segments.
fn flush_plain(plain: &mut String, style: Style, out: &mut Vec<Segment>) {
    if plain.is_empty() {
        return;
    }
    let text = std::mem::take(plain);
    let mut rest = text.as_str();
    let mut pending = String::new();
    while !rest.is_empty() {
        let at_word_start = pending
            .chars()
            .last()
            .is_none_or(|c| c.is_whitespace() || "([<\"'".contains(c));
        let lower = rest
            .get(..8.min(rest.len()))
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        if at_word_start && LINK_PREFIXES.iter().any(|p| lower.starts_with(p)) {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let candidate =
                rest[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']', '"', '\'']);
            let prefix_len = LINK_PREFIXES
                .iter()
                .find(|p| lower.starts_with(*p))
                .map_or(0, |p| p.len());
            if candidate.len() > prefix_len {
                if !pending.is_empty() {
                    out.push(Segment {
                        text: std::mem::take(&mut pending),
                        style,
                        href: None,
                    });
                }
                out.push(Segment {
                    text: candidate.to_string(),
                    style,
                    href: Some(candidate.to_string()),
                });
                rest = &rest[candidate.len()..];
                continue;
            }
        }
        let c = rest.chars().next().expect("non-empty");
        pending.push(c);
        rest = &rest[c.len_utf8()..];
    }
    if !pending.is_empty() {
        out.push(Segment {
            text: pending,
            style,
            href: None,
        });
    }
}

/// The text a reader sees once the formatting markers are gone, for one-line previews.
pub fn plain_text(text: &str) -> String {
    parse_formatting(text).into_iter().map(|s| s.text).collect()
}

/// Local time of day, 24-hour `14:05` (in both languages).
pub fn clock_time(at: DateTime<Utc>, offset: FixedOffset, lang: Lang) -> String {
    match lang {
        Lang::En | Lang::Es => at.with_timezone(&offset).format("%H:%M").to_string(),
    }
}

/// The list's timestamp, as WhatsApp shows it: the time today, `Yesterday`, the weekday
/// within a week, then the date (`2 Mar`, `2 mar 2025`).
pub fn list_time(at: DateTime<Utc>, now: DateTime<Utc>, offset: FixedOffset, lang: Lang) -> String {
    let text = text(lang);
    let (day, today) = (
        at.with_timezone(&offset).date_naive(),
        now.with_timezone(&offset).date_naive(),
    );
    let month = text.months_short[day.month0() as usize];
    match (today - day).num_days() {
        i64::MIN..=0 => clock_time(at, offset, lang),
        1 => text.yesterday.to_string(),
        2..=6 => weekday(day, lang).to_string(),
        _ if day.year() == today.year() => (text.date_short)(day.day(), month, None),
        _ => (text.date_short)(day.day(), month, Some(day.year())),
    }
}

/// A thread's day separator: `Today`, `Yesterday`, the weekday within a week, then the
/// date (`2 March`, `2 de marzo de 2025`).
pub fn day_label(at: DateTime<Utc>, now: DateTime<Utc>, offset: FixedOffset, lang: Lang) -> String {
    let text = text(lang);
    let (day, today) = (
        at.with_timezone(&offset).date_naive(),
        now.with_timezone(&offset).date_naive(),
    );
    let month = text.months[day.month0() as usize];
    match (today - day).num_days() {
        i64::MIN..=0 => text.today.to_string(),
        1 => text.yesterday.to_string(),
        2..=6 => weekday(day, lang).to_string(),
        _ if day.year() == today.year() => (text.date_long)(day.day(), month, None),
        _ => (text.date_long)(day.day(), month, Some(day.year())),
    }
}

fn weekday(day: NaiveDate, lang: Lang) -> &'static str {
    text(lang).weekdays[day.weekday().num_days_from_monday() as usize]
}

/// Whether two instants fall on the same local day.
pub fn same_day(a: DateTime<Utc>, b: DateTime<Utc>, offset: FixedOffset) -> bool {
    a.with_timezone(&offset).date_naive() == b.with_timezone(&offset).date_naive()
}

/// `FixedOffset` from minutes east of UTC, clamped to real offsets.
pub fn offset_from_minutes(minutes_east: i32) -> FixedOffset {
    FixedOffset::east_opt(minutes_east.clamp(-14 * 60, 14 * 60) * 60).expect("offset within ±14 h")
}

/// A file size for people: `820 B`, `14 KB`, `2.4 MB`.
pub fn human_size(bytes: i64) -> String {
    const KB: f64 = 1024.0;
    let b = bytes.max(0) as f64;
    if b < KB {
        format!("{bytes} B")
    } else if b < KB * KB {
        format!("{:.0} KB", b / KB)
    } else if b < KB * KB * KB {
        format!("{:.1} MB", b / KB / KB)
    } else {
        format!("{:.1} GB", b / KB / KB / KB)
    }
}

/// Initials for an avatar: the first letters of the first two words.
pub fn initials(name: &str) -> String {
    let letters: String = name
        .split_whitespace()
        .filter_map(|w| w.chars().find(|c| c.is_alphanumeric()))
        .take(2)
        .flat_map(char::to_uppercase)
        .collect();
    if letters.is_empty() {
        "?".to_string()
    } else {
        letters
    }
}

/// Milliseconds since the epoch to a UTC instant (out-of-range values clamp to the epoch).
pub fn from_millis(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(text: &str) -> Segment {
        Segment {
            text: text.into(),
            style: Style::default(),
            href: None,
        }
    }

    #[test]
    fn bold_italic_strike_mono() {
        let s = parse_formatting("hi *there* _you_ ~old~ ```x*y```");
        let styled: Vec<_> = s.iter().filter(|s| s.style != Style::default()).collect();
        assert_eq!(styled.len(), 4);
        assert!(styled[0].style.bold && styled[0].text == "there");
        assert!(styled[1].style.italic && styled[1].text == "you");
        assert!(styled[2].style.strike && styled[2].text == "old");
        assert!(styled[3].style.mono && styled[3].text == "x*y");
    }

    #[test]
    fn nested_styles() {
        let s = parse_formatting("*bold _both_*");
        assert_eq!(s.len(), 2);
        assert!(s[1].style.bold && s[1].style.italic && s[1].text == "both");
    }

    #[test]
    fn unpaired_or_inner_markers_stay_literal() {
        assert_eq!(parse_formatting("2*3*4 = 24"), vec![plain("2*3*4 = 24")]);
        assert_eq!(
            parse_formatting("* not bold *"),
            vec![plain("* not bold *")]
        );
        assert_eq!(
            parse_formatting("snake_case_name"),
            vec![plain("snake_case_name")]
        );
        assert_eq!(
            parse_formatting("*open\nclose*"),
            vec![plain("*open\nclose*")]
        );
    }

    #[test]
    fn links_only_safe_schemes() {
        let s = parse_formatting("see https://example.com/a?b=1. or javascript:alert(1)");
        assert_eq!(s[1].href.as_deref(), Some("https://example.com/a?b=1"));
        assert_eq!(s[2].text, ". or javascript:alert(1)");
        assert!(s[2].href.is_none());
        let mail = parse_formatting("mailto:help@example.com");
        assert_eq!(mail[0].href.as_deref(), Some("mailto:help@example.com"));
        assert!(parse_formatting("https://")
            .iter()
            .all(|s| s.href.is_none()));
        assert!(parse_formatting("xhttps://evil")
            .iter()
            .all(|s| s.href.is_none()));
    }

    #[test]
    fn plain_text_drops_markers() {
        assert_eq!(
            plain_text("see *you* at _10_ ~no~ ```x```"),
            "see you at 10 no x"
        );
        assert_eq!(plain_text("2*3*4"), "2*3*4");
    }

    #[test]
    fn markup_is_kept_as_text() {
        let s = parse_formatting("<script>alert(1)</script>");
        assert_eq!(s, vec![plain("<script>alert(1)</script>")]);
    }

    #[test]
    fn list_and_day_labels() {
        let utc = offset_from_minutes(0);
        let now = DateTime::parse_from_rfc3339("2026-11-22T15:00:00Z")
            .unwrap()
            .to_utc();
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        let en = Lang::En;
        assert_eq!(list_time(at("2026-11-22T09:05:00Z"), now, utc, en), "09:05");
        assert_eq!(
            list_time(at("2026-11-21T23:00:00Z"), now, utc, en),
            "Yesterday"
        );
        assert_eq!(
            list_time(at("2026-11-18T10:00:00Z"), now, utc, en),
            "Wednesday"
        );
        assert_eq!(list_time(at("2026-03-02T10:00:00Z"), now, utc, en), "2 Mar");
        assert_eq!(
            list_time(at("2025-03-02T10:00:00Z"), now, utc, en),
            "2 Mar 2025"
        );
        assert_eq!(day_label(at("2026-11-22T00:01:00Z"), now, utc, en), "Today");
        assert_eq!(
            day_label(at("2026-03-02T10:00:00Z"), now, utc, en),
            "2 March"
        );
        // 23:00 UTC on the 21st is already the 22nd two hours east.
        assert_eq!(
            day_label(
                at("2026-11-21T23:00:00Z"),
                now,
                offset_from_minutes(120),
                en
            ),
            "Today"
        );
    }

    #[test]
    fn english_names_are_chronos() {
        // The catalogue's names read as chrono's English ones did.
        let now = DateTime::parse_from_rfc3339("2026-12-31T15:00:00Z")
            .unwrap()
            .to_utc();
        let utc = offset_from_minutes(0);
        for days in 2..400 {
            let at = now - chrono::Duration::days(days);
            let day = at.date_naive();
            let (list, label) = (
                list_time(at, now, utc, Lang::En),
                day_label(at, now, utc, Lang::En),
            );
            let (short, long) = match days {
                2..=6 => ("%A", "%A"),
                _ if day.year() == now.year() => ("%-d %b", "%-d %B"),
                _ => ("%-d %b %Y", "%-d %B %Y"),
            };
            assert_eq!(list, day.format(short).to_string());
            assert_eq!(label, day.format(long).to_string());
        }
    }

    #[test]
    fn spanish_labels() {
        let utc = offset_from_minutes(0);
        let now = DateTime::parse_from_rfc3339("2026-11-22T15:00:00Z")
            .unwrap()
            .to_utc();
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        let es = Lang::Es;
        assert_eq!(list_time(at("2026-11-22T09:05:00Z"), now, utc, es), "09:05");
        assert_eq!(list_time(at("2026-11-22T21:40:00Z"), now, utc, es), "21:40");
        assert_eq!(list_time(at("2026-11-21T23:00:00Z"), now, utc, es), "Ayer");
        assert_eq!(
            list_time(at("2026-11-18T10:00:00Z"), now, utc, es),
            "Miércoles"
        );
        assert_eq!(list_time(at("2026-11-16T10:00:00Z"), now, utc, es), "Lunes");
        assert_eq!(list_time(at("2026-03-02T10:00:00Z"), now, utc, es), "2 mar");
        assert_eq!(
            list_time(at("2026-09-15T10:00:00Z"), now, utc, es),
            "15 sept"
        );
        assert_eq!(
            list_time(at("2025-01-02T10:00:00Z"), now, utc, es),
            "2 ene 2025"
        );
        assert_eq!(day_label(at("2026-11-22T00:01:00Z"), now, utc, es), "Hoy");
        assert_eq!(day_label(at("2026-11-21T10:00:00Z"), now, utc, es), "Ayer");
        assert_eq!(
            day_label(at("2026-11-21T10:00:00Z"), now, utc, es),
            list_time(at("2026-11-21T10:00:00Z"), now, utc, es)
        );
        assert_eq!(
            day_label(
                at("2026-11-21T23:00:00Z"),
                now,
                offset_from_minutes(120),
                es
            ),
            "Hoy"
        );
        assert_eq!(
            day_label(
                at("2026-11-22T06:00:00Z"),
                now,
                offset_from_minutes(-8 * 60),
                es
            ),
            "Ayer"
        );
        assert_eq!(
            day_label(at("2026-11-19T10:00:00Z"), now, utc, es),
            "Jueves"
        );
        assert_eq!(
            day_label(at("2026-03-02T10:00:00Z"), now, utc, es),
            "2 de marzo"
        );
        assert_eq!(
            day_label(at("2025-12-24T10:00:00Z"), now, utc, es),
            "24 de diciembre de 2025"
        );
        // 24-hour times, in the reader's zone.
        assert_eq!(
            clock_time(at("2026-11-22T13:05:00Z"), offset_from_minutes(-5 * 60), es),
            "08:05"
        );
        assert_eq!(clock_time(at("2026-11-22T23:59:00Z"), utc, es), "23:59");
    }

    #[test]
    fn sizes_and_initials() {
        assert_eq!(human_size(820), "820 B");
        assert_eq!(human_size(14 * 1024), "14 KB");
        assert_eq!(human_size(2_516_582), "2.4 MB");
        assert_eq!(initials("ana maría lópez"), "AM");
        assert_eq!(initials("  "), "?");
        assert_eq!(initials("+34 600"), "36");
    }
}
