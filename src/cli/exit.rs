//! The exit-code contract that CI scripts rely on.

/// Every check passed (or the command did what it was asked).
pub const OK: u8 = 0;
/// The target failed at least one check: the gate is closed.
pub const GATE_FAILED: u8 = 1;
/// Usage or configuration error: bad flag, bad YAML, unknown id, unreadable key.
pub const USAGE: u8 = 2;
/// The target could not be reached, or the harness itself failed, or the run stopped before its last
/// case (the target stopped answering, or a budget ran out) and no case that ran found a weakness.
pub const UNREACHABLE: u8 = 3;
/// The run was interrupted (Ctrl-C): it cleaned up and wrote its reports of the cases it ran.
pub const INTERRUPTED: u8 = 130;
