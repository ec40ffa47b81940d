//! The sidebar in the browser: its filter controls, and the list's rows as pages and live
//! events bring them. Rows are the server's HTML; this only puts them in their place
//! (newest activity first, by `data-at`), takes away those that no longer belong, and
//! points their links at the page.

use std::cell::{Cell, RefCell};

use uuid::Uuid;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlInputElement, HtmlSelectElement};

use super::dom;
use super::live::LiveStatus;
use super::Page;
use crate::actions::{list_fragment, EmbedError, ListRows};
use crate::app::i18n::error_text;
use crate::app::page::PageInit;
use crate::model::{
    ConversationFacts, Filters, Lang, LiveFrame, RowChange, StatusFilter, Tab, MAX_SEARCH_CHARS,
};

/// How close to the bottom (px) the next page starts loading.
const LOAD_AHEAD_PX: i32 = 400;
const SEARCH_DEBOUNCE_MS: i32 = 300;

pub struct List {
    /// The log position the list's first page was read at: older events are in it.
    read_at: Cell<i64>,
    /// The cursor of the page after the loaded ones.
    cursor: RefCell<Option<String>>,
    /// Counts first-page requests: only the latest one's answer is shown.
    requests: Cell<u64>,
    loading_more: Cell<bool>,
    pending_search: Cell<Option<i32>>,
    agent: Option<Uuid>,
    assignee: Option<Uuid>,
}

fn rows() -> Option<Element> {
    dom::find(None, "ul.conversation-list")
}

fn scroller() -> Option<HtmlElement> {
    dom::find_html(None, ".conversation-scroll")
}

impl List {
    pub fn new(init: &PageInit) -> Self {
        Self {
            read_at: Cell::new(init.last_event_id),
            cursor: RefCell::new(None),
            requests: Cell::new(0),
            loading_more: Cell::new(false),
            pending_search: Cell::new(None),
            agent: init.agent.as_ref().map(|a| a.user_id),
            assignee: init.assignee,
        }
    }

    /// Takes over the server's sidebar: its controls, paging, and the rows' links.
    pub fn start(&self, page: &Page) {
        *self.cursor.borrow_mut() = dom::find(None, ".list-more")
            .and_then(|more| more.get_attribute("data-cursor"))
            .filter(|c| !c.is_empty());
        if let Some(rows) = rows() {
            for row in dom::find_all(&rows, "a[data-conversation-id]") {
                dom::set_attr(&row, "data-event", &self.read_at.get().to_string());
            }
        }
        start_controls();
        if let Some(button) = dom::find(None, ".list-more .load-more") {
            dom::listen(&button, "click", |_: web_sys::Event| {
                let page = Page::get();
                page.0.list.load_more(&page);
            });
        }
        if let Some(scroller) = scroller() {
            dom::listen(&scroller.clone(), "scroll", move |_: web_sys::Event| {
                if scroller.scroll_top() + scroller.client_height()
                    >= scroller.scroll_height() - LOAD_AHEAD_PX
                {
                    let page = Page::get();
                    page.0.list.load_more(&page);
                }
            });
        }
        point_links(page, None);
    }

    /// The filters changed: the controls show them and the first page is read again.
    pub fn follow_filters(&self, page: &Page) {
        show_filters(&page.filters());
        self.reload(page);
    }

    /// Reads the first page for the current filters.
    pub fn reload(&self, page: &Page) {
        let request = self.requests.get() + 1;
        self.requests.set(request);
        if let Some(scroller) = scroller() {
            dom::set_attr(&scroller, "aria-busy", "true");
        }
        let (token, filters, lang) = (page.token(), page.filters(), page.lang());
        wasm_bindgen_futures::spawn_local(async move {
            let result = list_fragment(token, filters, None, lang).await;
            let page = Page::get();
            let list = &page.0.list;
            if list.requests.get() != request {
                return;
            }
            if let Some(scroller) = scroller() {
                dom::set_attr(&scroller, "aria-busy", "false");
                scroller.set_scroll_top(0);
            }
            list.loading_more.set(false);
            match result {
                Ok(fragment) => list.show_first(&page, fragment),
                Err(error) => show_error(lang, Some(&error)),
            }
        });
    }

