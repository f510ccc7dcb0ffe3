//! The reference server's verifier against the independent oracle: every token it accepts is validly signed with valid claims.
//! The body is `authconform::fuzzing::verifier_differential`; `tests/fuzz_corpus_replay.rs` replays the corpus through it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(violation) = authconform::fuzzing::verifier_differential(data) {
        panic!("{violation}");
    }
});
