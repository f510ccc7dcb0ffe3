//! The scenario loader: YAML parsing, then validation and expansion of what parses.
//! The body is `authconform::fuzzing::scenario_loader`; `tests/fuzz_corpus_replay.rs` replays the corpus through it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(violation) = authconform::fuzzing::scenario_loader(data) {
        panic!("{violation}");
    }
});
