//! Parsers of the flags whose values form a closed set, built from the lists that define those sets
//! (the reference server's flaws, styles and route layouts, the embedded server's key modes, the
//! selftest's broken targets), so `--help` lists the values and a typo gets clap's "a similar value
//! exists" (exit 2).

use std::str::FromStr;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use reference_server::{Flaw, RouteLayout, Style};

use crate::embedded::ReferenceMode;
use crate::selftest::Broken;

/// One of `values`, turned into `T` by its own `FromStr` (which accepts exactly those ids).
fn one_of<T>(values: impl IntoIterator<Item = PossibleValue>) -> impl TypedValueParser<Value = T>
where
    T: FromStr + Clone + Send + Sync + 'static,
    T::Err: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    PossibleValuesParser::new(values).try_map(|id: String| id.parse::<T>())
}

/// `--reference-flaw`: a flaw of the reference server.
pub fn flaw() -> impl TypedValueParser<Value = Flaw> {
    one_of(
        Flaw::ALL
            .iter()
            .map(|flaw| PossibleValue::new(flaw.id()).help(flaw.description())),
    )
}

/// `--reference-style`: a legitimate presentation style of the reference server.
pub fn style() -> impl TypedValueParser<Value = Style> {
    one_of(
        Style::ALL
            .iter()
            .map(|style| PossibleValue::new(style.id()).help(style.description())),
    )
}

/// `--reference-mode`: how the embedded reference server gets its keys.
pub fn mode() -> impl TypedValueParser<Value = ReferenceMode> {
    one_of(
        ReferenceMode::ALL
            .iter()
            .map(|mode| PossibleValue::new(mode.id()).help(mode.description())),
    )
}

/// `--reference-routes`: the reference server's route layout.
pub fn routes() -> impl TypedValueParser<Value = RouteLayout> {
    one_of(RouteLayout::ALL.iter().map(|layout| {
        PossibleValue::new(layout.id()).help(match layout {
            RouteLayout::Contract => "the contract's routes (default)",
            RouteLayout::Items => {
                "the FastAPI-style layout under /api/v1/users/{uid}/items, with /openapi.json"
            }
        })
    }))
}

/// `selftest --only`: a flaw or mutant id.
pub fn broken_target() -> PossibleValuesParser {
    PossibleValuesParser::new(Broken::all().into_iter().map(|broken| {
        PossibleValue::new(broken.id()).help(format!("{}: {}", broken.kind(), broken.description()))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each list's every id parses back to itself, so the help's values and `FromStr` agree.
    #[test]
    fn every_listed_value_parses() {
        let cmd = clap::Command::new("t");
        let arg = clap::Arg::new("v");
        let arg = Some(&arg);
        for each in Flaw::ALL {
            let parsed = flaw().parse_ref(&cmd, arg, each.id().as_ref());
            assert_eq!(parsed.ok(), Some(*each));
        }
        for each in Style::ALL {
            let parsed = style().parse_ref(&cmd, arg, each.id().as_ref());
            assert_eq!(parsed.ok(), Some(*each));
        }
        for each in ReferenceMode::ALL {
            let parsed = mode().parse_ref(&cmd, arg, each.id().as_ref());
            assert_eq!(parsed.ok(), Some(each));
        }
        for each in RouteLayout::ALL {
            let parsed = routes().parse_ref(&cmd, arg, each.id().as_ref());
            assert_eq!(parsed.ok(), Some(*each));
        }
        for each in Broken::all() {
            let parsed = broken_target().parse_ref(&cmd, arg, each.id().as_ref());
            assert_eq!(parsed.ok().as_deref(), Some(each.id()));
        }
        assert!(flaw().parse_ref(&cmd, arg, "alg-none".as_ref()).is_err());
    }
}
