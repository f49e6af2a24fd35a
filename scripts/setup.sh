#!/usr/bin/env bash
# One-time set-up of a fresh machine for building sbas (idempotent).
# It installs, with apt-get and only if missing, the system HDF5 library and pkg-config
# (Debian/Ubuntu packages libhdf5-dev, pkg-config) that the hdf5-metno crate links against.
# Needs root (or sudo) the first time; does nothing when they are already there.
set -euo pipefail

if pkg-config --exists hdf5 2>/dev/null; then
  exit 0
fi
echo "setup: installing libhdf5-dev and pkg-config with apt-get (needed to build sbas)" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "setup: not root and no sudo: install libhdf5-dev and pkg-config yourself" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq libhdf5-dev pkg-config >/dev/null
pkg-config --exists hdf5 || { echo "setup: HDF5 still not found by pkg-config" >&2; exit 1; }
echo "setup: done" >&2
