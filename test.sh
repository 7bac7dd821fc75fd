#!/usr/bin/env bash
# Runs every test. First installs, when missing, what the tests drive (never a running service):
#   postgresql  - server binaries; the PostgreSQL tests start their own throwaway cluster (initdb + pg_ctl on a free port)
#   chromium    - the headless browser the Swagger UI test drives with Playwright (Playwright never downloads one)
#   s3rver      - an S3-compatible server (npm, into .tools/s3rver) for the object-store blob tests; if it cannot be
#                 installed (no npm registry), those tests are skipped and say why
# Extra arguments go to `dotnet test` (e.g. --filter FullyQualifiedName~Pipeline).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=false
apt_install() {
  echo "test.sh: installing $1 (needed by the tests, see the comment at the top)" >&2
  if [ "$apt_updated" = false ]; then as_root apt-get update; apt_updated=true; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$1"
}

if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
  apt_install postgresql
  # The package may create and start a default cluster; the tests do not use it.
  if command -v pg_lsclusters >/dev/null 2>&1; then
    pg_lsclusters --no-header 2>/dev/null | while read -r version cluster _port status _rest; do
      if [ "$status" = "online" ]; then as_root pg_ctlcluster "$version" "$cluster" stop || true; fi
    done
  fi
fi

if [ ! -x /usr/bin/chromium ] && [ -z "${CHROMIUM_PATH:-}" ]; then
  apt_install chromium
fi

if [ -z "${S3RVER_PATH:-}" ] && [ ! -x .tools/s3rver/node_modules/.bin/s3rver ]; then
  command -v npm >/dev/null 2>&1 || apt_install npm || true
  echo "test.sh: installing s3rver into .tools/s3rver (needed by the tests, see the comment at the top)" >&2
  npm install --prefix .tools/s3rver --no-audit --no-fund --loglevel=error s3rver@3.7.1 >&2 \
    || echo "test.sh: could not install s3rver; the S3 blob store tests will be skipped" >&2
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "test.sh: dotnet is not on PATH (the .NET 10 SDK from global.json is required)" >&2
  exit 2
fi

exec dotnet test DistillService.sln "$@"
