//! What the browser reads of a live event's conversation or message: the few fields that
//! decide where the server's HTML for it goes (which list, which place, which bubble).
//! Times are milliseconds; no calendar library is needed to read them.

use serde::{Deserialize, Deserializer};
use uuid::Uuid;

use super::{ConversationStatus, Direction, Filters, Handoff, MessageKind, MessageStatus, Tab};

/// The conversation of a `conversation.*` event, as the list needs it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ConversationFacts {
    pub id: Uuid,
    pub inbox_id: Uuid,
    pub contact: ContactFacts,
    pub status: ConversationStatus,
    pub handoff: Handoff,
    pub assigned_user_id: Option<Uuid>,
    pub unread_count: i64,
    #[serde(deserialize_with = "millis")]
    pub last_message_at: i64,
    pub preview: Option<PreviewFacts>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ContactFacts {
    pub display_name: String,
    #[serde(default)]
    pub phone_number: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PreviewFacts {
    pub text: String,
}

/// The message of a `message.*` event, as the thread needs it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MessageFacts {
    pub id: Uuid,
    pub direction: Direction,
    pub kind: MessageKind,
    pub status: MessageStatus,
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(deserialize_with = "millis")]
    pub created_at: i64,
}

/// What a change to a conversation does to a list showing some filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowChange {
    /// Show it (in place of its old row, or where its time puts it).
    Show,
    /// It no longer belongs: take its row away.
    Hide,
    /// Only the server can say (a search that may match a message's text): a row already
    /// there is drawn anew, none is added.
    ShowIfThere,
}

impl ConversationFacts {
    /// What this change does to a list with `filters`, for the page's assignee narrowing
    /// and its agent's tab (`watched` says whether the agent watches it).
    pub fn row_change(
        &self,
        filters: &Filters,
        assignee: Option<Uuid>,
        agent: Option<Uuid>,
        watched: bool,
    ) -> RowChange {
        let in_scope = assignee.is_none_or(|a| self.assigned_user_id == Some(a))
            && self.in_tab(filters.tab, agent, watched);
        match filters.admits(self) {
            _ if !in_scope => RowChange::Hide,
            Some(false) => RowChange::Hide,
            Some(true) => RowChange::Show,
            None => RowChange::ShowIfThere,
        }
    }

    /// Whether it belongs in `tab` for the agent `me`. Without an agent every tab is "all".
    pub fn in_tab(&self, tab: Tab, me: Option<Uuid>, watched: bool) -> bool {
        let Some(me) = me else {
            return true;
        };
        match tab {
            Tab::All => true,
            Tab::Mine => self.assigned_user_id == Some(me),
            Tab::New => self.handoff == Handoff::Waiting && self.assigned_user_id.is_none(),
            Tab::Watched => watched,
        }
    }
}

fn millis<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    let text = <&str>::deserialize(deserializer)?;
    rfc3339_millis(text)
        .ok_or_else(|| serde::de::Error::custom("expected an RFC 3339 date and time"))
}

