//! Text and time formatting shared by the server render and the browser: WhatsApp-style
//! markup parsed into segments (rendered as view nodes, never as HTML), and local times in
//! the UI's language.

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

/// An instant as a reader sees it: milliseconds since the epoch, and the reader's offset
/// from UTC at that instant (minutes east; the browser says it per instant, so summer
/// time is right on both sides of a change).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    pub ms: i64,
    pub offset_minutes: i32,
}

impl LocalTime {
    pub fn new(ms: i64, offset_minutes: i32) -> Self {
        Self {
            ms,
            offset_minutes: offset_minutes.clamp(-14 * 60, 14 * 60),
        }
    }

    /// In UTC (the server's rendering, before the browser's zone is known).
    pub fn utc(ms: i64) -> Self {
        Self::new(ms, 0)
    }

    fn local_ms(self) -> i64 {
        self.ms + i64::from(self.offset_minutes) * 60_000
    }

    /// Days since 1970-01-01, in the reader's zone.
    fn day(self) -> i64 {
        self.local_ms().div_euclid(86_400_000)
    }
}

/// Year, month (1–12) and day of a day number (days since 1970-01-01), after Howard
/// Hinnant's `civil_from_days`.
fn civil(days: i64) -> (i64, usize, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as usize;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Local time of day, 24-hour `14:05` (in both languages).
pub fn clock_time(at: LocalTime, _lang: Lang) -> String {
    let minutes = at.local_ms().div_euclid(60_000).rem_euclid(24 * 60);
    let (h, m) = (minutes / 60, minutes % 60);
    let digit = |n: i64| char::from(b'0' + n as u8);
    [
        digit(h / 10),
        digit(h % 10),
        ':',
        digit(m / 10),
        digit(m % 10),
    ]
    .into_iter()
    .collect()
}

/// The list's timestamp, as WhatsApp shows it: the time today, `Yesterday`, the weekday
/// within a week, then the date (`2 Mar`, `2 mar 2025`).
pub fn list_time(at: LocalTime, now: LocalTime, lang: Lang) -> String {
    let t = text(lang);
    let (day, today) = (at.day(), now.day());
    let (year, month, date) = civil(day);
    let this_year = civil(today).0;
    let month = t.months_short[month - 1];
    match today - day {
        i64::MIN..=0 => clock_time(at, lang),
        1 => t.yesterday.to_string(),
        2..=6 => weekday(day, lang).to_string(),
        _ if year == this_year => (t.date_short)(date, month, None),
        _ => (t.date_short)(date, month, Some(year as i32)),
    }
}

/// A thread's day separator: `Today`, `Yesterday`, the weekday within a week, then the
/// date (`2 March`, `2 de marzo de 2025`).
pub fn day_label(at: LocalTime, now: LocalTime, lang: Lang) -> String {
    let t = text(lang);
    let (day, today) = (at.day(), now.day());
    let (year, month, date) = civil(day);
    let this_year = civil(today).0;
    let month = t.months[month - 1];
    match today - day {
        i64::MIN..=0 => t.today.to_string(),
        1 => t.yesterday.to_string(),
        2..=6 => weekday(day, lang).to_string(),
        _ if year == this_year => (t.date_long)(date, month, None),
        _ => (t.date_long)(date, month, Some(year as i32)),
    }
}

fn weekday(day: i64, lang: Lang) -> &'static str {
    // 1970-01-01 was a Thursday; the catalogue's weeks start on Monday.
    text(lang).weekdays[(day + 3).rem_euclid(7) as usize]
}

