#!/usr/bin/env bash
# Builds the Debian package of the daemon: target/debian/keepalive-haproxy_*.deb
# (the contents: [package.metadata.deb] in Cargo.toml). Extra arguments go to
# `cargo deb`. Needs cargo-deb: `cargo install cargo-deb --locked`.
#
# The daemon is the example `keepalive-haproxy`, and its man page is generated
# from its command line by the example `keepalive-haproxy-man`. cargo-deb
# builds binaries but runs nothing, so this builds both examples, writes the
# man page, gzipped, where the package's asset
# `target/release/man/keepalive-haproxy.8.gz` points, and packages that same
# build with `cargo deb --no-build`.
#
# PROFILE (default release) selects the Cargo profile: tests/package.rs
# packages the dev build the lab tests already made, as the release build
# (LTO, one codegen unit) costs 5 to 8 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=${PROFILE:-release}
case "$profile" in
    dev) dir=debug ;;
    *) dir=$profile ;;
esac
cargo build --profile "$profile" --example keepalive-haproxy --example keepalive-haproxy-man
# cargo-deb reads `target/release/` in assets as Cargo's target directory,
# wherever CARGO_TARGET_DIR or a config puts it: ask Cargo for it too.
target=$(cargo metadata --format-version 1 --no-deps |
    sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
mkdir -p "$target/$dir/man"
"$target/$dir/examples/keepalive-haproxy-man" "$target/$dir/man/keepalive-haproxy.8"
# Debian's man pages are gzipped; cargo-deb leaves files of target/release as
# they are (it reads target/release in assets as the profile's directory).
gzip -9nf "$target/$dir/man/keepalive-haproxy.8"
cargo deb --no-build --profile "$profile" "$@"
