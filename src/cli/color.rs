//! `--color auto|always|never`: whether the harness's own output (summaries) and clap's (help, usage
//! errors) carry ANSI colours. `auto` colours a terminal unless `NO_COLOR` is set and non-empty
//! (<https://no-color.org>) or `CLICOLOR=0`; `CLICOLOR_FORCE` (not `0`) colours even a pipe.

use std::ffi::OsString;
use std::io::IsTerminal;

use clap::ValueEnum;

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set (CLICOLOR_FORCE colours a pipe too).
    #[default]
    Auto,
    /// Always, whatever the output and the environment.
    Always,
    /// Never.
    Never,
}

impl ColorChoice {
    /// The `--color` of raw arguments, read before clap parses them so that clap's own help and
    /// errors follow it too; `auto` when absent or not a known value (clap then reports the value).
    pub fn from_args(args: &[OsString]) -> ColorChoice {
        let mut found = None;
        let mut args = args.iter().skip(1).map(|arg| arg.to_str().unwrap_or(""));
        while let Some(arg) = args.next() {
            if arg == "--" {
                break;
            }
            let value = match arg.strip_prefix("--color") {
                Some("") => args.next(),
                Some(rest) => rest.strip_prefix('='),
                None => None,
            };
            if let Some(value) = value {
                found = ColorChoice::from_str(value, false).ok();
            }
        }
        found.unwrap_or_default()
    }

    /// Whether to colour an output that is (`terminal`) or is not a terminal, with `env` reading
    /// the environment.
    pub fn enabled(self, terminal: bool, env: impl Fn(&str) -> Option<OsString>) -> bool {
        let set = |name: &str| env(name).filter(|value| !value.is_empty());
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto if set("NO_COLOR").is_some() => false,
            ColorChoice::Auto if set("CLICOLOR_FORCE").is_some_and(|v| v != "0") => true,
            ColorChoice::Auto => terminal && env("CLICOLOR").is_none_or(|v| v != "0"),
        }
    }

    /// Decides colours for standard output and standard error from this process's environment and
    /// sets them for everything drawn with `console` (whose own test ignores `--color`); returns
    /// whether standard output is coloured.
    pub fn apply(self) -> bool {
        let stdout = self.enabled(std::io::stdout().is_terminal(), |name| {
            std::env::var_os(name)
        });
        let stderr = self.enabled(std::io::stderr().is_terminal(), |name| {
            std::env::var_os(name)
        });
        console::set_colors_enabled(stdout);
        console::set_colors_enabled_stderr(stderr);
        stdout
    }

    /// The same choice for clap's help and errors.
    pub fn for_clap(self) -> clap::ColorChoice {
        match self {
            // clap's `auto` (anstream) also honours NO_COLOR and CLICOLOR_FORCE.
            ColorChoice::Auto => clap::ColorChoice::Auto,
            ColorChoice::Always => clap::ColorChoice::Always,
            ColorChoice::Never => clap::ColorChoice::Never,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        std::iter::once("authconform")
            .chain(list.iter().copied())
            .map(OsString::from)
            .collect()
    }

    #[test]
    fn the_flag_is_found_before_parsing() {
        assert_eq!(ColorChoice::from_args(&args(&[])), ColorChoice::Auto);
        let never = args(&["run", "--color", "never"]);
        assert_eq!(ColorChoice::from_args(&never), ColorChoice::Never);
        let always = args(&["--color=always", "list"]);
        assert_eq!(ColorChoice::from_args(&always), ColorChoice::Always);
        let after_dashes = args(&["--", "--color=never"]);
        assert_eq!(ColorChoice::from_args(&after_dashes), ColorChoice::Auto);
        let unknown = args(&["--color", "sometimes"]);
        assert_eq!(ColorChoice::from_args(&unknown), ColorChoice::Auto);
    }

    #[test]
    fn no_color_and_clicolor_force_decide_auto_only() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| OsString::from(value))
            }
        };
        let auto = ColorChoice::Auto;
        assert!(auto.enabled(true, env(&[])));
        assert!(!auto.enabled(false, env(&[])));
        assert!(!auto.enabled(true, env(&[("NO_COLOR", "1")])));
        assert!(
            auto.enabled(true, env(&[("NO_COLOR", "")])),
            "empty NO_COLOR is unset"
        );
        assert!(!auto.enabled(true, env(&[("CLICOLOR", "0")])));
        assert!(auto.enabled(false, env(&[("CLICOLOR_FORCE", "1")])));
        assert!(!auto.enabled(false, env(&[("CLICOLOR_FORCE", "0")])));
        let no_color = env(&[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")]);
        assert!(!auto.enabled(true, no_color));
        assert!(ColorChoice::Always.enabled(false, env(&[("NO_COLOR", "1")])));
        assert!(!ColorChoice::Never.enabled(true, env(&[("CLICOLOR_FORCE", "1")])));
    }
}
