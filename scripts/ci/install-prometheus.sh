#!/bin/sh
# Installs Prometheus + promtool (Debian/Ubuntu package, 2.42 on bookworm) for the usage-source
# tests and benchmark, which start a real Prometheus on 127.0.0.1. No-op when already installed.
set -eu
if command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1; then
  echo "prometheus already installed: $(prometheus --version 2>&1 | head -n 1)"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends prometheus
# The package starts a system service scraping localhost:9090/9100; tests use their own
# instance on a free port, so stop it where systemd runs (harmless elsewhere).
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  $SUDO systemctl stop prometheus prometheus-node-exporter 2>/dev/null || true
fi
prometheus --version 2>&1 | head -n 1
promtool --version 2>&1 | head -n 1
