#!/usr/bin/env bash
# The shell steps of the GitHub Action (action.yml), one sub-command per step, so that a test can run
# them outside GitHub (tests/action_script.rs):
#
#   action.sh toolchain   install Rust with rustup when cargo is missing (GITHUB_PATH gets ~/.cargo/bin)
#   action.sh key         the cache key and install root of the authconform build (to GITHUB_OUTPUT)
#   action.sh install     cargo install --locked, from the action's checkout or a crates.io version
#   action.sh run         authconform run with the action's inputs; its exit code to GITHUB_OUTPUT
#   action.sh gate        fail the step as the exit code and fail-on-findings say
#
# Inputs come as environment variables: ACTION_PATH, VERSION, ROOT, CACHE_HIT, TARGET, PROFILE,
# SCENARIOS, EXTRA_ARGS, SARIF, CODE, FAIL_ON_FINDINGS; AUTHCONFORM names the binary (default:
# `authconform` on PATH).
set -euo pipefail

toolchain() {
  if command -v cargo >/dev/null 2>&1; then
    echo "cargo found: $(cargo --version)"
    return 0
  fi
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs \
    | sh -s -- -y --profile minimal --default-toolchain stable --no-modify-path
  echo "$HOME/.cargo/bin" >> "$GITHUB_PATH"
}

key() {
  local hash
  if [ "${VERSION:-source}" = source ]; then
    # The action's sources, whatever ref it was pinned to (hashFiles only sees the workspace).
    hash=$(cd "$ACTION_PATH" && find Cargo.toml Cargo.lock build.rs src reference-server apis \
      fixtures scenarios specs -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
  else
    hash="$VERSION"
  fi
  echo "key=authconform-${RUNNER_OS:-os}-${RUNNER_ARCH:-arch}-${hash}" >> "$GITHUB_OUTPUT"
  echo "root=${RUNNER_TEMP:-/tmp}/authconform" >> "$GITHUB_OUTPUT"
}

install() {
  if [ "${CACHE_HIT:-}" != true ]; then
    if [ "${VERSION:-source}" = source ]; then
      cargo install --locked --path "$ACTION_PATH" --root "$ROOT"
    else
      cargo install --locked authconform --version "$VERSION" --root "$ROOT"
    fi
  fi
  echo "$ROOT/bin" >> "$GITHUB_PATH"
}

run() {
  local args=(run --report "sarif:${SARIF:-authconform.sarif}")
  if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    args+=(--report "markdown:${GITHUB_STEP_SUMMARY}")
  fi
  if [ -n "${TARGET:-}" ]; then args+=(--target "$TARGET"); fi
  if [ -n "${PROFILE:-}" ]; then args+=(--profile "$PROFILE"); fi
  # No scenarios: the bundled suite built into the binary.
  local path
  for path in ${SCENARIOS:-}; do args+=(--scenarios "$path"); done
  if [ -n "${EXTRA_ARGS:-}" ]; then
    local extra
    read -r -a extra <<< "$EXTRA_ARGS"
    args+=("${extra[@]}")
  fi
  local bin="${AUTHCONFORM:-authconform}"
  echo "authconform ${args[*]}"
  local code=0
  "$bin" "${args[@]}" || code=$?
  echo "exit-code=$code" >> "$GITHUB_OUTPUT"
}

gate() {
  case "${CODE:-}" in
    0) echo "authconform: gate passed (100% on every criterion)" ;;
    1)
      echo "::error title=authconform::the target failed at least one check (see the job summary)"
      if [ "${FAIL_ON_FINDINGS:-true}" = true ]; then return 1; fi
      ;;
    2) echo "::error title=authconform::usage or configuration error (bad flag, profile or scenario)"; return 2 ;;
    3) echo "::error title=authconform::target unreachable or harness error"; return 3 ;;
    *) echo "::error title=authconform::authconform did not finish (exit code '${CODE:-}')"; return 1 ;;
  esac
}

case "${1:-}" in
  toolchain | key | install | run | gate) "$1" ;;
  *)
    echo "usage: $0 toolchain|key|install|run|gate" >&2
    exit 2
    ;;
esac
