//! A fast, safe, drop-in replacement for `anaconda token` (the Python `anaconda-auth` tool):
//! install and manage Anaconda organization repository tokens for conda.
//!
//! Data flows one way: [`cli`] parses arguments, [`settings`] resolves the configuration once,
//! a command in [`commands`] does the work through [`context::Context`] ([`api`], [`store`],
//! [`conda`], [`tools`] for the other package managers' credential stores, [`prompt`]), and
//! [`output`] prints. [`binary`] is what both binaries share (the context they build, the one
//! exit path); [`fs`], [`secret`], [`percent`], [`expiry`] and [`error`] are the ground under
//! all of them; [`passthrough`] hands other `anaconda` subcommands to the next `anaconda` on
//! `PATH`.

pub mod api;
pub mod binary;
pub mod cli;
pub mod commands;
pub mod conda;
pub mod context;
pub mod error;
pub mod expiry;
pub mod fs;
pub mod output;
pub mod passthrough;
pub mod percent;
pub mod prompt;
pub mod secret;
pub mod settings;
pub mod store;
pub mod tools;
