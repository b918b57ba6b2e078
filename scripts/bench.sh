#!/usr/bin/env bash
# Benchmarks, each writing a results file under bench/results/ (kept in git, quoted in the README).
#   scripts/bench.sh nats      our NATS client beside NATS.Client 0.8.0 on one nats-server
#   scripts/bench.sh grpc      unary gRPC calls beside a plain Kestrel HTTP/2 endpoint
#   scripts/bench.sh fanout    pushes to rooms over three replicas
#   scripts/bench.sh uplink    client messages to workers, and client RPC, beside direct NATS request/reply
#   scripts/bench.sh framing   our WebSocket framing beside ASP.NET Core's stack, on one replica
# Extra arguments go to the benchmark program.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/prereqs.sh
ensure_debian_packages nats-server redis-server
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

which="${1:-}"; shift || true
case "$which" in
  nats)   project=bench/BrokerGateway.Bench.Nats ;;
  grpc)   project=bench/BrokerGateway.Bench.Grpc ;;
  fanout) project=bench/BrokerGateway.Bench.Fanout ;;
  uplink) project=bench/BrokerGateway.Bench.Uplink ;;
  framing) project=bench/BrokerGateway.Bench.Framing ;;
  *) echo "usage: scripts/bench.sh nats|grpc|fanout|uplink|framing [args]" >&2; exit 2 ;;
esac
mkdir -p bench/results
dotnet build "$project" -c Release >/dev/null
# An absolute path: a web project (the framing bench) runs in its own directory.
dotnet run --project "$project" -c Release --no-build -- --results "$PWD/bench/results/$which.md" "$@"
echo "results: bench/results/$which.md"
