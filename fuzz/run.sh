#!/usr/bin/env bash
# Fuzz the scenario target for SECONDS seconds (default 600), in one command from the
# repository's root: `bash fuzz/run.sh [SECONDS]`.
#
# Installs cargo-fuzz from crates.io when it is missing. cargo-fuzz builds with nightly
# compiler flags (sanitizer coverage); on a stable toolchain RUSTC_BOOTSTRAP=1 lets it use
# them, so no nightly toolchain needs to be fetched (`cargo +nightly fuzz run ...` works
# too where nightly is installed). The seed corpus is the shipped scenarios, the hand
# checks and the benchmark workload.
set -euo pipefail
seconds="${1:-600}"
cd "$(dirname "$0")"
if ! command -v cargo-fuzz >/dev/null; then
    cargo install cargo-fuzz --locked
fi
mkdir -p corpus/scenario
cp ../scenarios/*.toml ../tests/checks/*.toml ../benches/every-flow.toml corpus/scenario/
RUSTC_BOOTSTRAP=1 cargo fuzz run scenario corpus/scenario -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096