/// Milliseconds since the epoch of an RFC 3339 date and time (`2026-11-22T15:00:00.123Z`,
/// or with an offset such as `+02:00`).
pub fn rfc3339_millis(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let digits = b.get(from..from + len)?;
        digits.iter().try_fold(0i64, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0'))
        })
    };
    let sep = |at: usize, c: u8| b.get(at).is_some_and(|x| x.eq_ignore_ascii_case(&c));
    if !(sep(4, b'-') && sep(7, b'-') && sep(10, b'T') && sep(13, b':') && sep(16, b':')) {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut i = 19;
    let mut millis = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            if i - start < 3 {
                millis = millis * 10 + i64::from(b[i] - b'0');
            }
            i += 1;
        }
        if i == start {
            return None;
        }
        for _ in (i - start)..3 {
            millis *= 10;
        }
    }
    let offset_minutes = match b.get(i)? {
        b'Z' | b'z' if i + 1 == b.len() => 0,
        sign @ (b'+' | b'-') if i + 6 == b.len() && b[i + 3] == b':' => {
            let minutes = num(i + 1, 2)? * 60 + num(i + 4, 2)?;
            if *sign == b'-' {
                -minutes
            } else {
                minutes
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Some(seconds * 1000 + millis)
}

/// Days since 1970-01-01 of a civil date, after Howard Hinnant's `days_from_civil`.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::StatusFilter;

    #[test]
    fn rfc3339_as_chrono_reads_it() {
        for text in [
            "2026-11-22T15:00:00Z",
            "2026-11-22T15:00:00.123Z",
            "2026-11-22T15:00:00.1Z",
            "2026-11-22T15:00:00.123456789Z",
            "2024-02-29T23:59:59Z",
            "1969-07-20T20:17:40Z",
            "2026-03-29T01:30:00+02:00",
            "2026-03-29T01:30:00-05:30",
            "2000-01-01t00:00:00z",
        ] {
            let chrono = chrono::DateTime::parse_from_rfc3339(text)
                .unwrap()
                .timestamp_millis();
            assert_eq!(rfc3339_millis(text), Some(chrono), "{text}");
        }
        let at = crate::model::from_millis(1_796_410_546_789);
        let written = serde_json::to_string(&at).unwrap();
        assert_eq!(
            rfc3339_millis(written.trim_matches('"')),
            Some(1_796_410_546_789)
        );
        for bad in [
            "",
            "2026-11-22",
            "2026-11-22 15:00:00Z",
            "2026-13-22T15:00:00Z",
            "2026-11-22T15:00:00",
            "2026-11-22T15:00:00.Z",
            "2026-11-22T15:00:00+0200",
            "2026-11-22T15:00:00Zjunk",
            "20x6-11-22T15:00:00Z",
        ] {
            assert_eq!(rfc3339_millis(bad), None, "{bad}");
        }
    }

    fn facts(handoff: Handoff, assigned: Option<Uuid>, unread: i64) -> ConversationFacts {
        ConversationFacts {
            id: Uuid::from_u128(1),
            inbox_id: Uuid::from_u128(2),
            contact: ContactFacts {
                display_name: "Ana Martínez".into(),
                phone_number: Some("+34 600".into()),
            },
            status: ConversationStatus::Active,
            handoff,
            assigned_user_id: assigned,
            unread_count: unread,
            last_message_at: 0,
            preview: Some(PreviewFacts {
                text: "Hola".into(),
            }),
        }
    }

    #[test]
    fn what_a_change_does_to_a_list() {
        let any = Filters::default();
        let c = facts(Handoff::Waiting, None, 2);
        assert_eq!(c.row_change(&any, None, None, false), RowChange::Show);
        let ended = Filters {
            status: StatusFilter::Ended,
            ..Default::default()
        };
        assert_eq!(c.row_change(&ended, None, None, false), RowChange::Hide);
        // The name matches whatever its case; a message's text only the server can see.
        let search = |s: &str| Filters {
            search: s.into(),
            ..Default::default()
        };
        assert_eq!(
            c.row_change(&search("ANA MARTÍNEZ"), None, None, false),
            RowChange::Show
        );
        assert_eq!(
            c.row_change(&search("600"), None, None, false),
            RowChange::Show
        );
        assert_eq!(
            c.row_change(&search("parcel"), None, None, false),
            RowChange::ShowIfThere
        );
        // An assignee narrowing and the agent's tabs.
        let me = Uuid::from_u128(7);
        assert_eq!(c.row_change(&any, Some(me), None, false), RowChange::Hide);
        let mine = facts(Handoff::Human, Some(me), 0);
        assert_eq!(
            mine.row_change(&any, Some(me), None, false),
            RowChange::Show
        );
        let tab = |tab| Filters {
            tab,
            ..Default::default()
        };
        assert_eq!(
            c.row_change(&tab(Tab::New), None, Some(me), false),
            RowChange::Show
        );
        assert_eq!(
            mine.row_change(&tab(Tab::New), None, Some(me), false),
            RowChange::Hide
        );
        assert_eq!(
            mine.row_change(&tab(Tab::Mine), None, Some(me), false),
            RowChange::Show
        );
        assert_eq!(
            c.row_change(&tab(Tab::Watched), None, Some(me), false),
            RowChange::Hide
        );
        assert_eq!(
            c.row_change(&tab(Tab::Watched), None, Some(me), true),
            RowChange::Show
        );
        // Without an agent the tab is ignored.
        assert_eq!(
            c.row_change(&tab(Tab::Mine), None, None, false),
            RowChange::Show
        );
    }
}
