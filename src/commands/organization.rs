//! Choosing the organization when `--org` is not given (install step 1).

use crate::context::Context;
use crate::error::{Error, Result};

/// The `--org` value (checked), or the user's only business organization, or their choice.
pub fn choose(ctx: &mut Context, given: Option<&str>) -> Result<String> {
    if let Some(org) = given {
        crate::api::orgs::check_org_name(org)?;
        return Ok(org.to_string());
    }
    let organizations = ctx.api()?.business_organizations()?;
    match organizations.as_slice() {
        [] => Err(Error::with_hint(
            "No organizations found.",
            "Your account has no organization with a business subscription. Ask your \
             administrator to add you, or pass --org with the organization's name.",
        )),
        [only] => {
            ctx.printer.line(&format!(
                "Only one organization found, automatically selecting: {}",
                crate::output::clean(&only.name)
            ));
            Ok(only.name.clone())
        }
        several => {
            let labels: Vec<String> = several.iter().map(|o| o.label()).collect();
            let names: Vec<&str> = several.iter().map(|o| o.name.as_str()).collect();
            let no_terminal = Error::NeedsFlag {
                message: format!(
                    "Several organizations found ({}) and no terminal to choose on.",
                    names.join(", ")
                ),
                flag: "--org",
            };
            let index =
                ctx.prompter
                    .select("Please select an organization:", &labels, no_terminal)?;
            Ok(several[index].name.clone())
        }
    }
}

/// For commands about an installed token: `--org` (checked), or the only organization with an
/// installed token, or the user's choice among those.
pub fn choose_installed(ctx: &mut Context, given: Option<&str>) -> Result<String> {
    if let Some(org) = given {
        crate::api::orgs::check_org_name(org)?;
        return Ok(org.to_string());
    }
    let installed: Vec<String> = ctx
        .store
        .load()?
        .map(|info| {
            info.repo_tokens
                .iter()
                .filter_map(|t| t.org_name.clone())
                .collect()
        })
        .unwrap_or_default();
    match installed.as_slice() {
        [] => Err(Error::with_hint(
            "No repo tokens are installed.",
            "Run anaconda token install, or name the organization with --org.",
        )),
        [only] => Ok(only.clone()),
        several => {
            let no_terminal = Error::NeedsFlag {
                message: format!(
                    "Tokens of several organizations are installed ({}) and there is no terminal \
                     to choose on.",
                    several.join(", ")
                ),
                flag: "--org",
            };
            let index =
                ctx.prompter
                    .select("Please select an organization:", several, no_terminal)?;
            Ok(several[index].clone())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testing::{MockApi, context, install_tokens};
    use crate::prompt::Answer;

    const BUSINESS: &str = "commercial_subscription";

    fn with_api(api: &MockApi, answers: Vec<Answer>) -> crate::commands::testing::TestContext {
        let uri = api.server.uri();
        context(
            &[
                ("ANACONDA_AUTH_DOMAIN", &uri),
                ("ANACONDA_AUTH_API_KEY", "test-key"),
            ],
            answers,
        )
    }

    #[test]
    fn the_one_business_organization_is_chosen_without_a_question() {
        let api =
            MockApi::with_organizations(&[("acme", BUSINESS), ("hobby", "starter_subscription")]);
        let mut t = with_api(&api, vec![]);
        assert_eq!(choose(&mut t.ctx, None).unwrap(), "acme");
        assert_eq!(
            t.printed.stdout(),
            "Only one organization found, automatically selecting: acme\n"
        );
    }

    #[test]
    fn several_are_offered_by_title_and_name_and_the_choice_is_returned() {
        let api = MockApi::with_organizations(&[("acme", BUSINESS), ("beta", BUSINESS)]);
        let mut t = with_api(
            &api,
            vec![Answer::Select("Please select an organization:", Some(1))],
        );
        assert_eq!(choose(&mut t.ctx, None).unwrap(), "beta");
        assert_eq!(t.printed.stdout(), "");
    }

    #[test]
    fn several_without_a_terminal_name_them_and_the_flag() {
        let api = MockApi::with_organizations(&[("acme", BUSINESS), ("beta", BUSINESS)]);
        let mut t = with_api(
            &api,
            vec![Answer::Select("Please select an organization:", None)],
        );
        let err = choose(&mut t.ctx, None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Several organizations found (acme, beta) and no terminal to choose on."
        );
        assert!(matches!(err, Error::NeedsFlag { flag: "--org", .. }));
    }

    #[test]
    fn none_is_an_error_with_a_hint() {
        let api = MockApi::with_organizations(&[("hobby", "starter_subscription")]);
        let mut t = with_api(&api, vec![]);
        let err = choose(&mut t.ctx, None).unwrap_err();
        assert_eq!(err.to_string(), "No organizations found.");
        assert!(err.hint().unwrap().contains("--org"));
    }

    #[test]
    fn a_given_organization_is_checked_and_nothing_is_asked_or_fetched() {
        // No API at all: a request would fail.
        let mut t = context(&[], vec![]);
        assert_eq!(choose(&mut t.ctx, Some("my-org.x")).unwrap(), "my-org.x");
        assert!(choose(&mut t.ctx, Some("../x")).is_err());
        assert_eq!(t.printed.stdout(), "");
    }

    #[test]
    fn installed_tokens_one_is_taken_several_are_asked_about() {
        let mut t = context(&[], vec![]);
        install_tokens(t.home.path(), "anaconda.com", &["acme"]);
        assert_eq!(choose_installed(&mut t.ctx, None).unwrap(), "acme");

        let mut t = context(
            &[],
            vec![Answer::Select("Please select an organization:", Some(0))],
        );
        install_tokens(t.home.path(), "anaconda.com", &["acme", "beta"]);
        assert_eq!(choose_installed(&mut t.ctx, None).unwrap(), "acme");

        let mut t = context(&[], vec![]);
        let err = choose_installed(&mut t.ctx, None).unwrap_err();
        assert_eq!(err.to_string(), "No repo tokens are installed.");
    }
}