    fn show_first(&self, page: &Page, fragment: ListRows) {
        show_error(page.lang(), None);
        self.read_at.set(fragment.read_at);
        *self.cursor.borrow_mut() = fragment.next_cursor;
        if let Some(slot) = dom::find(None, ".empty-list-slot") {
            slot.set_inner_html("");
            for el in dom::elements_of(&fragment.empty) {
                let _ = slot.append_child(&el);
            }
        }
        if let Some(rows) = rows() {
            rows.set_inner_html("");
            self.append(page, &rows, &fragment.rows, fragment.read_at);
        }
        self.after_change(page);
    }

    /// Reads the page after the loaded ones, if there is one.
    fn load_more(&self, page: &Page) {
        if self.loading_more.get() {
            return;
        }
        let Some(cursor) = self.cursor.borrow().clone() else {
            return;
        };
        self.loading_more.set(true);
        let request = self.requests.get();
        if let Some(button) = dom::find(None, ".list-more .load-more") {
            dom::set_attr(&button, "aria-busy", "true");
        }
        let (token, filters, lang) = (page.token(), page.filters(), page.lang());
        wasm_bindgen_futures::spawn_local(async move {
            let result = list_fragment(token, filters, Some(cursor), lang).await;
            let page = Page::get();
            let list = &page.0.list;
            if let Some(button) = dom::find(None, ".list-more .load-more") {
                dom::set_attr(&button, "aria-busy", "false");
            }
            // New filters came meanwhile: this page is of the old ones.
            if list.requests.get() != request {
                return;
            }
            list.loading_more.set(false);
            match result {
                Ok(next) => {
                    *list.cursor.borrow_mut() = next.next_cursor;
                    if let Some(rows) = rows() {
                        list.append(&page, &rows, &next.rows, next.read_at);
                    }
                    list.after_change(&page);
                }
                Err(error) => show_more_error(lang, &error),
            }
        });
    }

    /// Adds a page's rows after those shown (none twice), read at `read_at`.
    fn append(&self, page: &Page, rows: &Element, html: &str, read_at: i64) {
        for li in dom::elements_of(html) {
            let Some(id) = row_id(&li) else { continue };
            if row_of(rows, &id).is_some() {
                continue;
            }
            if let Some(a) = dom::find(Some(&li), "a[data-conversation-id]") {
                dom::set_attr(&a, "data-event", &read_at.to_string());
            }
            let _ = rows.append_child(&li);
            self.prepare(page, &li);
        }
    }

    /// A new row's links, state and times.
    fn prepare(&self, page: &Page, li: &Element) {
        point_links(page, Some(li));
        if let Some(a) = dom::find(Some(li), "a[data-conversation-id]") {
            let open = row_id(li).is_some_and(|id| Some(id) == page.open());
            dom::toggle_class(&a, "active", open);
            if open {
                dom::set_attr(&a, "aria-current", "true");
            }
        }
        page.show_times(li);
    }

    /// A live change to a conversation: its row is drawn anew, moved, added or taken away.
    pub fn receive(&self, page: &Page, frame: &LiveFrame) {
        let LiveFrame::Conversation {
            id,
            conversation,
            html,
            ..
        } = frame
        else {
            return;
        };
        let Some(rows) = rows() else { return };
        let existing = row_of(&rows, &conversation.id);
        let seen = existing
            .as_ref()
            .and_then(|li| dom::find(Some(li), "a[data-event]"))
            .and_then(|a| a.get_attribute("data-event"))
            .and_then(|e| e.parse::<i64>().ok())
            .unwrap_or(self.read_at.get());
        // What the loaded pages show already.
        if *id <= seen {
            return;
        }
        let watched = page.watched(conversation.id).unwrap_or(existing.is_some());
        let change = conversation.row_change(&page.filters(), self.assignee, self.agent, watched);
        match (change, existing) {
            (RowChange::Hide, Some(li)) => li.remove(),
            (RowChange::Hide, None) | (RowChange::ShowIfThere, None) => return,
            (RowChange::Show | RowChange::ShowIfThere, existing) => {
                let Some(li) = dom::elements_of(html).into_iter().next() else {
                    return;
                };
                if let Some(a) = dom::find(Some(&li), "a[data-conversation-id]") {
                    dom::set_attr(&a, "data-event", &id.to_string());
                }
                if let Some(old) = existing {
                    old.remove();
                }
                if !self.place(&rows, &li, conversation) {
                    return;
                }
                self.prepare(page, &li);
            }
        }
        self.after_change(page);
    }

