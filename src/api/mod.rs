//! The HTTP side: the client, the organization API, and the repository check (`api.md`).

pub mod client;
pub mod oauth;
pub mod orgs;
pub mod repo;

pub use client::{Http, Request, Response};
