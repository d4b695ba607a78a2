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
                only.name
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