    /// Puts a row where its last activity puts it; false when that is past the loaded
    /// rows while more pages are still to come (that page will bring it).
    fn place(&self, rows: &Element, li: &Element, c: &ConversationFacts) -> bool {
        let key = (c.last_message_at, c.id);
        for other in dom::find_all(rows, ":scope > li") {
            let other_key = row_key(&other);
            if other_key.is_some_and(|k| k < key) {
                let _ = rows.insert_before(li, Some(&other));
                return true;
            }
        }
        if self.cursor.borrow().is_some() {
            return false;
        }
        let _ = rows.append_child(li);
        true
    }

    /// What depends on the rows shown: the empty state, the next page's button.
    fn after_change(&self, page: &Page) {
        let count = rows().map_or(0, |r| r.child_element_count());
        let failed = dom::find(None, ".conversation-scroll > .list-error").is_some();
        if let Some(slot) = dom::find(None, ".empty-list-slot") {
            // The last row left: the server says what an empty list says (and brings the
            // next page's rows, if there were more).
            if count == 0 && !failed && slot.child_element_count() == 0 {
                self.reload(page);
            }
            dom::toggle_attr(&slot, "hidden", count > 0 || failed);
        }
        if let Some(rows) = rows() {
            dom::toggle_attr(&rows, "hidden", count == 0);
        }
        if let Some(more) = dom::find(None, ".list-more") {
            dom::toggle_attr(&more, "hidden", self.cursor.borrow().is_none());
        }
    }

    /// The open conversation's row is marked.
    pub fn mark_open(&self, open: Option<Uuid>) {
        let Some(rows) = rows() else { return };
        for a in dom::find_all(&rows, "a[data-conversation-id]") {
            let is_open = a
                .get_attribute("data-conversation-id")
                .and_then(|id| Uuid::parse_str(&id).ok())
                == open
                && open.is_some();
            dom::toggle_class(&a, "active", is_open);
            if is_open {
                dom::set_attr(&a, "aria-current", "true");
            } else {
                let _ = a.remove_attribute("aria-current");
            }
        }
    }

    /// The agent stopped or started watching a conversation: the watched tab follows.
    pub fn watched_changed(&self, page: &Page, id: Uuid, watched: bool) {
        if page.filters().tab != Tab::Watched || self.agent.is_none() {
            return;
        }
        if watched {
            self.reload(page);
        } else if let Some(li) = rows().and_then(|rows| row_of(&rows, &id)) {
            li.remove();
            self.after_change(page);
        }
    }
}

fn row_id(li: &Element) -> Option<Uuid> {
    dom::find(Some(li), "a[data-conversation-id]")?
        .get_attribute("data-conversation-id")
        .and_then(|id| Uuid::parse_str(&id).ok())
}

fn row_key(li: &Element) -> Option<(i64, Uuid)> {
    let a = dom::find(Some(li), "a[data-conversation-id]")?;
    let at = a.get_attribute("data-at")?.parse().ok()?;
    Some((at, row_id(li)?))
}

fn row_of(rows: &Element, id: &Uuid) -> Option<Element> {
    dom::find(Some(rows), &format!("a[data-conversation-id=\"{id}\"]"))
        .and_then(|a| a.closest("li").ok().flatten())
}

