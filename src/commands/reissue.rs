//! `anaconda token reissue`: issue a new token on purpose (the current one is revoked), then
//! validate, store and configure as `install` does.

use crate::cli::IssueArgs;
use crate::commands::tools::Targets;
use crate::commands::{install, organization};
use crate::context::Context;
use crate::error::Result;

pub fn run(ctx: &mut Context, args: &IssueArgs) -> Result<()> {
    let targets = Targets::chosen(ctx, &args.target.tools.tools);
    let org = organization::choose(ctx, args.target.org.name())?;
    install::preflight(ctx, &targets, args.target.channels.enabled())?;
    let ask = install::Revoke {
        yes: args.yes,
        always: true,
    };
    let issued = install::issue(ctx, &org, ask)?;
    let installed = install::install_issued(ctx, &org, issued, &targets)?;
    install::finish(ctx, &org, args, &targets, installed)
}
