#!/usr/bin/env bash
# Install the Linux bundle system-wide: /opt/pos-terminal, a `pos-terminal` command,
# the desktop entry and the icon. Run as root from the repository root after
# `make installer`. Uninstall: installers/linux/install.sh --uninstall
set -euo pipefail
PREFIX="${PREFIX:-/opt/pos-terminal}"
BUNDLE="${BUNDLE:-build/dist/pos-terminal}"
APPS=/usr/share/applications
ICONS=/usr/share/icons/hicolor/256x256/apps

if [[ "${1:-}" == "--uninstall" ]]; then
  rm -rf "$PREFIX" /usr/local/bin/pos-terminal "$APPS/pos-terminal.desktop" "$ICONS/pos-terminal.png"
  echo "removed (replicas in each user's ~/.local/share/pos-terminal are kept)"
  exit 0
fi
[[ -x "$BUNDLE/pos-terminal" ]] || { echo "no bundle at $BUNDLE: run make installer" >&2; exit 1; }
rm -rf "$PREFIX"
mkdir -p "$PREFIX" "$APPS" "$ICONS"
cp -a "$BUNDLE/." "$PREFIX/"
ln -sf "$PREFIX/pos-terminal" /usr/local/bin/pos-terminal
sed "s#/opt/pos-terminal#$PREFIX#g" installers/linux/pos-terminal.desktop >"$APPS/pos-terminal.desktop"
install -m 0644 installers/assets/pos-terminal.png "$ICONS/pos-terminal.png"
command -v update-desktop-database >/dev/null && update-desktop-database -q "$APPS" || true
echo "installed in $PREFIX; start it from the menu or run: pos-terminal gui"
