# Port helpers for scripts that start servers on loopback. Sourced by run.sh.

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

chosen_ports=" "
# pick_port VAR WANTED: sets VAR to WANTED if free, else to a free port from 20000 on; never to a port this
# shell chose already (nothing listens on those yet, so they look free).
pick_port() {
  local _port=$2
  if ! port_free "$_port" || [[ "$chosen_ports" == *" $_port "* ]]; then
    _port=20000
    while ! port_free "$_port" || [[ "$chosen_ports" == *" $_port "* ]]; do _port=$((_port + 1)); done
  fi
  chosen_ports+="$_port "
  printf -v "$1" '%s' "$_port"
}
