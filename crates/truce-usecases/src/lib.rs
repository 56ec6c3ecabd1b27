//! What Truce does, one module per use-case, between its edges and the store. The
//! command line and the HTTP server both call these; neither repeats their rules, and
//! the command line reaches every one of them without the server crate.

pub mod bootstrap;
pub mod builtin;
pub mod import;
pub mod publishing;
pub mod review;
pub mod search;
pub mod submit;
pub mod webhooks;
