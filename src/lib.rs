//! A fast, safe, drop-in replacement for `anaconda token` (the Python `anaconda-auth` tool):
//! install and manage Anaconda organization repository tokens for conda.
//!
//! Data flows one way: [`cli`] parses arguments, [`settings`] resolves the configuration once,
//! a command in [`commands`] does the work through [`context::Context`] ([`api`], [`store`],
//! [`conda`], [`prompt`]), and [`output`] prints.

pub mod api;
pub mod binary;
pub mod cli;
pub mod commands;
pub mod conda;
pub mod context;
pub mod error;
pub mod fs;
pub mod output;
pub mod passthrough;
pub mod percent;
pub mod prompt;
pub mod secret;
pub mod settings;
pub mod store;
