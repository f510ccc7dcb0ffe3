//! The profile loader (YAML into ProfileFile).
//! The body is `authconform::fuzzing::profile_loader`; `tests/fuzz_corpus_replay.rs` replays the corpus through it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(violation) = authconform::fuzzing::profile_loader(data) {
        panic!("{violation}");
    }
});
