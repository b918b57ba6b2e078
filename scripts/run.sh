#!/usr/bin/env bash
# Runs BrokerGateway locally.
#   scripts/run.sh              a cluster on loopback: nats-server, redis-server, three replicas, HAProxy
#   scripts/run.sh --embedded   one replica with no servers (in-memory broker and presence), in the foreground
#   scripts/run.sh stop         stops the cluster
# Installs nats-server, redis-server and haproxy with apt when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/prereqs.sh
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

state=.run
secret="${BGW_JWT_SECRET:-dev-secret-change-me-dev-secret-change-me}"
api_token="${BGW_API_TOKEN:-dev-api-token}"
dll=src/BrokerGateway.Server/bin/Release/net10.0/BrokerGateway.Server.dll

source scripts/lib/ports.sh
# wait_port PORT PID NAME: until PORT takes connections; fails at once, showing the log, if PID exits first.
wait_port() {
  for _ in $(seq 1 300); do
    port_free "$1" || return 0
    if ! kill -0 "$2" 2>/dev/null; then
      echo "$3 exited before listening on port $1; the end of $state/$3.log:" >&2
      tail -n 20 "$state/$3.log" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "$3 did not listen on port $1 within 30 s; see $state/$3.log" >&2
  return 1
}

# The pid of a pid file if that process is still the one this script started from this checkout: after a
# crash or a reboot the number may belong to someone else's process, which must not be signalled.
our_pid() {
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$(pwd -P)" ] && echo "$pid"
}

# stop_processes NAME...: SIGTERM to each, then up to 10 s for all to exit, then SIGKILL.
stop_processes() {
  local pids=() pid name
  for name in "$@"; do
    pid=$(our_pid "$state/$name.pid") && { kill "$pid" 2>/dev/null || true; pids+=("$pid"); }
    rm -f "$state/$name.pid"
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
}

