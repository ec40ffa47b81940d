//! Below the messages, as the server renders it: the composer (the notice that the
//! conversation left this agent's inbox takes its place; `client::header` shows it).

use leptos::prelude::*;

use crate::app::composer::Composer;
use crate::model::{Handoff, ReplyWindow};

#[component]
pub fn ThreadFooter(window: ReplyWindow, handoff: Handoff) -> impl IntoView {
    view! {
        <div class="composer-slot">
            <Composer window handoff />
        </div>
    }
}
