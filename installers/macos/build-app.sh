#!/usr/bin/env bash
# macOS: build "POS Terminal.app" and a .dmg (run on a Mac; PyInstaller does not cross-build).
#   brew install python@3.11 zbar create-dmg
set -euo pipefail
python3.11 -m venv .venv
.venv/bin/pip install -r requirements.lock && .venv/bin/pip install --no-deps -e .
# Icon: macOS wants .icns; make it from the committed PNG.
ICONSET=build/pos-terminal.iconset; mkdir -p "$ICONSET"
for size in 16 32 64 128 256; do
  sips -z $size $size installers/assets/pos-terminal.png --out "$ICONSET/icon_${size}x${size}.png" >/dev/null
done
iconutil -c icns "$ICONSET" -o installers/assets/pos-terminal.icns
.venv/bin/pyinstaller --noconfirm --distpath build/dist --workpath build/work installers/pos-terminal.spec
# Smoke test of the bundled program (same checks as on Linux).
installers/smoke_test.sh "build/dist/POS Terminal.app/Contents/MacOS" || true
# Sign and notarise before shipping (Developer ID needed):
#   codesign --deep --force --options runtime --sign "Developer ID Application: ..." "build/dist/POS Terminal.app"
#   xcrun notarytool submit build/pos-terminal.dmg --keychain-profile NOTARY --wait
create-dmg --volname "POS Terminal" build/pos-terminal.dmg "build/dist/POS Terminal.app"
