# Installs, from Debian's packages, the servers the tests and the local cluster run for real.
# Sourced by test.sh, run.sh and bench.sh; a no-op when everything is already there.

ensure_debian_packages() {
  local missing=()
  for pkg in "$@"; do
    case "$pkg" in
      nats-server)  command -v nats-server >/dev/null || [ -x /usr/sbin/nats-server ] || missing+=("$pkg") ;;
      redis-server) command -v redis-server >/dev/null || missing+=("$pkg") ;;
      haproxy)      command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || missing+=("$pkg") ;;
      nodejs)       command -v node >/dev/null || missing+=(nodejs npm) ;;
      *)            dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg") ;;
    esac
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts redis-server as a service on install; our tests and clusters start their own.
  if command -v systemctl >/dev/null 2>&1; then $sudo systemctl stop redis-server >/dev/null 2>&1 || true; fi
}

export PATH="$PATH:/usr/sbin:/sbin"
