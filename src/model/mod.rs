//! Plain shared types: what the server stores and the browser renders. No I/O here; this
//! module compiles for both targets.

mod facts;
mod filters;
mod format;
pub mod i18n;
mod live;
mod origin;
mod reason;
mod template;
mod types;

pub use facts::*;
pub use filters::*;
pub use format::*;
pub use i18n::{lang_from_query, text, Catalogue, Lang};
pub use live::*;
pub use origin::*;
pub use reason::Reason;
pub use template::*;
pub use types::*;
