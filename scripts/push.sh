#!/usr/bin/env bash
# Pushes with a plain NATS publish, written by hand on a TCP socket: what any backend in any language does.
#   scripts/push.sh <subject> <payload> [nats host:port]
#   scripts/push.sh bgw.default.room.lobby '{"text":"hi there"}'
set -euo pipefail
subject="${1:?usage: scripts/push.sh <subject> <payload> [host:port]}"
payload="${2:?usage: scripts/push.sh <subject> <payload> [host:port]}"
server="${3:-127.0.0.1:4222}"
exec 3<>"/dev/tcp/${server%:*}/${server#*:}"
read -r -t 5 info <&3                         # INFO {...}
bytes=$(printf '%s' "$payload" | wc -c)
printf 'CONNECT {"verbose":false}\r\nPUB %s %d\r\n%s\r\nPING\r\n' "$subject" "$bytes" "$payload" >&3
while read -r -t 5 line <&3; do            # the server has the message once it answers PONG
  case "$line" in PONG*) exit 0 ;; -ERR*) echo "$line" >&2; exit 1 ;; esac
done
echo "no answer from $server" >&2; exit 1
