# Sourced by scripts/setup.sh and scripts/setup-test-peers.sh.
#
# ensure_debian_packages <what for> <package>…: installs those not installed yet, with
# --no-install-recommends (each package a test or the node relies on is named; a Recommends that
# happens to be installed on one machine is not there on the next); as root only, else it lists
# them and fails.
ensure_debian_packages() {
  local what="$1"
  shift
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages for $what: ${missing[*]} (run as root, or install them first)" >&2
    return 1
  fi
  echo "setup: installing for $what: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
