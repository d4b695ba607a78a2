//! A whole invocation as one text: exit code, stdout and stderr, with what changes from run to
//! run (the temporary HOME, the mock server's port, the tokens and keys a test made up) replaced
//! by names in brackets, so that an inline snapshot shows exactly what the user sees.
//!
//! `cmd_snapshot!(home, command, @"…")` runs `command` and compares; it returns the output for
//! further checks. `cargo insta test --accept --test NAME` writes changed snapshots back into the
//! test source (CI, with `CI=true`, only compares).

use std::borrow::BorrowMut;

use assert_cmd::Command;

/// Values to hide and the names shown instead, in the order they are applied (longer first
/// where one contains another), then patterns for what differs between systems.
#[derive(Clone, Debug, Default)]
pub struct Filters {
    values: Vec<(String, String)>,
    patterns: Vec<(regex::Regex, String)>,
}

/// What the operating system says about a failed connection ("Connection refused (os error
/// 111)" on Linux, other words and numbers elsewhere).
const CONNECT_ERROR: &str = r"(tcp connect error|error trying to connect): [^\n]*\(os error \d+\)";

impl Filters {
    /// Shows `value` as `[name]` (nothing is done for an empty value).
    pub fn add(&mut self, value: impl Into<String>, name: &str) -> &mut Self {
        let value = value.into();
        if !value.is_empty() && !self.values.iter().any(|(v, _)| *v == value) {
            self.values.push((value, format!("[{name}]")));
        }
        self
    }

    /// Replaces what matches `pattern` (a regular expression) with `replacement` (which may
    /// name groups: `$1`).
    pub fn pattern(&mut self, pattern: &str, replacement: &str) -> &mut Self {
        let regex = regex::Regex::new(pattern).expect("a valid filter pattern");
        self.patterns.push((regex, replacement.to_string()));
        self
    }

    /// The operating system's words for a refused connection, as `[CONNECT ERROR]`.
    pub fn connect_errors(&mut self) -> &mut Self {
        self.pattern(CONNECT_ERROR, "$1: [CONNECT ERROR]")
    }

    /// `text` with each value replaced by its name (and, on Windows, the paths under a filtered
    /// folder written with `/`).
    pub fn apply(&self, text: &str) -> String {
        let mut text = self.normalize_separators(text.to_string());
        for (value, name) in &self.values {
            text = text.replace(value.as_str(), name);
            if cfg!(windows) {
                // A value the test built by joining `a/b` onto a Windows path.
                text = text.replace(&value.replace('\\', "/"), name);
            }
        }
        for (regex, replacement) in &self.patterns {
            text = regex.replace_all(&text, replacement.as_str()).into_owned();
        }
        text
    }

    /// Windows paths under a filtered folder written with `/`, so that one snapshot serves on
    /// every system (`[HOME]\.condarc` → `[HOME]/.condarc`).
    fn normalize_separators(&self, text: String) -> String {
        if !cfg!(windows) {
            return text;
        }
        let mut text = text;
        for (value, _) in &self.values {
            let mut out = String::with_capacity(text.len());
            let mut rest = text.as_str();
            while let Some(at) = rest.find(value.as_str()) {
                let (before, after) = rest.split_at(at + value.len());
                out.push_str(before);
                let end = after
                    .find(|c: char| c.is_whitespace() || "'\"`,:;)".contains(c))
                    .unwrap_or(after.len());
                out.push_str(&after[..end].replace('\\', "/"));
                rest = &after[end..];
            }
            out.push_str(rest);
            text = out;
        }
        text
    }
}

/// Runs the command and renders its output, filtered, as the snapshot text.
pub fn run(filters: &Filters, mut cmd: impl BorrowMut<Command>) -> (String, std::process::Output) {
    let output = cmd.borrow_mut().output().expect("the command runs");
    (render(filters, &output), output)
}

/// The snapshot text of a run that has ended (one the test drove itself: spawned, fed, waited).
pub fn render(filters: &Filters, output: &std::process::Output) -> String {
    let text = format!(
        "success: {}\nexit_code: {}\n----- stdout -----\n{}\n----- stderr -----\n{}",
        output.status.success(),
        output.status.code().map_or_else(
            || "none (killed by a signal)".to_string(),
            |c| c.to_string()
        ),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    filters.apply(&text)
}

/// `cmd_snapshot!(home, command, @"…")`: runs `command` (an `assert_cmd::Command`, or `&mut` one)
/// and compares the rendered, filtered invocation with the inline snapshot. `home` is anything
/// with a `filters()` method (a `Home`); `cmd_snapshot!(filters = f, …)` takes `Filters`.
#[allow(unused_macros)]
macro_rules! cmd_snapshot {
    (filters = $filters:expr, $cmd:expr, @$snapshot:literal) => {{
        let filters: $crate::common::snapshot::Filters = $filters;
        let (text, output) = $crate::common::snapshot::run(&filters, $cmd);
        ::insta::assert_snapshot!(text, @$snapshot);
        output
    }};
    ($home:expr, $cmd:expr, @$snapshot:literal) => {
        cmd_snapshot!(filters = $home.filters(), $cmd, @$snapshot)
    };
}
#[allow(unused_imports)]
pub(crate) use cmd_snapshot;
