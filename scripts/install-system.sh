#!/bin/sh
# Install the Debian packages the test suite needs, only where missing: no test skips for want of one.
# chromium: browser tests (Playwright drives /usr/bin/chromium; no browser download).
# default-jre-headless: java for the Nu HTML checker (vnu-jar, from npm).
# fluidsynth, fluid-soundfont-gm: the SoundFont import test (and regenerating the default pack).
# ffmpeg: the system ffmpeg is optional (imageio-ffmpeg ships one); sox and espeak-ng
# are only needed to regenerate the default pack.
set -e
need=""
[ -x /usr/bin/chromium ] || need="$need chromium"
command -v java >/dev/null 2>&1 || need="$need default-jre-headless"
command -v fluidsynth >/dev/null 2>&1 || need="$need fluidsynth"
[ -f /usr/share/sounds/sf2/FluidR3_GM.sf2 ] || need="$need fluid-soundfont-gm"
[ -n "$need" ] || exit 0
if [ "$(id -u)" != 0 ]; then
  echo "missing Debian packages:$need (run: sudo apt-get install$need)" >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
