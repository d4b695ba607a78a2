//! conda's files: `.condarc` (lossless edits), its token files, and its index cache.

pub mod cache;
pub mod channels;
pub mod condarc;
pub mod locations;
pub mod settings;
pub mod token_files;
