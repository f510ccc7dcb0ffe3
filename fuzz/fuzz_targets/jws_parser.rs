//! The forge's compact-JWS parser (round trip, segment bookkeeping, strict re-encoding).
//! The body is `authconform::fuzzing::jws_parser`; `tests/fuzz_corpus_replay.rs` replays the corpus through it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(violation) = authconform::fuzzing::jws_parser(data) {
        panic!("{violation}");
    }
});
