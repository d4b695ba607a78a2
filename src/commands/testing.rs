//! A `Context` for unit tests of command logic: a temporary HOME, a buffered printer whose text
//! the test reads back, a scripted prompter, and (when the command calls the API) a mock API.

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::context::Context;
use crate::output::{Captured, Printer};
use crate::prompt::{Answer, ScriptedPrompter};
use crate::settings::{Env, Overrides, Settings};

pub struct TestContext {
    pub ctx: Context,
    pub printed: Captured,
    pub home: tempfile::TempDir,
}

/// A context in a fresh HOME with `vars` set (and nothing else from this process's
/// environment), answering `answers` in order.
pub fn context(vars: &[(&str, &str)], answers: impl IntoIterator<Item = Answer>) -> TestContext {
    let home = tempfile::tempdir().unwrap();
    let home_path = home.path().to_str().unwrap().to_string();
    let run = format!("{home_path}/run");
    let mut pairs: Vec<(&str, &str)> = vec![
        ("HOME", &home_path),
        ("USERPROFILE", &home_path),
        ("XDG_RUNTIME_DIR", &run),
    ];
    pairs.extend_from_slice(vars);
    let settings = Settings::resolve(&Env::from_pairs(pairs), &Overrides::default()).unwrap();
    let (printer, printed) = Printer::buffered(false);
    let prompter = Box::new(ScriptedPrompter::new(answers));
    TestContext {
        ctx: Context::new(settings, printer, prompter),
        printed,
        home,
    }
}

/// Writes the keyring file entry for `domain` with tokens of `orgs`, as the Python tool does.
pub fn install_tokens(home: &std::path::Path, domain: &str, orgs: &[&str]) {
    use base64::Engine;
    let tokens: Vec<Value> = orgs
        .iter()
        .map(|org| json!({"token": format!("tok-{org}"), "org_name": org}))
        .collect();
    let entry = json!({"domain": domain, "repo_tokens": tokens, "version": 2});
    let secret = base64::engine::general_purpose::STANDARD.encode(entry.to_string());
    let file = json!({"Anaconda Cloud": {domain: secret}});
    std::fs::create_dir_all(home.join(".anaconda")).unwrap();
    std::fs::write(home.join(".anaconda/keyring"), file.to_string()).unwrap();
}

/// A mock API on loopback that lists `orgs` (name, product code) as the user's organizations.
pub struct MockApi {
    pub server: MockServer,
    _runtime: tokio::runtime::Runtime,
}

impl MockApi {
    pub fn with_organizations(orgs: &[(&str, &str)]) -> MockApi {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let server = runtime.block_on(MockServer::start());
        let ids: Vec<String> = (0..orgs.len())
            .map(|i| format!("{:08}-0000-0000-0000-000000000000", i + 1))
            .collect();
        let list: Vec<Value> = orgs
            .iter()
            .zip(&ids)
            .map(|((name, _), id)| json!({"id": id, "name": name, "title": name.to_uppercase()}))
            .collect();
        let subscriptions: Vec<Value> = orgs
            .iter()
            .zip(&ids)
            .map(|((_, product), id)| json!({"org_id": id, "product_code": product}))
            .collect();
        let account = json!({"user": {"id": "u-1"}, "profile": {}, "subscriptions": subscriptions});
        runtime.block_on(async {
            Mock::given(method("GET"))
                .and(path("/api/organizations/my"))
                .respond_with(ResponseTemplate::new(200).set_body_json(list))
                .mount(&server)
                .await;
            Mock::given(method("GET"))
                .and(path("/api/account"))
                .respond_with(ResponseTemplate::new(200).set_body_json(account))
                .mount(&server)
                .await;
        });
        MockApi {
            server,
            _runtime: runtime,
        }
    }
}
