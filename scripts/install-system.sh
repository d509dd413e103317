#!/bin/sh
# Install the Debian packages the test suite needs, only where missing.
# chromium: browser tests (Playwright drives /usr/bin/chromium; no browser download).
# ffmpeg: the system ffmpeg is optional (imageio-ffmpeg ships one); sox/espeak-ng/fluidsynth
# are only needed to regenerate the default pack.
set -e
need=""
[ -x /usr/bin/chromium ] || need="$need chromium"
[ -n "$need" ] || exit 0
if [ "$(id -u)" != 0 ]; then
  echo "missing Debian packages:$need (run: sudo apt-get install$need)" >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
