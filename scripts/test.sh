#!/usr/bin/env bash
# Builds everything and runs every test against real nats-server and redis-server processes that the
# test fixtures start on free loopback ports. Installs what is missing first.
#   scripts/test.sh                 all tests
#   scripts/test.sh --filter X      passed on to dotnet test
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/prereqs.sh

ensure_debian_packages nats-server redis-server haproxy nodejs

# The servers are installed above, so a test that cannot find one must fail, not skip.
export BGW_REQUIRE_SERVERS="${BGW_REQUIRE_SERVERS:-1}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# Interop tests drive our servers from clients nobody here wrote (npm packages, pinned by lock files).
for dir in tests/interop/*/; do
  if [ -f "$dir/package.json" ]; then
    (cd "$dir" && if [ -f package-lock.json ]; then npm ci --silent --no-audit --no-fund; else npm install --silent --no-audit --no-fund; fi)
  fi
done

dotnet restore BrokerGateway.sln
dotnet build BrokerGateway.sln -c Release --no-restore
log=$(mktemp)
set +e
dotnet test BrokerGateway.sln -c Release --no-build "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One closing line for the whole run, summed over the test projects.
awk '/^(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { gsub(",", "", p); printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit "$status"
