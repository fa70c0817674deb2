#!/usr/bin/env bash
# System packages the tests need beyond the venv: GStreamer's RTSP server (tests/servers/rtsp_server.py,
# run with Debian's /usr/bin/python3 and python3-gi), ffmpeg (test clips), chromium (browser tests),
# mosquitto and redis-server (alert tests), espeak-ng (speech-to-text tests), strace (no traffic off loopback),
# postgresql (the database tests run on SQLite and on a PostgreSQL they start: tests/servers/postgres.py).
# Idempotent and quiet: apt is skipped entirely when every package is already installed.
set -euo pipefail

PACKAGES=(
    python3-gi                    # GObject introspection for /usr/bin/python3
    gir1.2-gst-rtsp-server-1.0    # GstRtspServer typelib (pulls libgstrtspserver, gir1.2-gstreamer)
    gstreamer1.0-plugins-base     # appsrc, appsink
    gstreamer1.0-plugins-good     # qtdemux, aacparse, rtph264pay, rtpmp4gpay, rtpbin, udp
    gstreamer1.0-plugins-bad      # h264parse
    ffmpeg                        # makes short test clips (loop tests, WebRTC fake camera)
    chromium                      # the real browser of the WebRTC and dashboard tests (never a download)
    fonts-liberation              # text in chromium's screenshots
    mosquitto                     # MQTT broker of the alert tests (started by the test on a free port)
    redis-server                  # arq delivery jobs in the alert tests (started by the test on a free port)
    espeak-ng                     # synthetic voices (a call for help) for the speech-to-text tests
    strace                        # the test that nothing leaves the machine (tests/test_nothing_phones_home.py)
    postgresql                    # initdb, postgres, psql in /usr/lib/postgresql/*/bin; the postgres user runs it under root
)

missing=()
for pkg in "${PACKAGES[@]}"; do
    status=$(dpkg -s "$pkg" 2>/dev/null || true)
    if [[ $status != *"Status: install ok installed"* ]]; then
        missing+=("$pkg")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    SUDO=(sudo)
fi
echo "install-system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
