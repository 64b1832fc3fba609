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
  # The workspace's own packages are installed editable, which --compile-bytecode skips.
  .venv/bin/python -m compileall -q backend/*/src >/dev/null
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

# -- the web app (frontend/ade-web) -------------------------------------------------------------

WEB_APP="frontend/ade-web"
NODE_MIN_MAJOR=20
CHROMIUM="/usr/bin/chromium"

# True when the checkout has the web app (it can be built).
have_web_app() { [[ -f "${WEB_APP}/package.json" ]]; }

_apt_install() {
  command -v apt-get >/dev/null 2>&1 || return 1
  log "installing system packages: $*"
  _as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || true
  _as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "$@" >/dev/null
}

# Node.js (20 or newer) and npm, from the system packages when missing: they build the web app.
ensure_node() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    _apt_install nodejs npm || true
  fi
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "error: Node.js ${NODE_MIN_MAJOR}+ and npm are needed to build the web app" \
      "(install the nodejs and npm packages)" >&2
    exit 1
  fi
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  if ((major < NODE_MIN_MAJOR)); then
    echo "error: Node.js ${NODE_MIN_MAJOR} or newer is needed to build the web app" \
      "(found $(node --version) at $(command -v node))" >&2
    exit 1
  fi
}

# Chromium, for the browser tests only (Playwright drives it; it never downloads a browser).
ensure_chromium() {
  [[ -x "${CHROMIUM}" ]] && return 0
  _apt_install chromium || log "warning: could not install chromium; the browser tests need it"
}

# Run a command with its output shown only when it fails (then all of it, and its status).
_quietly() {
  local out status=0
  out="$(mktemp)"
  "$@" >"${out}" 2>&1 || status=$?
  if ((status)); then
    cat "${out}" >&2
    log "failed (exit ${status}): $*"
  fi
  rm -f "${out}"
  return "${status}"
}

_sha256() { sha256sum | cut -d' ' -f1; }

# What a build of the web app depends on: its sources, its page, its static files, its
# packages and its build configuration. One hash of every such file's path and content.
_web_sources_hash() {
  (
    cd "${WEB_APP}" || exit 1
    shopt -s nullglob
    local inputs=() path
    for path in src public index.html package.json package-lock.json vite.config.* tsconfig*.json; do
      [[ -e "${path}" ]] && inputs+=("${path}")
    done
    find "${inputs[@]}" -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum | _sha256
  )
}

# Install the web app's packages (`npm ci`) when package-lock.json changed since the last
# install, and build it (`npm run build` into dist/) when its sources changed since the last
# build. Quiet when there is nothing to do or it works; the whole output when it fails.
build_web() {
  if ! have_web_app; then
    log "no web app in ${WEB_APP}: nothing to build"
    return 0
  fi
  ensure_node
  local installed="${WEB_APP}/node_modules/.ade-package-lock.sha256"
  local lock_hash
  lock_hash="$(_sha256 <"${WEB_APP}/package-lock.json")"
  if [[ "$(cat "${installed}" 2>/dev/null)" != "${lock_hash}" ]]; then
    log "installing the web app's packages (npm ci)"
    (cd "${WEB_APP}" && _quietly npm ci --no-audit --no-fund) || return
    mkdir -p "${WEB_APP}/node_modules"
    printf '%s\n' "${lock_hash}" >"${installed}"
  fi
  local built="${WEB_APP}/dist/.ade-sources.sha256"
  local sources_hash
  sources_hash="$(_web_sources_hash)"
  if [[ ! -f "${WEB_APP}/dist/index.html" || "$(cat "${built}" 2>/dev/null)" != "${sources_hash}" ]]; then
    log "building the web app (npm run build)"
    (cd "${WEB_APP}" && _quietly npm run build) || return
    printf '%s\n' "${sources_hash}" >"${built}"
  fi
}

# The web app's own checks: ESLint, the TypeScript check and the unit tests (vitest).
check_web() {
  if ! have_web_app; then
    log "no web app in ${WEB_APP}: no lint, type check or unit tests to run"
    return 0
  fi
  build_web || return
  log "web app: lint"
  (cd "${WEB_APP}" && npm run --silent lint) || return
  log "web app: type check"
  (cd "${WEB_APP}" && npm run --silent typecheck) || return
  log "web app: unit tests"
  (cd "${WEB_APP}" && npm test --silent)
}
