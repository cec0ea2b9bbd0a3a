#!/bin/sh
# Install the headless browser the test suite drives (tests/test_nfce_consumer_page.py: the NFC-e consumer page
# opened from its QR code). Debian/Ubuntu: the distribution's chromium and chromium-driver. Idempotent; .ci/run
# calls it before pytest, and with CI=true the browser test fails (instead of skipping) when no browser is found.
set -eu

if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
    echo "install-browser: $(command -v chromium || command -v chromium-browser) already installed"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-browser: no apt-get here; install Chromium (chromium or chromium-browser on PATH) by hand" >&2
    exit 1
fi

SUDO=""
if [ "$(id -u)" != "0" ]; then
    SUDO="sudo"
fi

$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver \
    fonts-dejavu-core
echo "install-browser: $(command -v chromium) installed"
