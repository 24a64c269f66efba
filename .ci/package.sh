#!/usr/bin/env bash
# Packs one release binary with the README and the licences, as the
# release workflow publishes it: <out>/localelements-<version>-<target>.tar.gz,
# or .zip for a Windows target (with 7z, which GitHub's Windows runners
# have). Prints the archive's path. The checksums of all archives are
# written once, beside them, by the workflow's publishing job.
#
#   .ci/package.sh v0.1.0 x86_64-unknown-linux-musl target/x86_64-unknown-linux-musl/release/localelements dist
set -euo pipefail
if [ $# -ne 4 ]; then
  echo "usage: $0 <version> <target> <binary> <out-dir>" >&2
  exit 2
fi
version=$1 target=$2 binary=$3 out=$4
cd "$(dirname "$0")/.."
name="localelements-$version-$target"
mkdir -p "$out"
out=$(cd "$out" && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir "$stage/$name"
cp "$binary" README.md LICENSE-MIT LICENSE-APACHE "$stage/$name/"
case "$target" in
  *windows*)
    archive="$out/$name.zip"
    rm -f "$archive"
    (cd "$stage" && 7z a -tzip -bso0 -bsp0 "$archive" "$name")
    ;;
  *)
    archive="$out/$name.tar.gz"
    chmod 755 "$stage/$name/$(basename "$binary")"
    tar -C "$stage" -czf "$archive" "$name"
    ;;
esac
echo "$archive"
