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
