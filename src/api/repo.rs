//! Checking a token against the repository the way conda will use it:
//! `HEAD <repo with /t/<token> after the host>main/noarch/repodata.json`, no Authorization.

use reqwest::Method;

use super::client::{Http, Request};
use crate::error::{Error, Result};
use crate::output::Printer;
use crate::secret::Secret;

/// The repository's answer to a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Validation {
    Valid,
    Rejected { status: u16 },
}

/// The URL that proves a token: the repository's `main/noarch/repodata.json` under `/t/<token>`.
pub fn check_url(repo_url: &str, token: &Secret) -> Result<String> {
    let mut url = reqwest::Url::parse(repo_url)
        .map_err(|e| Error::msg(format!("Invalid repository URL {repo_url}: {e}")))?;
    let path = format!(
        "/t/{}{}main/noarch/repodata.json",
        token.expose(),
        url.path()
    );
    url.set_path(&path);
    Ok(url.to_string())
}

/// Validates `token`; unreachable repositories are errors, refusals are `Rejected`.
pub fn validate(
    http: &Http,
    repo_url: &str,
    token: &Secret,
    printer: &Printer,
) -> Result<Validation> {
    let request = Request::new(Method::HEAD, check_url(repo_url, token)?);
    let response = http.send(&request, printer)?;
    Ok(if response.status == 200 {
        Validation::Valid
    } else {
        Validation::Rejected {
            status: response.status,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_goes_right_after_the_host() {
        let token = Secret::new("abc-123");
        assert_eq!(
            check_url("https://repo.anaconda.cloud/repo/", &token).unwrap(),
            "https://repo.anaconda.cloud/t/abc-123/repo/main/noarch/repodata.json"
        );
        assert_eq!(
            check_url("http://127.0.0.1:8080/", &token).unwrap(),
            "http://127.0.0.1:8080/t/abc-123/main/noarch/repodata.json"
        );
    }
}
