//! The command line, as clap definitions only: no logic lives here.
//!
//! Commands, flags, short flags and help texts follow the Python `anaconda token` so that users'
//! scripts keep working (`../shared/spec/commands.md`).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::tools::Tool;

#[derive(Debug, Parser)]
#[command(
    name = "anaconda",
    version,
    about = "Anaconda's command line: install and manage organization repository tokens for conda.",
    disable_version_flag = true,
    arg_required_else_help = true,
    after_help = "Other commands (anaconda-client's `upload`, `copy`, ... and anaconda-cli-base \
                  plugins') are passed on, with all their arguments, to the next `anaconda` on \
                  PATH."
)]
pub struct Cli {
    /// Use the configured site with this name or domain.
    #[arg(long, global = true, value_name = "SITE")]
    pub at: Option<String>,

    /// Print a debug log on stderr (every HTTP request, secrets redacted).
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// Print the version and exit.
    #[arg(short = 'V', long, action = clap::ArgAction::Version)]
    pub version: Option<bool>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Manage your Anaconda repo tokens.
    #[command(subcommand, arg_required_else_help = true)]
    Token(TokenCommand),

    /// Log in to Anaconda and store an API key.
    Login(LoginArgs),

    /// Log out: remove the stored API key (repository tokens are kept).
    Logout,

    /// Show the account you are logged in as.
    Whoami,

    /// Authentication commands.
    #[command(subcommand, arg_required_else_help = true)]
    Auth(AuthCommand),

    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completion(CompletionArgs),

    /// Print the man page (roff) for `anaconda`.
    #[command(hide = true)]
    Man,
}

#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Log in to Anaconda and store an API key.
    Login(LoginArgs),
    /// Log out: remove the stored API key (repository tokens are kept).
    Logout,
    /// Show the account you are logged in as.
    Whoami,
    /// Print the stored API key (for scripts).
    ApiKey,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Log in again even if an unexpired API key is stored.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// List all installed repository tokens.
    List(ListArgs),
    /// Create and install a new repository token.
    Install(InstallArgs),
    /// Issue a new token for an organization, revoking the current one, and install it.
    Reissue(IssueArgs),
    /// Extend the organization's token to its renewed subscription.
    Sync(OrgArgs),
    /// Configure conda's default channels to access Anaconda's premium repository.
    Config(ConfigArgs),
    /// Uninstall a repository token for a specific organization.
    Uninstall(UninstallArgs),
    /// Install a new repository token.
    Set(SetArgs),
    /// Remove binstar token and data from Keyring.
    Remove(RemoveArgs),
    /// Give an installed token to other package managers (pixi, mamba, conda), issuing nothing.
    Setup(SetupArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print a JSON array instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Validate every token against the repository.
    #[arg(long)]
    pub check: bool,
}

/// `--set-default-channels` / `--no-set-default-channels` (default: set).
#[derive(Debug, Args, Clone, Copy)]
pub struct DefaultChannelsFlag {
    /// Configure default_channels in ~/.condarc (the default).
    #[arg(
        long = "set-default-channels",
        overrides_with = "no_set_default_channels"
    )]
    set_default_channels: bool,
    /// Do not change ~/.condarc.
    #[arg(
        long = "no-set-default-channels",
        overrides_with = "set_default_channels"
    )]
    no_set_default_channels: bool,
}

impl DefaultChannelsFlag {
    pub fn enabled(&self) -> bool {
        !self.no_set_default_channels
    }
}

/// `-o/--org`: the organization a command is about.
#[derive(Debug, Args, Clone)]
pub struct OrgArgs {
    /// Organization name (slug).
    #[arg(short, long)]
    pub org: Option<String>,
}

impl OrgArgs {
    /// The organization given, if any.
    pub fn name(&self) -> Option<&str> {
        self.org.as_deref()
    }
}

/// `--tool NAME` (repeatable): the package managers to configure.
#[derive(Debug, Args, Clone)]
pub struct ToolArgs {
    /// Configure this package manager to use the token: conda (its token file and .condarc),
    /// pixi (rattler's credentials), mamba (mamba's authentication file). Repeatable. Default:
    /// ANACONDA_TOKEN_TOOLS (comma-separated), else conda.
    #[arg(long = "tool", value_enum, value_name = "TOOL")]
    pub tools: Vec<Tool>,
}

