//! Every integration test, in one binary (the crate is linked once): each module is an
//! area of the product, tried against a real server on a real port and a real database
//! (SQLite, or PostgreSQL with `TEST_BACKEND=postgres`; see `common`).

mod common;

mod agents;
mod api;
mod embed;
mod instances;
mod jwt;
mod live;
mod media;
mod openapi;
mod schema;
mod scope;
mod security;
mod webhooks;
