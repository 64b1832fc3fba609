# Shared set-up for scripts/start and scripts/test: find or install uv, install system
# packages the test suite needs. Sourced, not run.

UV_VERSION="0.13.8"
export UV_PYTHON_DOWNLOADS="${UV_PYTHON_DOWNLOADS:-never}"
# Trust the system's certificate store, as pip does: package indexes behind a TLS-inspecting
# proxy then work wherever the proxy's CA is installed.
export UV_SYSTEM_CERTS="${UV_SYSTEM_CERTS:-1}"

log() { printf '==> %s\n' "$*" >&2; }

# Sets UV to a working uv command: the one on PATH, else one installed into .tools/.
ensure_uv() {
  if command -v uv >/dev/null 2>&1; then
    UV="uv"
    return
  fi
  local tools=".tools/uv-${UV_VERSION}"
  if [[ ! -x "${tools}/bin/uv" ]]; then
    local python
    python="$(command -v python3 || command -v python || true)"
    if [[ -z "${python}" ]]; then
      echo "error: Python 3.11 or newer is needed (python3 not found)" >&2
      exit 1
    fi
    if ! "${python}" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      echo "error: Python 3.11 or newer is needed (found $("${python}" --version 2>&1))" >&2
      exit 1
    fi
    log "installing uv ${UV_VERSION} into ${tools}"
    rm -rf "${tools}"
    "${python}" -m venv "${tools}"
    "${tools}/bin/python" -m pip install --quiet --disable-pip-version-check "uv==${UV_VERSION}"
  fi
  UV="${tools}/bin/uv"
}

# The Python environment, exactly as uv.lock pins it, byte-compiled.
sync_env() {
  log "installing Python packages (uv sync --frozen)"
  # Byte-compiled once here: config code runs with -B in a read-only jail, so nothing it
  # imports would ever be cached, and every job would compile numpy and the rest again.
  "${UV}" sync --frozen --all-packages --quiet --compile-bytecode
}

_have_postgres_server() {
  command -v initdb >/dev/null 2>&1 && return 0
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}

_as_root() {
  if [[ "$(id -u)" -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo -n "$@"
  else
    return 1
  fi
}

# The sandbox jail's host set-up (the ade-sandbox user, search permission on private folders
# above the runtime): needs root; without it ADE says at start and on /ready what is missing.
ensure_sandbox() {
  if [[ "$(id -u)" -ne 0 ]]; then
    log "not root: skipping \`ade sandbox setup\` (config code will not run until it is done)"
    return 0
  fi
  local missing=()
  command -v bwrap >/dev/null 2>&1 || missing+=("bubblewrap")
  command -v setfacl >/dev/null 2>&1 || missing+=("acl")
  if ((${#missing[@]})) && command -v apt-get >/dev/null 2>&1; then
    log "installing system packages: ${missing[*]}"
    env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || true
    env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null || log "warning: could not install ${missing[*]}"
  fi
  log "setting up the sandbox jail (ade sandbox setup)"
  .venv/bin/ade sandbox setup >&2
}

# redis-server and the PostgreSQL server binaries, from the system package manager when
# missing. Without root (or apt), say what is missing and carry on: the tests then fail
# clearly, or skip where ADE_TEST_REQUIRE_* allows it.
ensure_system_packages() {
  local missing=()
  command -v redis-server >/dev/null 2>&1 || missing+=("redis-server")
  # The documentation's commands, which the tests run as written, use curl and jq.
  command -v curl >/dev/null 2>&1 || missing+=("curl")
  command -v jq >/dev/null 2>&1 || missing+=("jq")
  # The jail config code runs in (bubblewrap), and setfacl for `ade sandbox setup`.
  command -v bwrap >/dev/null 2>&1 || missing+=("bubblewrap")
  command -v setfacl >/dev/null 2>&1 || missing+=("acl")
  _have_postgres_server || missing+=("postgresql")
  ((${#missing[@]})) || return 0
  if command -v apt-get >/dev/null 2>&1; then
    log "installing system packages: ${missing[*]}"
    if _as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null \
      && _as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null; then
      return 0
    fi
  fi
  log "warning: could not install ${missing[*]}; install them with your package manager"
}
