#!/usr/bin/env bash
# Install what browser-actor needs on a fresh Debian/Ubuntu machine: Chromium, chromedriver,
# redis-server and Java (the tests start their own Redis and Selenium Grid, on 127.0.0.1) from apt
# when they are missing (as root, or through sudo), then the npm dependencies (npm ci).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
if [ -z "${CHROMIUM_PATH:-}" ] && ! command -v chromium >/dev/null 2>&1; then need+=(chromium); fi
if ! command -v chromedriver >/dev/null 2>&1; then need+=(chromium-driver); fi
if ! command -v redis-server >/dev/null 2>&1; then need+=(redis-server); fi
# Java runs the Selenium Grid that the WebDriver tests start (its jar comes from npm).
if ! command -v java >/dev/null 2>&1; then need+=(default-jre-headless); fi

if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    sudo=()
  elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "setup: ${need[*]} missing and this user cannot install packages; run as root: apt-get install ${need[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${need[*]} with apt-get"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
fi

# Chromium's headless shell: the same engine without the desktop browser, about half the CPU per
# page headless (the Playwright driver prefers it when it is installed). Optional: where the
# package does not exist, full Chromium runs headless.
if [ -z "${CHROMIUM_PATH:-}" ] && [ ! -x /usr/lib/chromium/chromium-headless-shell ] && [ ! -x /usr/bin/chromium-headless-shell ]; then
  if [ "$(id -u)" -eq 0 ]; then shell_sudo=(); elif command -v sudo >/dev/null 2>&1; then shell_sudo=(sudo); else shell_sudo=(false); fi
  if [ "${#need[@]}" -eq 0 ]; then "${shell_sudo[@]}" apt-get update -qq || true; fi
  if DEBIAN_FRONTEND=noninteractive "${shell_sudo[@]}" apt-get install -y -qq chromium-headless-shell >/dev/null 2>&1; then
    echo "setup: installed chromium-headless-shell"
  else
    echo "setup: chromium-headless-shell is not available here; headless runs use full Chromium (slower)"
  fi
fi

echo "setup: chromium: $( (${CHROMIUM_PATH:-chromium} --version 2>/dev/null || echo 'not found') | head -n 1)"
echo "setup: headless shell: $( (/usr/lib/chromium/chromium-headless-shell --version 2>/dev/null || echo 'not installed') | head -n 1)"
echo "setup: redis-server: $( (redis-server --version 2>/dev/null || echo 'not found') | head -n 1)"
echo "setup: chromedriver: $( (chromedriver --version 2>/dev/null || echo 'not found') | head -n 1)"
echo "setup: java: $( (java -version 2>&1 || echo 'not found') | head -n 1)"
npm ci --no-audit --no-fund
# Built here, so that `npx browser-actor` works right after setup (npm start and npm test build again).
npm run build --silent
echo "setup: done; the command is npx browser-actor (see the README's First hour)"
