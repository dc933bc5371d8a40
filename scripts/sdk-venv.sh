#!/usr/bin/env bash
# Creates (once) a Python venv with Microsoft's Files and Identity SDKs for the
# conformance test, and prints the path of its interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/sdk-venv
stamp=$venv/.requirements
if [ ! -x "$venv/bin/python" ] || ! cmp -s tests/sdk/requirements.txt "$stamp"; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/sdk/requirements.txt >&2
  cp tests/sdk/requirements.txt "$stamp"
fi
echo "$PWD/$venv/bin/python"