/// Where a token goes: the organization, whether to set default_channels, the tools to
/// configure (`install`, `reissue`, `set`).
#[derive(Debug, Args)]
pub struct TargetArgs {
    #[command(flatten)]
    pub org: OrgArgs,
    #[command(flatten)]
    pub channels: DefaultChannelsFlag,
    #[command(flatten)]
    pub tools: ToolArgs,
}

/// What `install` and `reissue` take besides a token: where it goes, and `--yes`.
#[derive(Debug, Args)]
pub struct IssueArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Accept all prompts.
    #[arg(short, long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Optionally, provide the token received via email or web interface ('-' reads it from stdin).
    #[arg(value_name = "TOKEN")]
    pub token: Option<String>,
    #[command(flatten)]
    pub issue: IssueArgs,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Overwrite default_channels without asking.
    #[arg(long, overrides_with = "no_force")]
    pub force: bool,
    /// Ask before overwriting default_channels (the default).
    #[arg(long, overrides_with = "force")]
    pub no_force: bool,
}

#[derive(Debug, Args)]
pub struct UninstallArgs {
    #[command(flatten)]
    pub org: OrgArgs,
    /// Uninstall all tokens.
    #[arg(short, long, conflicts_with = "org")]
    pub all: bool,
}

/// Which `.condarc` the legacy commands edit.
#[derive(Debug, Args, Clone)]
#[group(multiple = false)]
pub struct CondarcLocation {
    /// Write to the given file.
    #[arg(short, long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Write to the active conda environment's .condarc.
    #[arg(short, long)]
    pub env: bool,
    /// Write to the system .condarc of conda's root prefix.
    #[arg(short, long)]
    pub system: bool,
}

#[derive(Debug, Args)]
pub struct SetArgs {
    /// The token to install.
    #[arg(value_name = "TOKEN")]
    pub token: String,
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub location: CondarcLocation,
}

#[derive(Debug, Args)]
pub struct SetupArgs {
    /// The package managers to give the installed token to: conda, pixi, mamba.
    #[arg(value_enum, value_name = "TOOL", required = true)]
    pub tools: Vec<Tool>,
    #[command(flatten)]
    pub org: OrgArgs,
    /// Accept all prompts.
    #[arg(short, long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    #[command(flatten)]
    pub location: CondarcLocation,
}

/// The legacy `conda-token` command (conda-token 0.6's interface).
#[derive(Debug, Parser)]
#[command(
    name = "conda-token",
    version,
    about = "Configure token access for Anaconda Commercial Edition",
    disable_version_flag = true
)]
pub struct CondaTokenCli {
    /// Show the conda-token version number and exit.
    #[arg(short = 'V', long, action = clap::ArgAction::Version)]
    pub version: Option<bool>,

    /// Print a debug log on stderr (every HTTP request, secrets redacted).
    #[arg(short, long, global = true, hide = true)]
    pub verbose: bool,

    #[command(subcommand)]
    pub command: Option<CondaTokenCommand>,
}

#[derive(Debug, Subcommand)]
pub enum CondaTokenCommand {
    /// List token if configured.
    List,
    /// Set your token and configure default_channels.
    Set(CondaTokenSetArgs),
    /// Remove token and revert default_channels.
    Remove(CondaTokenLocation),
}

/// Which `.condarc` `conda-token` edits (long flags only, as conda-token had).
#[derive(Debug, Args, Clone)]
#[group(multiple = false)]
pub struct CondaTokenLocation {
    /// Write to the system .condarc file of conda's root prefix.
    #[arg(long)]
    pub system: bool,
    /// Write to the active conda environment .condarc file. If no environment is active, write to
    /// the user config file (~/.condarc).
    #[arg(long)]
    pub env: bool,
    /// Write to the given file.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CondaTokenSetArgs {
    /// Your token.
    pub token: String,
    /// Add archived channels to default_channels.
    #[arg(long, num_args = 1.., value_name = "CHANNEL_NAME", value_parser = ["free", "mro-archive", "pro"])]
    pub include_archive_channels: Vec<String>,
    /// Force disabling SSL verification: adds ssl_verify: false to your .condarc.
    #[arg(long)]
    pub no_ssl_verify: bool,
    /// Enable Conda package signature verification. Default is off.
    #[arg(long)]
    pub enable_signature_verification: bool,
    /// Force configuration of .condarc
    #[arg(long)]
    pub force_config_condarc: bool,
    #[command(flatten)]
    pub location: CondaTokenLocation,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn command_lines_are_well_formed() {
        super::Cli::command().debug_assert();
        super::CondaTokenCli::command().debug_assert();
    }
}
