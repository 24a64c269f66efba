#!/usr/bin/env bash
# Installs the real service's published platform client and the HTTP library
# it was published with into DIR/node_modules (default: ./node_modules-root
# beside this script), only when they are missing.
#
# serverless-cloud-elements-plugin@0.1.6 cannot be installed with
# `npm install`: one of its declared dependencies (ce-sdkifier, needed only
# by the Serverless plugin in its index.js, not by platformSDK.js) is no
# longer on the npm registry. So its tarball is fetched with `npm pack`
# (which checks it against the registry's integrity hash), checked against
# the integrity pinned here, and unpacked. superagent is installed first:
# npm may remove packages it did not install itself.
set -euo pipefail
dir=${1:-"$(cd "$(dirname "$0")" && pwd)/node_modules-root"}
sdk_version=0.1.6
sdk_integrity='sha512-SlU5m1SDF6PIWE3K0wQeMHCUcscg59rUlF4oeRZU6q0pLCg4iQVbK19E4Y1EoN9sDaYYQXcUodXAVOq1IaLwhQ=='
superagent_version=3.8.3
modules=$dir/node_modules

installed_version() {
  node -e 'try { console.log(require(process.argv[1]).version) } catch (e) {}' "$modules/$1/package.json"
}

if [ "$(installed_version superagent)" != "$superagent_version" ] ||
   [ "$(installed_version serverless-cloud-elements-plugin)" != "$sdk_version" ]; then
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-save --no-audit --no-fund --ignore-scripts "superagent@$superagent_version"
  packed=$(mktemp -d)
  trap 'rm -rf "$packed"' EXIT
  (cd "$packed" && npm pack --silent "serverless-cloud-elements-plugin@$sdk_version" >/dev/null)
  tarball=$packed/serverless-cloud-elements-plugin-$sdk_version.tgz
  actual=$(node -e 'const c = require("crypto"), fs = require("fs");
    console.log("sha512-" + c.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64"))' "$tarball")
  if [ "$actual" != "$sdk_integrity" ]; then
    echo "serverless-cloud-elements-plugin@$sdk_version: integrity $actual, expected $sdk_integrity" >&2
    exit 1
  fi
  rm -rf "$modules/serverless-cloud-elements-plugin"
  mkdir -p "$modules/serverless-cloud-elements-plugin"
  tar -xzf "$tarball" -C "$modules/serverless-cloud-elements-plugin" --strip-components=1
fi
echo "platform client ready in $modules"