/// Whether two instants fall on the same local day.
pub fn same_day(a: LocalTime, b: LocalTime) -> bool {
    a.day() == b.day()
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
pub fn from_millis(ms: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default()
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

    use chrono::{DateTime, Datelike};

    fn at(s: &str) -> LocalTime {
        LocalTime::utc(DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis())
    }

    fn east(t: LocalTime, minutes: i32) -> LocalTime {
        LocalTime::new(t.ms, minutes)
    }

    #[test]
    fn list_and_day_labels() {
        let now = at("2026-11-22T15:00:00Z");
        let en = Lang::En;
        assert_eq!(list_time(at("2026-11-22T09:05:00Z"), now, en), "09:05");
        assert_eq!(list_time(at("2026-11-21T23:00:00Z"), now, en), "Yesterday");
        assert_eq!(list_time(at("2026-11-18T10:00:00Z"), now, en), "Wednesday");
        assert_eq!(list_time(at("2026-03-02T10:00:00Z"), now, en), "2 Mar");
        assert_eq!(list_time(at("2025-03-02T10:00:00Z"), now, en), "2 Mar 2025");
        assert_eq!(day_label(at("2026-11-22T00:01:00Z"), now, en), "Today");
        assert_eq!(day_label(at("2026-03-02T10:00:00Z"), now, en), "2 March");
        // 23:00 UTC on the 21st is already the 22nd two hours east.
        assert_eq!(
            day_label(east(at("2026-11-21T23:00:00Z"), 120), east(now, 120), en),
            "Today"
        );
        assert!(same_day(
            east(at("2026-11-21T23:00:00Z"), 120),
            east(at("2026-11-22T20:00:00Z"), 120)
        ));
        assert!(!same_day(
            at("2026-11-21T23:00:00Z"),
            at("2026-11-22T20:00:00Z")
        ));
    }

    #[test]
    fn dates_read_as_chronos() {
        // The arithmetic gives chrono's calendar, its English names included.
        let now = DateTime::parse_from_rfc3339("2026-12-31T15:00:00Z")
            .unwrap()
            .to_utc();
        for days in (2..400).chain([800, 20_000, 40_000]) {
            let instant = now - chrono::Duration::days(days);
            let day = instant.date_naive();
            let (t, n) = (
                LocalTime::utc(instant.timestamp_millis()),
                LocalTime::utc(now.timestamp_millis()),
            );
            let (short, long) = match days {
                2..=6 => ("%A", "%A"),
                _ if day.year() == now.year() => ("%-d %b", "%-d %B"),
                _ => ("%-d %b %Y", "%-d %B %Y"),
            };
            assert_eq!(list_time(t, n, Lang::En), day.format(short).to_string());
            assert_eq!(day_label(t, n, Lang::En), day.format(long).to_string());
        }
        // Before the epoch too.
        let old = DateTime::parse_from_rfc3339("1969-07-20T20:17:00Z").unwrap();
        assert_eq!(
            day_label(
                LocalTime::utc(old.timestamp_millis()),
                LocalTime::utc(0),
                Lang::En
            ),
            "20 July 1969"
        );
        assert_eq!(
            clock_time(LocalTime::utc(old.timestamp_millis()), Lang::En),
            "20:17"
        );
    }

    #[test]
    fn spanish_labels() {
        let now = at("2026-11-22T15:00:00Z");
        let es = Lang::Es;
        assert_eq!(list_time(at("2026-11-22T09:05:00Z"), now, es), "09:05");
        assert_eq!(list_time(at("2026-11-22T21:40:00Z"), now, es), "21:40");
        assert_eq!(list_time(at("2026-11-21T23:00:00Z"), now, es), "Ayer");
        assert_eq!(list_time(at("2026-11-18T10:00:00Z"), now, es), "Miércoles");
        assert_eq!(list_time(at("2026-11-16T10:00:00Z"), now, es), "Lunes");
        assert_eq!(list_time(at("2026-03-02T10:00:00Z"), now, es), "2 mar");
        assert_eq!(list_time(at("2026-09-15T10:00:00Z"), now, es), "15 sept");
        assert_eq!(list_time(at("2025-01-02T10:00:00Z"), now, es), "2 ene 2025");
        assert_eq!(day_label(at("2026-11-22T00:01:00Z"), now, es), "Hoy");
        assert_eq!(day_label(at("2026-11-21T10:00:00Z"), now, es), "Ayer");
        assert_eq!(
            day_label(at("2026-11-21T10:00:00Z"), now, es),
            list_time(at("2026-11-21T10:00:00Z"), now, es)
        );
        assert_eq!(
            day_label(east(at("2026-11-21T23:00:00Z"), 120), east(now, 120), es),
            "Hoy"
        );
        assert_eq!(
            day_label(
                east(at("2026-11-22T06:00:00Z"), -8 * 60),
                east(now, -8 * 60),
                es
            ),
            "Ayer"
        );
        assert_eq!(day_label(at("2026-11-19T10:00:00Z"), now, es), "Jueves");
        assert_eq!(day_label(at("2026-03-02T10:00:00Z"), now, es), "2 de marzo");
        assert_eq!(
            day_label(at("2025-12-24T10:00:00Z"), now, es),
            "24 de diciembre de 2025"
        );
        // 24-hour times, in the reader's zone.
        assert_eq!(
            clock_time(east(at("2026-11-22T13:05:00Z"), -5 * 60), es),
            "08:05"
        );
        assert_eq!(clock_time(at("2026-11-22T23:59:00Z"), es), "23:59");
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
