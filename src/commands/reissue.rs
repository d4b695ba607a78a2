//! `anaconda token reissue`: issue a new token on purpose (the current one is revoked), then
//! validate, store and configure as `install` does.

use crate::cli::ReissueArgs;
use crate::commands::{install, organization};
use crate::context::Context;
use crate::error::Result;

pub fn run(ctx: &mut Context, args: &ReissueArgs) -> Result<()> {
    let org = organization::choose(ctx, args.org.as_deref())?;
    install::preflight(ctx, args.channels.enabled())?;
    let issued = install::issue(ctx, &org, args.yes, true)?;
    let installed = install::install_issued(ctx, &org, issued)?;
    install::finish(ctx, args.channels.enabled(), args.yes, installed)
}
