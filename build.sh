#!/usr/bin/env bash
# SwarmAgentBot build entry point.
#   ./build.sh run            install what is missing, build, seed demo data, serve on http://localhost:3978
#   ./build.sh test           install test prerequisites, build, run every test
#   ./build.sh bench NAME     run a benchmark (./build.sh bench lists them)
#   ./build.sh build          build only
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
CONFIG=${CONFIG:-Release}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Debian packages each mode needs (names, not versions: Debian's own).
RUN_PACKAGES=(libxgboost0)
TEST_PACKAGES=(libxgboost0 chromium python3-scipy)
BENCH_PACKAGES=(libxgboost0 python3-sklearn python3-scipy python3-xgboost python3-pandas python3-numpy)

log() { printf '\033[1;34m[build]\033[0m %s\n' "$*" >&2; }

apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

need_dotnet() {
  command -v dotnet >/dev/null || { echo "The .NET SDK (10.0) is required: https://dotnet.microsoft.com/download" >&2; exit 1; }
}

npm_install() { # folder
  local dir=$1
  [ -f "$dir/package.json" ] || return 0
  command -v npm >/dev/null || apt_install nodejs npm
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package.json" -nt "$dir/node_modules" ] || { [ -f "$dir/package-lock.json" ] && [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; }; then
    log "npm install in $dir"
    if [ -f "$dir/package-lock.json" ]; then (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    else (cd "$dir" && npm install --no-audit --no-fund --loglevel=error); fi
    touch "$dir/node_modules"
  fi
}

web_assets() {
  npm_install web
  local lib=src/SwarmAgentBot.Host/wwwroot/lib
  mkdir -p "$lib"
  cp web/node_modules/botframework-webchat/dist/webchat.js "$lib/webchat.js"
}

build() {
  need_dotnet
  web_assets
  log "dotnet build ($CONFIG)"
  dotnet build SwarmAgentBot.sln -c "$CONFIG" -nologo -clp:ErrorsOnly -v:q
}

cmd=${1:-run}
shift || true
case "$cmd" in
  build)
    apt_install "${RUN_PACKAGES[@]}"
    build
    ;;
  run)
    apt_install "${RUN_PACKAGES[@]}"
    build
    log "seeding demo data"
    ./swarm seed
    log "serving on http://localhost:3978 (Ctrl+C to stop)"
    exec ./swarm serve "$@"
    ;;
  test)
    apt_install "${TEST_PACKAGES[@]}"
    npm_install tests/e2e
    build
    exec bash tests/run-tests.sh "$@"
    ;;
  bench)
    apt_install "${BENCH_PACKAGES[@]}"
    build
    exec dotnet "bench/SwarmAgentBot.Bench/bin/$CONFIG/net10.0/swarm-bench.dll" "$@"
    ;;
  *)
    echo "usage: ./build.sh run|test|bench NAME|build" >&2
    exit 2
    ;;
esac
