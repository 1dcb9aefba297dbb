# Sourced by the build scripts. A first build takes minutes, so each step
# prints what it builds, the elapsed time and what comes next, and a ticker
# repeats the elapsed time while a long step runs; the Go tool's own output
# (hundreds of "go: downloading" lines) goes to a log file that is named, with
# its last lines, only when a step fails.
#   steps_require_go LABEL; version="$(steps_pinned DIR MODULE)"
#   steps_skip_if_current STAMP_FILE WANT LEGACY "up-to-date message"
#   steps_begin LABEL LOGNAME   then   step "WHAT" "NEXT" CMD ARGS...
cache="${CLOUD_EMPIRE_CACHE:-$HOME/.cache/cloud-empire}"

steps_require_go() {
  command -v go >/dev/null || { echo "$1: Go is required (apt-get install golang or https://go.dev/dl)" >&2; exit 2; }
}

# The version of MODULE pinned in the go.mod of DIR.
steps_pinned() {
  (cd "$1" && go list -m -f '{{.Version}}' "$2")
}

steps_begin() {
  steps_label="$1"
  steps_log="$cache/logs/$2.log"
  mkdir -p "$(dirname "$steps_log")"
  : > "$steps_log"
  steps_start=$(date +%s)
}

steps_elapsed() {
  local s=$(( $(date +%s) - steps_start ))
  printf '%dm%02ds' $(( s / 60 )) $(( s % 60 ))
}

step() {
  local what="$1" next="$2"; shift 2
  echo "$steps_label: [$(steps_elapsed)] building $what${next:+ (next: $next)}"
  echo "=== $what: $*" >> "$steps_log"
  local ticker=""
  if [[ -t 1 || -n "${STEPS_TICK:-}" ]]; then
    ( while sleep "${STEPS_TICK:-30}"; do echo "$steps_label: [$(steps_elapsed)] still building $what"; done ) &
    ticker=$!
  fi
  local rc=0
  "$@" >> "$steps_log" 2>&1 || rc=$?
  if [[ -n "$ticker" ]]; then kill "$ticker" 2>/dev/null || true; wait "$ticker" 2>/dev/null || true; fi
  if (( rc != 0 )); then
    echo "$steps_label: [$(steps_elapsed)] building $what FAILED (exit $rc); last lines of $steps_log:" >&2
    tail -n 25 "$steps_log" >&2
    echo "$steps_label: full log: $steps_log" >&2
    exit "$rc"
  fi
}

steps_done() {
  echo "$steps_label: done in $(steps_elapsed): $1"
}

# The stamp of a build: its Go module files and its recipe (flags, commands),
# not the script's own text, so changing how progress is printed rebuilds nothing.
#   steps_stamp FILE... -- RECIPE
steps_stamp() {
  local files=()
  while [[ "$1" != "--" ]]; do files+=("$1"); shift; done
  { cat "${files[@]}"; printf '%s\n' "$2"; } | sha256sum | cut -d' ' -f1
}

# True when STAMP_FILE holds WANT or the LEGACY stamp of the same recipe.
steps_stamp_ok() {
  local file="$1" want="$2" legacy="${3:-}"
  [[ -f "$file" ]] || return 1
  local have; have="$(cat "$file")"
  [[ "$have" == "$want" || ( -n "$legacy" && "$have" == "$legacy" ) ]]
}

# Ends the script (exit 0) with MESSAGE when the build at STAMP_FILE is current.
steps_skip_if_current() {
  if steps_stamp_ok "$1" "$2" "$3"; then
    echo "$4"
    exit 0
  fi
}