/// Why the first page could not be read (none: it could).
fn show_error(lang: Lang, error: Option<&EmbedError>) {
    let Some(scroller) = scroller() else { return };
    let existing = dom::find(Some(&scroller), ":scope > .list-error");
    match (error, existing) {
        (None, Some(el)) => el.remove(),
        (None, None) => {}
        (Some(error), existing) => {
            let el = existing.unwrap_or_else(|| {
                let p = dom::document().create_element("p").expect("an element");
                dom::set_attr(&p, "class", "list-error");
                dom::set_attr(&p, "role", "alert");
                let _ = scroller.prepend_with_node_1(&p);
                p
            });
            el.set_text_content(Some(&error_text(lang, error)));
            for part in [".empty-list-slot", "ul.conversation-list"] {
                if let Some(part) = dom::find(Some(&scroller), part) {
                    dom::toggle_attr(&part, "hidden", true);
                }
            }
        }
    }
}

fn show_more_error(lang: Lang, error: &EmbedError) {
    let Some(more) = dom::find(None, ".list-more") else {
        return;
    };
    let el = dom::find(Some(&more), ".list-error").unwrap_or_else(|| {
        let p = dom::document().create_element("p").expect("an element");
        dom::set_attr(&p, "class", "list-error");
        dom::set_attr(&p, "role", "alert");
        let _ = more.prepend_with_node_1(&p);
        p
    });
    el.set_text_content(Some(&error_text(lang, error)));
    Page::get().0.list.loading_more.set(false);
}

/// The live indicator shows the socket's state.
pub fn show_status(lang: Lang, status: LiveStatus) {
    let Some(indicator) = dom::find(None, "[data-testid=connection-status]") else {
        return;
    };
    dom::set_attr(
        &indicator,
        "class",
        &format!("live-indicator live-{}", status.as_str()),
    );
    dom::set_attr(&indicator, "data-state", status.state());
    dom::set_attr(&indicator, "data-phase", status.as_str());
    dom::set_attr(&indicator, "title", status.title(lang));
    if let Some(label) = dom::find(Some(&indicator), ".live-label") {
        label.set_text_content(Some(status.label(lang)));
    }
}

/// Points the links under `root` (the document without one) at the page.
pub fn point_links(page: &Page, root: Option<&Element>) {
    let Some(root) = root
        .cloned()
        .or_else(|| dom::document().body().map(Into::into))
    else {
        return;
    };
    let filters = page.filters();
    for a in dom::find_all(&root, "a[data-conversation-id]") {
        if let Some(id) = a
            .get_attribute("data-conversation-id")
            .and_then(|id| Uuid::parse_str(&id).ok())
        {
            dom::set_attr(&a, "href", &page.href(Some(id), &filters));
        }
    }
    for a in dom::find_all(&root, "a[data-tab]") {
        if let Some(tab) = a.get_attribute("data-tab").as_deref().and_then(Tab::parse) {
            let next = Filters {
                tab,
                ..filters.clone()
            };
            dom::set_attr(&a, "href", &page.href(page.open(), &next));
            let current = filters.tab == tab;
            dom::toggle_class(&a, "active", current);
            if current {
                dom::set_attr(&a, "aria-current", "page");
            } else {
                let _ = a.remove_attribute("aria-current");
            }
        }
    }
    for a in dom::find_all(&root, "a[data-back-link]") {
        dom::set_attr(&a, "href", &page.href(None, &filters));
    }
    for a in dom::find_all(&root, "a[data-clear-filters]") {
        let only_tab = Filters {
            tab: filters.tab,
            ..Default::default()
        };
        dom::set_attr(&a, "href", &page.href(page.open(), &only_tab));
    }
    let token = page.token();
    for el in dom::find_all(&root, "[data-media-id]") {
        let Some(id) = el.get_attribute("data-media-id") else {
            continue;
        };
        let url = format!("/embed/{token}/media/{id}");
        let attr = if el.tag_name().eq_ignore_ascii_case("a") {
            "href"
        } else {
            "src"
        };
        if el.get_attribute(attr).as_deref() != Some(url.as_str()) {
            dom::set_attr(&el, attr, &url);
        }
    }
}

