#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build script: builds every cargo-fuzz target of fuzz/ with the sanitizer the
# runner asks for (cargo fuzz reads $SANITIZER through the base image's wrapper), then copies each binary
# with its dictionary and seed corpus into $OUT.
cd "$SRC/authconform"

cargo fuzz build --release --debug-assertions

release_dir=fuzz/target/x86_64-unknown-linux-gnu/release
for target in $(cargo fuzz list); do
  cp "$release_dir/$target" "$OUT/$target"
  cp fuzz/jwt.dict "$OUT/$target.dict"
  if compgen -G "fuzz/corpus/$target/*" > /dev/null; then
    (cd "fuzz/corpus/$target" && zip -q -r "$OUT/${target}_seed_corpus.zip" .)
  fi
done
