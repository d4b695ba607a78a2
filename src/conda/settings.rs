//! PLACEHOLDER until the full search-path reader lands: CONDA_SSL_VERIFY and ~/.condarc only.
use std::path::{Path, PathBuf};

use crate::conda::condarc::Condarc;
use crate::error::Result;
use crate::settings::{Env, SslVerify};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CondaNetwork {
    pub ssl_verify: Option<SslVerify>,
    pub proxy_servers: Vec<(String, String)>,
    pub client_ssl_cert: Option<PathBuf>,
    pub client_ssl_cert_key: Option<PathBuf>,
}

pub fn system_dirs() -> Vec<PathBuf> {
    vec![PathBuf::from("/etc/conda"), PathBuf::from("/var/lib/conda")]
}

pub fn load(env: &Env, home: &Path, _system_dirs: &[PathBuf]) -> Result<CondaNetwork> {
    let rc = Condarc::load(&home.join(".condarc"))?;
    let ssl_verify = env
        .get("CONDA_SSL_VERIFY")
        .map(str::to_string)
        .or_else(|| rc.get_scalar("ssl_verify").filter(|v| !v.is_empty()))
        .map(|v| SslVerify::parse(&v).expanded(env));
    Ok(CondaNetwork {
        ssl_verify,
        ..Default::default()
    })
}