stop_cluster() {
  ls "$state"/*.pid >/dev/null 2>&1 || { echo "no local cluster running"; return 0; }
  # Replicas first: their drain tells clients to reconnect and clears presence, which needs NATS and Redis.
  stop_processes replica1 replica2 replica3
  stop_processes haproxy nats redis
  echo "local cluster stopped (logs kept in $state/)"
}

build() { dotnet build src/BrokerGateway.Server -c Release -v quiet -nologo >/dev/null; }

case "${1:-}" in
  stop) stop_cluster; exit 0 ;;
  --embedded)
    build
    pick_port public_port 8080; pick_port grpc_port 8081; pick_port internal_port 8082
    export BGW_PUBLIC_PORT="${BGW_PUBLIC_PORT:-$public_port}" BGW_GRPC_PORT="${BGW_GRPC_PORT:-$grpc_port}" BGW_INTERNAL_PORT="${BGW_INTERNAL_PORT:-$internal_port}"
    export BGW_BIND="${BGW_BIND:-127.0.0.1}" BGW_JWT_SECRET="$secret" BGW_ALLOW_GUESTS="${BGW_ALLOW_GUESTS:-true}"
    echo "embedded replica (no NATS, no Redis): http://127.0.0.1:$BGW_PUBLIC_PORT/   ws://127.0.0.1:$BGW_PUBLIC_PORT/v1/ws"
    echo "gRPC (h2c) 127.0.0.1:$BGW_GRPC_PORT   metrics http://127.0.0.1:$BGW_INTERNAL_PORT/metrics"
    echo "JWT secret (HS256): $secret"
    echo "a token for user alice: $(dotnet "$dll" token alice)"
    exec dotnet "$dll"
    ;;
  "") ;;
  *) echo "usage: scripts/run.sh [--embedded | stop]" >&2; exit 2 ;;
esac

ensure_debian_packages nats-server redis-server haproxy
[ -d "$state" ] && ls "$state"/*.pid >/dev/null 2>&1 && stop_cluster >/dev/null
mkdir -p "$state"
build
# A cluster that fails to start half-way is stopped whole, however the script ends.
started=0
trap '[ "$started" = 1 ] || { echo "start failed; logs in $state/" >&2; stop_cluster >/dev/null; }' EXIT

pick_port nats_port 4222
pick_port redis_port 6379
pick_port public_port 8080
pick_port grpc_port 8081
pick_port internal_port 8082

nats-server -a 127.0.0.1 -p "$nats_port" >"$state/nats.log" 2>&1 & echo $! >"$state/nats.pid"
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >"$state/redis.log" 2>&1 & echo $! >"$state/redis.pid"
wait_port "$nats_port" "$(cat "$state/nats.pid")" nats; wait_port "$redis_port" "$(cat "$state/redis.pid")" redis

backends_public=""; backends_grpc=""; backends_internal=""
for i in 1 2 3; do
  pick_port p $((18080 + i * 10)); pick_port g $((18081 + i * 10)); pick_port n $((18082 + i * 10))
  BGW_PUBLIC_PORT=$p BGW_GRPC_PORT=$g BGW_INTERNAL_PORT=$n BGW_BIND=127.0.0.1 \
  BGW_NATS_URL="nats://127.0.0.1:$nats_port" BGW_REDIS="127.0.0.1:$redis_port" \
  BGW_JWT_SECRET="$secret" BGW_API_TOKEN="$api_token" BGW_ALLOW_GUESTS="${BGW_ALLOW_GUESTS:-true}" \
    dotnet "$dll" >"$state/replica$i.log" 2>&1 & echo $! >"$state/replica$i.pid"
  backends_public+="    server r$i 127.0.0.1:$p check"$'\n'
  backends_grpc+="    server r$i 127.0.0.1:$g proto h2 check"$'\n'
  backends_internal+="    server r$i 127.0.0.1:$n check"$'\n'
  wait_port "$p" "$(cat "$state/replica$i.pid")" "replica$i"
done

cat >"$state/haproxy.cfg" <<CFG
global
    # Each proxied connection takes two descriptors; stay inside this shell's limit.
    maxconn $(( $(ulimit -n) / 2 - 100 ))
defaults
    mode http
    timeout connect 5s
    timeout client 1h
    timeout server 1h
    timeout tunnel 1h
    option http-server-close
frontend public
    bind 127.0.0.1:$public_port
    default_backend replicas_public
frontend grpc
    bind 127.0.0.1:$grpc_port proto h2
    default_backend replicas_grpc
frontend internal
    bind 127.0.0.1:$internal_port
    default_backend replicas_internal
backend replicas_public
    balance leastconn
    option httpchk GET /readyz
$backends_public
backend replicas_grpc
    balance roundrobin
$backends_grpc
backend replicas_internal
    balance roundrobin
$backends_internal
CFG
haproxy -f "$state/haproxy.cfg" >"$state/haproxy.log" 2>&1 & echo $! >"$state/haproxy.pid"
wait_port "$public_port" "$(cat "$state/haproxy.pid")" haproxy
started=1

cat <<MSG
BrokerGateway local cluster (3 replicas behind HAProxy), logs in $state/
  demo page         http://127.0.0.1:$public_port/
  client WebSocket  ws://127.0.0.1:$public_port/v1/ws?token=<jwt>
  gRPC (h2c)        127.0.0.1:$grpc_port        API token: $api_token
  metrics           http://127.0.0.1:$internal_port/metrics
  NATS              nats://127.0.0.1:$nats_port
  Redis             127.0.0.1:$redis_port
  JWT secret (HS256): $secret
  a token for user alice: $(BGW_JWT_SECRET="$secret" dotnet "$dll" token alice)
Push to a room with a plain NATS publish (any NATS client), e.g.:
  scripts/push.sh bgw.default.room.lobby '{"text":"hi there"}' 127.0.0.1:$nats_port
Stop with: scripts/run.sh stop
MSG
