#!/bin/sh
# Installs Debian's Chromium for the chart tests (test/charts/render.test.ts), which render the
# PR body's Mermaid charts with the real mermaid library in a headless browser driven by
# playwright-core. No browser is ever downloaded by npm. No-op when already installed.
set -eu
if [ -x /usr/bin/chromium ]; then
  echo "chromium already installed: $(/usr/bin/chromium --version 2>/dev/null || echo unknown version)"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends chromium
/usr/bin/chromium --version 2>/dev/null || true