/// The filter controls: each change moves the page to the next filters.
fn start_controls() {
    let go = |change: &dyn Fn(&mut Filters), replace: bool| {
        let page = Page::get();
        let mut next = page.filters();
        change(&mut next);
        if next != page.filters() {
            page.go(page.open(), next, replace);
        }
    };
    if let Some(group) = dom::find(None, "[data-testid=filter-status]") {
        dom::listen(&group, "click", move |event: web_sys::Event| {
            let status = dom::closest(&event, "button[data-value]")
                .and_then(|b| b.get_attribute("data-value"))
                .as_deref()
                .and_then(StatusFilter::parse);
            if let Some(status) = status {
                go(&|f| f.status = status, false);
            }
        });
    }
    for (testid, flag) in [
        (
            "filter-unread",
            (|f: &mut Filters| &mut f.unread) as fn(&mut Filters) -> &mut bool,
        ),
        ("filter-handoff", |f: &mut Filters| &mut f.handoff),
    ] {
        if let Some(chip) = dom::find(None, &format!("[data-testid={testid}]")) {
            dom::listen(&chip, "click", move |_: web_sys::Event| {
                go(&|f| *flag(f) = !*flag(f), false);
            });
        }
    }
    if let Some(select) = dom::find(None, "[data-testid=filter-inbox]") {
        dom::listen(&select, "change", move |event: web_sys::Event| {
            let value = event
                .target()
                .and_then(|t| t.dyn_into::<HtmlSelectElement>().ok())
                .map(|s| s.value())
                .unwrap_or_default();
            let inbox = Uuid::parse_str(&value).ok();
            go(&|f| f.whatsapp_config_id = inbox, false);
        });
    }
    if let Some(input) = dom::find(None, "[data-testid=filter-search]") {
        let search_now = move |typed: String| {
            let page = Page::get();
            dom::clear_after(page.0.list.pending_search.take());
            let search: String = typed.trim().chars().take(MAX_SEARCH_CHARS).collect();
            // Typing makes no history: the entry is replaced.
            go(&|f| f.search = search.clone(), true);
        };
        dom::listen(&input, "input", move |event: web_sys::Event| {
            let Some(typed) = input_value(&event) else {
                return;
            };
            let page = Page::get();
            dom::clear_after(page.0.list.pending_search.take());
            let handle = dom::after(SEARCH_DEBOUNCE_MS, move || search_now(typed));
            page.0.list.pending_search.set(handle);
        });
        dom::listen(&input, "keydown", move |event: web_sys::KeyboardEvent| {
            if event.key() == "Enter" {
                if let Some(typed) = input_value(&event) {
                    search_now(typed);
                }
            }
        });
    }
}

fn input_value(event: &web_sys::Event) -> Option<String> {
    event
        .target()?
        .dyn_into::<HtmlInputElement>()
        .ok()
        .map(|i| i.value())
}

/// The controls show `filters` (after Back, Forward, a tab or a host's `set_filters`).
fn show_filters(filters: &Filters) {
    if let Some(group) = dom::find(None, "[data-testid=filter-status]") {
        for button in dom::find_all(&group, "button[data-value]") {
            let pressed =
                button.get_attribute("data-value").as_deref() == Some(filters.status.as_str());
            dom::set_attr(
                &button,
                "aria-pressed",
                if pressed { "true" } else { "false" },
            );
        }
    }
    for (testid, on) in [
        ("filter-unread", filters.unread),
        ("filter-handoff", filters.handoff),
    ] {
        if let Some(chip) = dom::find(None, &format!("[data-testid={testid}]")) {
            dom::set_attr(&chip, "aria-pressed", if on { "true" } else { "false" });
        }
    }
    if let Some(select) = dom::find(None, "[data-testid=filter-inbox]")
        .and_then(|s| s.dyn_into::<HtmlSelectElement>().ok())
    {
        let value = filters
            .whatsapp_config_id
            .map_or_else(|| "all".to_string(), |id| id.to_string());
        select.set_value(&value);
    }
    if let Some(input) = dom::find(None, "[data-testid=filter-search]")
        .and_then(|i| i.dyn_into::<HtmlInputElement>().ok())
    {
        if input.value().trim() != filters.search {
            input.set_value(&filters.search);
        }
    }
}
