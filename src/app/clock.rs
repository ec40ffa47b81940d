//! The clock relative times are read against. It starts at the server's time (so the
//! hydrated page matches the server's HTML), then follows the browser's clock and zone.

use chrono::{DateTime, FixedOffset, Utc};
use leptos::prelude::*;

use crate::model::{from_millis, offset_from_minutes};

#[derive(Clone, Copy)]
pub struct Clock {
    pub now: RwSignal<DateTime<Utc>>,
    pub offset: RwSignal<FixedOffset>,
}

impl Clock {
    pub fn provide(server_now_ms: i64) -> Self {
        let clock = Self {
            now: RwSignal::new(from_millis(server_now_ms)),
            offset: RwSignal::new(offset_from_minutes(0)),
        };
        provide_context(clock);
        #[cfg(feature = "hydrate")]
        Effect::new(move |_| {
            let tick = move || {
                let date = js_sys::Date::new_0();
                clock.now.set(from_millis(date.get_time() as i64));
                // getTimezoneOffset is minutes west of UTC.
                clock
                    .offset
                    .set(offset_from_minutes(-(date.get_timezone_offset() as i32)));
            };
            tick();
            let _ = set_interval_with_handle(tick, std::time::Duration::from_secs(30));
        });
        clock
    }

    pub fn get() -> Self {
        expect_context::<Self>()
    }
}
