//! `--waivers FILE` and `--baseline FILE`: what the gate accepts besides a clean run (one flattened
//! struct, for `run` and any command that rebuilds a gate result from reports).

use std::path::PathBuf;

use clap::Args;

use super::CliError;
use crate::verdict::baseline::Baseline;
use crate::verdict::gate::Gate;
use crate::verdict::waiver::{self, KnownNames, Waivers};

/// Waivers and a baseline.
#[derive(Debug, Args, Default, Clone)]
pub struct GateArgs {
    /// Known weaknesses accepted until a date (YAML; each: weakness, optional operation or scenario,
    /// reason, owner, expires): the failures a waiver covers stay in every report, marked waived,
    /// and do not fail the gate; an expired waiver fails it; one that matches nothing is reported as
    /// stale.
    #[arg(long, value_name = "FILE")]
    pub waivers: Option<PathBuf>,
    /// The JSON report of an earlier run (`--report json:PATH`): only failures that are new since
    /// then fail the gate (by weakness and case id).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
}

impl GateArgs {
    /// The gate these flags ask for, checked against `known` (`None` without either flag); a bad
    /// file is a usage error (exit 2).
    pub fn gate(&self, known: &KnownNames) -> Result<Option<Gate>, CliError> {
        if self.waivers.is_none() && self.baseline.is_none() {
            return Ok(None);
        }
        let waivers = self
            .waivers
            .as_deref()
            .map(|path| Waivers::load(path, known))
            .transpose()
            .map_err(CliError::usage)?;
        let baseline = self
            .baseline
            .as_deref()
            .map(Baseline::load)
            .transpose()
            .map_err(CliError::usage)?;
        Ok(Some(Gate::new(waivers, baseline, waiver::today())))
    }
}
