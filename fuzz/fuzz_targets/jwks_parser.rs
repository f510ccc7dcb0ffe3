//! The reference server's JWKS parser and the forge's JWK reader.
//! The body is `authconform::fuzzing::jwks_parser`; `tests/fuzz_corpus_replay.rs` replays the corpus through it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(violation) = authconform::fuzzing::jwks_parser(data) {
        panic!("{violation}");
    }
});
