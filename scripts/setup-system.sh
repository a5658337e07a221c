#!/usr/bin/env bash
# System packages the project needs beyond PyPI (Debian/Ubuntu): the headless Chromium that the
# browser test of `amisdw app` drives through Playwright (Playwright cannot download its own
# browser here) and a CJK font so that the page's Chinese renders as text, not as boxes.
#
# Idempotent: installs only what is missing, and does nothing when everything is present.
# Uses sudo when not run as root. The test suite calls it by itself (tests/integration/browser.py).
set -euo pipefail

PACKAGES=(chromium-headless-shell fonts-wqy-microhei)

missing=()
for pkg in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "setup-system: ${PACKAGES[*]} already installed"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup-system: apt-get not found; install ${missing[*]} with this system's package manager" >&2
    exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo -n)
else
    echo "setup-system: not root and no sudo; as root run: apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "setup-system: installing ${missing[*]}"
# a fresh machine may have no (or stale) package lists: refresh them when the install cannot
# find the packages
if ! "${SUDO[@]}" apt-get install -y --no-install-recommends "${missing[@]}"; then
    "${SUDO[@]}" apt-get update
    "${SUDO[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
fi
