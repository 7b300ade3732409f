# shellcheck shell=bash
# The project's Node runtime, sourced by tools/setup, tools/check and tools/start (and by a
# developer's shell: `source tools/node-env.sh`). The project needs Node >= 22 (Node 20 is
# end-of-life, and the SDKs our users run declare >= 22). When the machine's `node` is older,
# tools/setup provisions Node 24 LTS from the npm registry package `node-linux-<arch>` (it carries
# `bin/node` and the headers node-gyp builds the addon against) into a per-user cache, and this
# file puts it first on PATH, so npm, nx, jest, node-gyp, the gateway and every process a test
# spawns (`process.execPath` or `node`) run on it.

DDS_NODE_VERSION=24.22.3
DDS_NODE_MIN_MAJOR=22
DDS_CACHE_DIR="${DDS_LLM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dds-llm}"

# npm's `integrity` of each tarball, pinned: setup refuses a download that does not match.
dds_node_integrity() {
  case "$1" in
    x64) echo 'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==' ;;
    arm64) echo 'sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw==' ;;
    *) return 1 ;;
  esac
}

dds_node_arch() {
  case "$(uname -m)" in
    x86_64 | amd64) echo x64 ;;
    aarch64 | arm64) echo arm64 ;;
    *) return 1 ;;
  esac
}

# Where setup keeps the provisioned Node (one copy per machine and user, shared by checkouts).
dds_node_dir() {
  local arch
  arch="$(dds_node_arch)" || return 1
  echo "$DDS_CACHE_DIR/node/v$DDS_NODE_VERSION-linux-$arch"
}

# Major version of the first `node` on PATH (0 when there is none).
dds_node_major() {
  local v
  v="$(node -p 'process.versions.node' 2>/dev/null)" || v=0
  echo "${v%%.*}"
}

# Puts the provisioned Node first on PATH when the machine's is too old, and points the variables
# npm and node-gyp read (the node that ran `npm test`, its headers) at the one in use.
# Returns 1 when no suitable Node is available (tools/setup has not provisioned it yet).
dds_node_use() {
  if [ "$(dds_node_major)" -lt "$DDS_NODE_MIN_MAJOR" ]; then
    local dir
    dir="$(dds_node_dir)" || return 1
    [ -x "$dir/bin/node" ] || return 1
    export PATH="$dir/bin:$PATH"
  fi
  local exe
  exe="$(node -p 'process.execPath')" || return 1
  export NODE="$exe" npm_node_execpath="$exe"
  # `nodedir` in an npmrc (this machine's says /usr) would build native code against another
  # Node's headers: always the ones of the node in use (its prefix holds include/node).
  npm_config_nodedir="$(dirname "$(dirname "$exe")")"
  export npm_config_nodedir
}
