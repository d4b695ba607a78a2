//! What a command runs with: the resolved settings, the printer, the prompter, the token store,
//! and HTTP clients built on first use (a command that makes no request pays nothing for TLS).

use std::cell::OnceCell;

use crate::api::Http;
use crate::api::orgs::Api;
use crate::api::repo::{self, Validation};
use crate::conda::settings::{self as conda_settings, CondaSettings};
use crate::error::Result;
use crate::fs::Locks;
use crate::output::Printer;
use crate::prompt::Prompter;
use crate::secret::Secret;
use crate::settings::{Network, Settings, SslVerify, network};
use crate::store::TokenStore;

pub struct Context {
    pub settings: Settings,
    pub printer: Printer,
    pub prompter: Box<dyn Prompter>,
    pub store: TokenStore,
    /// Our lock files, for every write of user data (`crate::fs`).
    pub locks: Locks,
    api_http: OnceCell<Http>,
    repo_http: OnceCell<Http>,
    api_key: OnceCell<Secret>,
    conda_settings: OnceCell<CondaSettings>,
    /// The "verification is disabled" warning was printed (it is said once, not per client).
    warned_no_verify: std::cell::Cell<bool>,
    /// `conda-token set --no-ssl-verify`: the repository check skips verification.
    repo_ssl_override: Option<SslVerify>,
}

impl Context {
    pub fn new(settings: Settings, printer: Printer, prompter: Box<dyn Prompter>) -> Self {
        for warning in &settings.warnings {
            printer.warn(warning);
        }
        let locks = Locks::new(&settings.paths.lock_dir);
        let store = TokenStore::from_settings(&settings, &locks, printer.clone());
        Context {
            settings,
            printer,
            prompter,
            store,
            locks,
            api_http: OnceCell::new(),
            repo_http: OnceCell::new(),
            api_key: OnceCell::new(),
            conda_settings: OnceCell::new(),
            warned_no_verify: std::cell::Cell::new(false),
            repo_ssl_override: None,
        }
    }

    /// Makes the repository check use `ssl_verify` whatever conda says (before any check).
    pub fn force_repo_ssl_verify(&mut self, ssl_verify: SslVerify) {
        self.repo_ssl_override = Some(ssl_verify);
    }

    /// The organization API, authenticated with the configured or stored API key.
    pub fn api(&self) -> Result<Api<'_>> {
        let key = self.api_key()?;
        let http = self.api_http()?;
        Ok(Api {
            http,
            base: &self.settings.site.api_base,
            key,
            printer: &self.printer,
            login_help: self.settings.login_help(),
        })
    }

    /// The client for the API and the auth domain (no key needed to build it).
    pub fn api_http(&self) -> Result<&Http> {
        self.http(&self.api_http, || {
            self.client(
                &self.api_network()?,
                self.settings.network.extra_headers.clone(),
            )
        })
    }

    /// Checks `token` against the repository with conda's network settings.
    pub fn validate_token(&self, token: &Secret) -> Result<Validation> {
        self.validate_token_at(&self.settings.site.repo_url, token)
    }

    /// Checks `token` against the repository at `repo_url` (a conda token file's URL).
    pub fn validate_token_at(&self, repo_url: &str, token: &Secret) -> Result<Validation> {
        let client = self.repo_client()?;
        let conda = self.conda_settings()?;
        repo::validate(
            client,
            repo_url,
            token,
            &conda.channel_rules(),
            &self.printer,
        )
    }

    /// The client for repository checks, built from conda's settings on first use (so that a
    /// bad CA bundle or client certificate is found before anything is changed).
    pub fn repo_client(&self) -> Result<&Http> {
        self.http(&self.repo_http, || {
            self.client(&self.repo_network()?, Vec::new())
        })
    }

    /// Builds a client for `network`, warning once per run when verification is off.
    fn client(&self, network: &Network, extra_headers: Vec<(String, String)>) -> Result<Http> {
        if network.ssl_verify == SslVerify::No && !self.warned_no_verify.replace(true) {
            self.printer
                .warn("TLS certificate verification is disabled (ssl_verify is false).");
        }
        Http::new(network, self.settings.network.timeout, extra_headers)
    }

    fn http<'a>(
        &self,
        cell: &'a OnceCell<Http>,
        build: impl FnOnce() -> Result<Http>,
    ) -> Result<&'a Http> {
        if cell.get().is_none() {
            let _ = cell.set(build()?);
        }
        Ok(cell.get().expect("set above"))
    }

    /// The API key requests go with (see [`crate::store::api_key::choose`]), chosen once.
    pub fn api_key(&self) -> Result<&Secret> {
        if let Some(key) = self.api_key.get() {
            return Ok(key);
        }
        let key = crate::store::api_key::choose(&self.settings, &self.store)?;
        Ok(self.api_key.get_or_init(|| key))
    }

    /// The repository check's network: conda's settings (`settings::network::for_repo`).
    fn repo_network(&self) -> Result<Network> {
        let conda = &self.conda_settings()?.connection;
        Ok(network::for_repo(
            conda,
            self.repo_ssl_override.as_ref(),
            &self.settings.env,
        ))
    }

    /// The API's network: ours, then conda's (read only when ours leave something unset).
    fn api_network(&self) -> Result<Network> {
        self.settings.network.for_api(
            || Ok(self.conda_settings()?.connection.clone()),
            &self.settings.env,
        )
    }

    /// conda's effective settings, read once.
    pub fn conda_settings(&self) -> Result<&CondaSettings> {
        if let Some(network) = self.conda_settings.get() {
            return Ok(network);
        }
        let network = conda_settings::load(
            &self.settings.env,
            &self.settings.paths.home,
            &conda_settings::system_dirs(),
        )?;
        for message in &network.skipped {
            self.printer.warn(message);
        }
        Ok(self.conda_settings.get_or_init(|| network))
    }
}
