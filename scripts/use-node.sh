# Puts Node <major> (default 24) first on PATH for the shell that sources it:
#
#   source scripts/use-node.sh [major]     # then bash scripts/setup.sh, npm test, npm run demo, …
#
# The machine's own node when it already is that major; else the official Node build that the npm
# registry publishes as the package node-linux-<arch> (what `npm install node@<major>` installs),
# unpacked once into .tools/node<major>/ of this checkout (git-ignored). npm stays the machine's
# npm, run by the Node put first on PATH. node-gyp compiles addons against the headers of
# npm_config_nodedir, set here to that Node's own (.tools/node<major>/include/node): it would
# otherwise download them from nodejs.org, or use a nodedir from ~/.npmrc that belongs to the
# machine's node. After switching, `bash scripts/setup.sh` rebuilds the native modules that were
# compiled for another Node ABI.
#
# Run instead of sourced (`bash scripts/use-node.sh [major]`) it only prints the bin folder.

__unimie_use_node() {
  local major="${1:-24}"
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)" || return 1
  if ! [[ "$major" =~ ^[0-9]+$ ]]; then
    echo "use-node: the argument is a Node major version (e.g. 24), not '$major'" >&2
    return 2
  fi
  local have=""
  if command -v node >/dev/null 2>&1; then have="$(node -p 'process.versions.node' 2>/dev/null)"; fi
  local dir="$root/.tools/node$major"
  # The machine's node will do, unless it is the one in .tools of another major.
  if [ "${have%%.*}" = "$major" ] && [ "$(command -v node)" != "$dir/bin/node" ]; then
    __unimie_node_bin="$(dirname "$(command -v node)")"
    return 0
  fi
  if [ ! -x "$dir/bin/node" ]; then
    local arch
    case "$(uname -m)" in
      x86_64) arch=x64 ;;
      aarch64 | arm64) arch=arm64 ;;
      *) echo "use-node: no node-linux package for $(uname -m)" >&2; return 1 ;;
    esac
    if ! command -v npm >/dev/null 2>&1; then
      echo "use-node: Node $major is not installed and there is no npm to fetch it with (install any Node with npm first)" >&2
      return 1
    fi
    local tmp
    tmp="$(mktemp -d)" || return 1
    echo "use-node: fetching node-linux-$arch@$major from the npm registry into $dir" >&2
    local tgz
    # npm pack checks the registry's integrity hash; it runs no install scripts.
    if ! tgz="$(cd "$tmp" && npm pack --silent "node-linux-$arch@$major" | tail -n 1)" || [ ! -f "$tmp/$tgz" ]; then
      echo "use-node: npm pack node-linux-$arch@$major failed" >&2
      rm -rf "$tmp"
      return 1
    fi
    mkdir -p "$tmp/node" && tar -xzf "$tmp/$tgz" -C "$tmp/node" --strip-components=1 || { rm -rf "$tmp"; return 1; }
    if [ ! -f "$tmp/node/include/node/node_version.h" ] || ! "$tmp/node/bin/node" -e '' ; then
      echo "use-node: node-linux-$arch@$major has no runnable bin/node or no include/node headers" >&2
      rm -rf "$tmp"
      return 1
    fi
    mkdir -p "$root/.tools" && rm -rf "$dir" && mv "$tmp/node" "$dir" || { rm -rf "$tmp"; return 1; }
    rm -rf "$tmp"
  fi
  __unimie_node_bin="$dir/bin"
  __unimie_node_dir="$dir"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  # Executed: print the bin folder only.
  set -euo pipefail
  __unimie_use_node "$@"
  echo "$__unimie_node_bin"
  exit 0
fi

unset __unimie_node_bin __unimie_node_dir
if __unimie_use_node "$@"; then
  if [ -n "${__unimie_node_dir:-}" ]; then
    case ":$PATH:" in
      *":$__unimie_node_bin:"*) PATH=":$PATH:"; PATH="${PATH//:$__unimie_node_bin:/:}"; PATH="${PATH#:}"; PATH="${PATH%:}" ;;
    esac
    export PATH="$__unimie_node_bin:$PATH"
    export npm_config_nodedir="$__unimie_node_dir"
  fi
  hash -r
  echo "use-node: $(command -v node) $(node -v) (ABI $(node -p process.versions.modules))" >&2
  unset __unimie_node_bin __unimie_node_dir
  unset -f __unimie_use_node
else
  __unimie_rc=$?
  unset __unimie_node_bin __unimie_node_dir
  unset -f __unimie_use_node
  return $__unimie_rc 2>/dev/null || exit $__unimie_rc
fi
