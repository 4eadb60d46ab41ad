#!/usr/bin/env bash
# Smoke test of the Linux bundle: --version, a replica opened (created and migrated) on a
# temporary data dir, status --json, and the till window started offscreen.
# Usage: installers/smoke_test.sh [BUNDLE_DIR]   (default: build/dist/pos-terminal)
set -euo pipefail
BUNDLE="${1:-build/dist/pos-terminal}"
EXE="$BUNDLE/pos-terminal"
export QT_QPA_PLATFORM=offscreen
DATA="$(mktemp -d)"
CONFIG="$DATA/terminal.toml"
trap 'rm -rf "$DATA"' EXIT
# Isolated from the user's own settings and keyring: a config file in the temp dir.
printf 'data_dir = "%s"\nkeyring_service = "pos-terminal-smoke"\n' "$DATA/data" >"$CONFIG"
export POS_TERMINAL_CONFIG="$CONFIG"

fail() { echo "smoke test FAILED: $*" >&2; exit 1; }

expected="$("${PYTHON:-.venv/bin/python}" -c 'from importlib.metadata import version; print(version("pos-member-terminal"))' 2>/dev/null || true)"
got="$("$EXE" --version)"
echo "$got"
[[ "$got" == "pos-terminal "* ]] || fail "--version printed '$got'"
[[ -z "$expected" || "$got" == "pos-terminal $expected" ]] || fail "version $got, expected $expected"

"$EXE" init --store-code S900 --currency EUR --timezone Europe/Paris --phone-region FR --language en
"$EXE" status --json >"$DATA/status.json"
"${PYTHON:-.venv/bin/python}" - "$DATA/status.json" <<'PY' || fail "status --json"
import json, sys
report = json.load(open(sys.argv[1]))
assert report["schema_revision"], report
assert report["store"]["store_code"] == "S900", report
print("replica", report["replica"], "at schema", report["schema_revision"])
PY

# Qt pieces the offscreen start needs, and the translations.
find "$BUNDLE" -name 'libqoffscreen.so' | grep -q . || fail "Qt offscreen platform plugin missing"
find "$BUNDLE" -name 'pos_terminal_zh_CN.qm' | grep -q . || fail "translations (.qm) missing"
find "$BUNDLE" -name 'qtbase_zh_CN.qm' | grep -q . || fail "Qt's own translations (qtbase_zh_CN.qm) missing"
find "$BUNDLE" -path '*migrations/versions/*.py' | grep -q . || fail "Alembic migrations missing"

# The window: it must start (in Chinese) and still be running after a few seconds.
"$EXE" gui --language zh_CN >"$DATA/gui.log" 2>&1 &
pid=$!
for _ in $(seq 1 8); do
  sleep 1
  kill -0 "$pid" 2>/dev/null || { cat "$DATA/gui.log" >&2; fail "the window exited early"; }
done
kill "$pid"; wait "$pid" 2>/dev/null || true
if grep -E "Traceback|Error" "$DATA/gui.log" >&2; then fail "errors while the window ran"; fi
echo "smoke test passed: $BUNDLE"
