#!/bin/sh
# Installs the programs the tests drive for real, where missing (Debian/Ubuntu, apt): Prometheus
# and promtool (usage-source tests), git (the fake GitHub's bare repository, local-git mode) and
# openssl (the loopback cloud fakes' TLS certificate). No-op for what is already on PATH.
# The test set-up (test/support/global-setup.ts) runs it when something is missing and it can
# (root or password-less sudo); run it yourself otherwise: sudo sh scripts/ci/install-test-tools.sh
set -eu
cd "$(dirname "$0")"
sh ./install-prometheus.sh
missing=""
for tool in git openssl; do
  command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update
  # shellcheck disable=SC2086
  $SUDO apt-get install -y --no-install-recommends $missing
fi
