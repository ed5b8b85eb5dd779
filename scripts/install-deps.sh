#!/usr/bin/env bash
# Installs the system libraries recpipe links against (Lua 5.4, libyaml, SQLite) when they are missing.
set -euo pipefail
if pkg-config --exists lua5.4 yaml-0.1 sqlite3 2>/dev/null; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y liblua5.4-dev libyaml-dev libsqlite3-dev pkg-config
