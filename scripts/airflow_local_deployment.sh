#!/usr/bin/env bash
# A real local Airflow 3 deployment of telco-mart: PostgreSQL (from the machine's packages) as the
# metadata database, LocalExecutor, and the api-server, scheduler and dag-processor as background
# processes, all under the data root. Run from the repository root (`make airflow-up` does):
#
#   bash scripts/airflow_local_deployment.sh up        start (or complete) the deployment; idempotent
#   bash scripts/airflow_local_deployment.sh down      stop the Airflow processes and PostgreSQL
#   bash scripts/airflow_local_deployment.sh status    what runs, and the health the api-server reports
#   bash scripts/airflow_local_deployment.sh airflow ARGS...   the Airflow CLI against this deployment
#   bash scripts/airflow_local_deployment.sh env       print the path of the file to `source` for the CLI
#
# Settings (environment): TELCO_MART_HOME (data root, default ./data), TELCO_MART_PG_PORT (5433),
# TELCO_MART_AIRFLOW_PORT (8080), TELCO_MART_AIRFLOW_HOST (127.0.0.1), TELCO_MART_PG_BIN (folder
# holding initdb/pg_ctl), TELCO_MART_PG_OS_USER (the user the server runs as when this runs as root,
# default postgres), TELCO_MART_AIRFLOW_START_TIMEOUT (seconds to wait for health and parsing, 300).
# See scripts/README.md and docs/airflow.md.
set -euo pipefail

die() { echo "airflow_local_deployment: $*" >&2; exit 1; }
say() { echo "==> $*"; }

[[ -f dags/telco_mart_daily.py && -f pyproject.toml ]] \
  || die "run me from the repository root (where dags/ and pyproject.toml are): bash scripts/airflow_local_deployment.sh ${1:-up}"

REPO="$(pwd -P)"
VENV_BIN="$REPO/.venv/bin"
AIRFLOW_BIN="$VENV_BIN/airflow"
PY="$VENV_BIN/python"

# --- settings ---------------------------------------------------------------------------------
TELCO_MART_HOME="$(realpath -m "${TELCO_MART_HOME:-$REPO/data}")"
export TELCO_MART_HOME
export PYSPARK_PYTHON="${PYSPARK_PYTHON:-$PY}"
export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"

PG_PORT="${TELCO_MART_PG_PORT:-5433}"
API_PORT="${TELCO_MART_AIRFLOW_PORT:-8080}"
API_HOST="${TELCO_MART_AIRFLOW_HOST:-127.0.0.1}"
START_TIMEOUT="${TELCO_MART_AIRFLOW_START_TIMEOUT:-300}"

PG_ROOT="$TELCO_MART_HOME/postgres"       # owned by the server's user
PGDATA="$PG_ROOT/data"                    # the cluster (initdb)
PG_LOG="$PG_ROOT/server.log"
PG_SOCKET_DIR="$PG_ROOT/run"
DEPLOY_HOME="$TELCO_MART_HOME/airflow-deployment"   # AIRFLOW_HOME of the deployment
RUN_DIR="$DEPLOY_HOME/run"                # pid files
PROC_LOG_DIR="$DEPLOY_HOME/logs/deployment"   # stdout/stderr of the three processes
PG_PASSWORD_FILE="$DEPLOY_HOME/postgres-password"
ENV_FILE="$DEPLOY_HOME/env.sh"
COMPONENTS=(api-server scheduler dag-processor)

# A Unix socket path is limited to 107 bytes; fall back to /tmp (the socket stays mode 0700).
if (( ${#PG_SOCKET_DIR} + 20 > 107 )); then
  PG_SOCKET_DIR="/tmp/telco-mart-pg-$PG_PORT"
fi

IS_ROOT=0
[[ "$(id -u)" == 0 ]] && IS_ROOT=1
PG_OS_USER="${TELCO_MART_PG_OS_USER:-postgres}"
[[ $IS_ROOT == 1 ]] || PG_OS_USER="$(id -un)"

# --- the Airflow environment of the deployment ----------------------------------------------------
airflow_env() {
  export AIRFLOW_HOME="$DEPLOY_HOME"
  export AIRFLOW__CORE__DAGS_FOLDER="$REPO/dags"
  export AIRFLOW__CORE__LOAD_EXAMPLES=False
  export AIRFLOW__CORE__EXECUTOR=LocalExecutor
  # LocalExecutor forks this many workers up front: 8 suits a workstation (Spark tasks are bounded by the pool).
  export AIRFLOW__CORE__PARALLELISM="${AIRFLOW__CORE__PARALLELISM:-8}"
  export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="http://127.0.0.1:$API_PORT/execution/"
  export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS:-admin:admin}"
  export AIRFLOW__API__HOST="$API_HOST"
  export AIRFLOW__API__PORT="$API_PORT"
  export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="postgresql+psycopg2://airflow:$(cat "$PG_PASSWORD_FILE")@127.0.0.1:$PG_PORT/airflow"
}

write_env_file() {
  local name
  (
    umask 077
    {
      echo "# The environment of the local Airflow deployment (written by scripts/airflow_local_deployment.sh up)."
      echo "# source this file, then use $AIRFLOW_BIN as usual. It holds the database password: keep it private."
      for name in TELCO_MART_HOME PYSPARK_PYTHON SPARK_LOCAL_IP AIRFLOW_HOME AIRFLOW__CORE__DAGS_FOLDER \
        AIRFLOW__CORE__LOAD_EXAMPLES AIRFLOW__CORE__EXECUTOR AIRFLOW__CORE__PARALLELISM AIRFLOW__CORE__EXECUTION_API_SERVER_URL \
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS AIRFLOW__API__HOST AIRFLOW__API__PORT \
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN TELCO_MART_DELIVERY_TIMEOUT_SECONDS TELCO_MART_DELIVERY_POKE_SECONDS; do
        if [[ -n "${!name:-}" ]]; then
          printf 'export %s=%q\n' "$name" "${!name}"
        fi
      done
    } > "$ENV_FILE"
  )
}

# --- PostgreSQL -------------------------------------------------------------------------------
find_pg_bin() {
  local candidates=() dir
  [[ -n "${TELCO_MART_PG_BIN:-}" ]] && candidates+=("$TELCO_MART_PG_BIN")
  for tool in initdb pg_ctl; do
    if command -v "$tool" > /dev/null 2>&1; then
      candidates+=("$(dirname "$(readlink -f "$(command -v "$tool")")")")
    fi
  done
  while IFS= read -r dir; do candidates+=("$dir"); done < <(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -t/ -k5,5 -rn)
  for dir in "${candidates[@]}"; do
    if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" && -x "$dir/postgres" && -x "$dir/psql" ]]; then
      echo "$dir"
      return 0
    fi
  done
  return 1
}

PG_BIN=""
need_pg_bin() {
  [[ -n "$PG_BIN" ]] && return 0
  PG_BIN="$(find_pg_bin)" || die "no PostgreSQL server binaries found (looked for initdb, pg_ctl, postgres, psql in
  \$TELCO_MART_PG_BIN, on PATH and in /usr/lib/postgresql/*/bin). Install them with:
      sudo apt-get install -y postgresql     (Debian/Ubuntu; the packaged cluster is not used)
  or point TELCO_MART_PG_BIN at a folder that holds them."
}

# Run a command as the server's user: PostgreSQL refuses to run as root. (9>&-: the server must not
# inherit the deployment lock.)
as_pg() {
  if [[ $IS_ROOT == 1 ]]; then
    (cd / && runuser -u "$PG_OS_USER" -- "$@" 9>&-)
  else
    "$@" 9>&-
  fi
}

ensure_pg_os_user() {
  [[ $IS_ROOT == 1 ]] || return 0
  if ! id -u "$PG_OS_USER" > /dev/null 2>&1; then
    say "creating the system user $PG_OS_USER to run PostgreSQL (it refuses to run as root)"
    useradd --system --user-group --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin "$PG_OS_USER"
  fi
  command -v runuser > /dev/null || die "running as root needs runuser (util-linux) to start PostgreSQL as $PG_OS_USER"
}

pg_running() {
  [[ -n "$PG_BIN" ]] || PG_BIN="$(find_pg_bin 2> /dev/null)" || return 1
  [[ -f "$PGDATA/postmaster.pid" ]] || return 1
  as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" status > /dev/null 2>&1
}

port_in_use() {
  "$PY" - "$1" << 'EOF'
import socket, sys
s = socket.socket()
s.settimeout(1)
sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)
EOF
}

psql_admin() {
  as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U postgres -d postgres "$@"
}

pg_up() {
  need_pg_bin
  ensure_pg_os_user
  mkdir -p "$PG_ROOT"
  if [[ $IS_ROOT == 1 ]]; then
    chown "$PG_OS_USER": "$PG_ROOT"
    as_pg test -x "$PG_ROOT" || die "user $PG_OS_USER cannot reach $PG_ROOT: every folder above it must be
  searchable by that user (chmod o+x), or choose another TELCO_MART_HOME"
  fi
  chmod 700 "$PG_ROOT"
  as_pg mkdir -p "$PG_SOCKET_DIR"
  as_pg chmod 700 "$PG_SOCKET_DIR"

  if [[ ! -f "$PGDATA/PG_VERSION" ]]; then
    say "initdb: new PostgreSQL cluster in $PGDATA ($("$PG_BIN/postgres" --version))"
    as_pg "$PG_BIN/initdb" -D "$PGDATA" -U postgres -E UTF8 --locale=C \
      --auth-local=trust --auth-host=scram-sha-256 > "$PG_ROOT/initdb.log" 2>&1 \
      || { tail -20 "$PG_ROOT/initdb.log"; die "initdb failed (log: $PG_ROOT/initdb.log)"; }
    echo "include_if_exists = 'telco_mart.conf'" | as_pg tee -a "$PGDATA/postgresql.conf" > /dev/null
  fi
  if pg_running; then
    local running_port
    running_port="$(sed -n 4p "$PGDATA/postmaster.pid")"
    [[ "$running_port" == "$PG_PORT" ]] \
      || die "PostgreSQL already runs on port $running_port, not $PG_PORT: make airflow-down first to change TELCO_MART_PG_PORT"
    say "PostgreSQL already running (pid $(head -1 "$PGDATA/postmaster.pid"), port $running_port)"
  else
    port_in_use "$PG_PORT" && die "port $PG_PORT is taken by another process: set TELCO_MART_PG_PORT to a free port"
    # Local-only server: TCP on 127.0.0.1 (password), the Unix socket in a private folder (superuser).
    printf "%s\n" "port = $PG_PORT" "listen_addresses = '127.0.0.1'" \
      "unix_socket_directories = '$PG_SOCKET_DIR'" "unix_socket_permissions = 0700" \
      | as_pg tee "$PGDATA/telco_mart.conf" > /dev/null
    say "starting PostgreSQL on 127.0.0.1:$PG_PORT (log: $PG_LOG)"
    as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$PG_LOG" -w -t 60 start > /dev/null \
      || { tail -20 "$PG_LOG" 2> /dev/null; die "PostgreSQL did not start (log: $PG_LOG)"; }
  fi

  # The airflow role and database; the password lives in the deployment's home (mode 0600).
  if [[ ! -s "$PG_PASSWORD_FILE" ]]; then
    (umask 077 && head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$PG_PASSWORD_FILE")
  fi
  local password
  password="$(cat "$PG_PASSWORD_FILE")"
  # (SQL with the password goes through stdin, not the command line.)
  if [[ "$(psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'airflow'")" != 1 ]]; then
    say "creating role and database airflow"
    psql_admin <<< "CREATE ROLE airflow LOGIN PASSWORD '$password';"
  else
    psql_admin <<< "ALTER ROLE airflow PASSWORD '$password';"
  fi
  if [[ "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = 'airflow'")" != 1 ]]; then
    psql_admin -c "CREATE DATABASE airflow OWNER airflow ENCODING 'UTF8'"
  fi
}

pg_down() {
  if pg_running; then
    say "stopping PostgreSQL"
    as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w -t 60 stop > /dev/null
  else
    echo "    PostgreSQL: not running"
  fi
}

# --- the Airflow processes --------------------------------------------------------------------
pid_of() {  # the pid of a component when it runs, else nothing
  local file="$RUN_DIR/$1.pid" pid
  [[ -f "$file" ]] || return 1
  pid="$(cat "$file")"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2> /dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" 2> /dev/null | grep -q airflow \
    && { echo "$pid"; return 0; }
  rm -f "$file"
  return 1
}

start_component() {
  local name="$1" pid
  shift
  if pid="$(pid_of "$name")"; then
    say "$name already running (pid $pid)"
    return 0
  fi
  say "starting $name (log: $PROC_LOG_DIR/$name.log)"
  # setsid: each component leads its own process group, so `down` stops it with its children.
  # 9>&-: it must not inherit the deployment lock.
  setsid "$AIRFLOW_BIN" "$name" "$@" >> "$PROC_LOG_DIR/$name.log" 2>&1 < /dev/null 9>&- &
  echo $! > "$RUN_DIR/$name.pid"
}

stop_component() {
  local name="$1" pid
  if ! pid="$(pid_of "$name")"; then
    echo "    $name: not running"
    return 0
  fi
  say "stopping $name (pid $pid)"
  kill -TERM -- "-$pid" 2> /dev/null || kill -TERM "$pid" 2> /dev/null || true
  for _ in $(seq 60); do
    kill -0 "$pid" 2> /dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2> /dev/null; then
    echo "    $name did not stop in 30 s: killing it"
    kill -KILL -- "-$pid" 2> /dev/null || kill -KILL "$pid" 2> /dev/null || true
  fi
  # Children left in the group (task processes) go too.
  kill -KILL -- "-$pid" 2> /dev/null || true
  rm -f "$RUN_DIR/$name.pid"
}

health() {  # prints the api-server's health JSON summary; 0 when database, scheduler and dag-processor are healthy
  "$PY" - "http://127.0.0.1:$API_PORT/api/v2/monitor/health" << 'EOF'
import json, sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1], timeout=5) as response:
        health = json.load(response)
except Exception as error:  # not up yet
    print(f"no answer ({error})")
    sys.exit(2)
states = {name: (health.get(name) or {}).get("status") for name in ("metadatabase", "scheduler", "dag_processor", "triggerer")}
print(", ".join(f"{name}: {state}" for name, state in states.items()))
sys.exit(0 if all(states[name] == "healthy" for name in ("metadatabase", "scheduler", "dag_processor")) else 1)
EOF
}

check_alive() {
  local name
  for name in "${COMPONENTS[@]}"; do
    pid_of "$name" > /dev/null || { tail -30 "$PROC_LOG_DIR/$name.log" >&2; die "$name exited (log: $PROC_LOG_DIR/$name.log)"; }
  done
}

wait_until_ready() {
  local deadline=$((SECONDS + START_TIMEOUT)) answer=""
  say "waiting for http://127.0.0.1:$API_PORT/api/v2/monitor/health (up to ${START_TIMEOUT}s)"
  until answer="$(health)"; do
    check_alive
    (( SECONDS < deadline )) || die "not healthy after ${START_TIMEOUT}s: $answer (logs: $PROC_LOG_DIR)"
    sleep 3
  done
  echo "    $answer"
  say "waiting for the dag-processor to parse telco_mart_daily"
  until "$AIRFLOW_BIN" dags list -o plain --columns dag_id 2> /dev/null | grep -qx 'telco_mart_daily'; do
    check_alive
    if (( SECONDS >= deadline )); then
      "$AIRFLOW_BIN" dags list-import-errors 2> /dev/null >&2 || true
      die "telco_mart_daily not parsed after ${START_TIMEOUT}s (logs: $PROC_LOG_DIR, $DEPLOY_HOME/logs/dag_processor)"
    fi
    sleep 5
  done
  local errors
  errors="$("$AIRFLOW_BIN" dags list-import-errors -o plain 2> /dev/null || true)"
  if [[ -n "$errors" && "$errors" != *"No data found"* ]]; then
    echo "WARNING: import errors in $REPO/dags:" >&2
    echo "$errors" >&2
  fi
  echo "    telco_mart_daily is parsed ($("$AIRFLOW_BIN" dags list -o plain --columns dag_id,is_paused 2> /dev/null | awk '$1 == "telco_mart_daily" {print ($2 == "True" ? "paused" : "unpaused")}'))"
}

print_login() {
  local url="http://localhost:$API_PORT"
  [[ "$API_HOST" != 127.0.0.1 && "$API_HOST" != localhost ]] && url="http://$(hostname -f 2> /dev/null || hostname):$API_PORT"
  echo
  echo "Airflow is up: $url"
  if [[ "${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS:-}" =~ ^([Tt]rue|1)$ ]]; then
    echo "  login: none (AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS: everyone is admin)"
  else
    local passwords="$DEPLOY_HOME/simple_auth_manager_passwords.json.generated"
    chmod 600 "$passwords" 2> /dev/null || true
    echo "  login (SimpleAuthManager users: $AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS; passwords in $passwords):"
    "$PY" - "$passwords" << 'EOF' || echo "    (no password file yet: see the api-server log)"
import json, sys
for user, password in json.load(open(sys.argv[1])).items():
    print(f"    user {user}  password {password}")
EOF
  fi
  echo "  CLI:  bash scripts/airflow_local_deployment.sh airflow dags unpause telco_mart_daily"
  echo "        bash scripts/airflow_local_deployment.sh airflow dags trigger telco_mart_daily -c '{\"business_date\": \"2026-11-30\"}'"
  echo "        (or: source $ENV_FILE; .venv/bin/airflow ...)"
  echo "  logs: $PROC_LOG_DIR, task logs under $DEPLOY_HOME/logs"
  echo "  stop: make airflow-down"
}

# --- commands ---------------------------------------------------------------------------------
lock() {
  mkdir -p "$DEPLOY_HOME"
  exec 9> "$DEPLOY_HOME/.deployment.lock"
  flock -w 120 9 || die "another up/down holds $DEPLOY_HOME/.deployment.lock"
}

cmd_up() {
  [[ -x "$AIRFLOW_BIN" ]] || die "$AIRFLOW_BIN missing: run make venv first"
  "$PY" -c "import psycopg2" 2> /dev/null || die "psycopg2 missing from the venv (apache-airflow[postgres])"
  mkdir -p "$TELCO_MART_HOME"
  lock
  mkdir -p "$RUN_DIR" "$PROC_LOG_DIR"
  if pid_of api-server > /dev/null; then
    [[ "$(cat "$RUN_DIR/api-server.port" 2> /dev/null)" == "$API_PORT" ]] \
      || die "the api-server already runs on port $(cat "$RUN_DIR/api-server.port" 2> /dev/null || echo '?'), not $API_PORT: make airflow-down first to change TELCO_MART_AIRFLOW_PORT"
  elif port_in_use "$API_PORT"; then
    die "port $API_PORT is taken by another process: set TELCO_MART_AIRFLOW_PORT to a free port"
  fi
  echo "$API_PORT" > "$RUN_DIR/api-server.port"
  pg_up
  airflow_env
  write_env_file

  say "airflow db migrate (AIRFLOW_HOME=$DEPLOY_HOME, PostgreSQL 127.0.0.1:$PG_PORT/airflow)"
  "$AIRFLOW_BIN" db migrate > "$PROC_LOG_DIR/db-migrate.log" 2>&1 \
    || { tail -30 "$PROC_LOG_DIR/db-migrate.log"; die "airflow db migrate failed (log: $PROC_LOG_DIR/db-migrate.log)"; }
  "$AIRFLOW_BIN" pools set telco_mart_spark 2 "Spark tasks that may run at once on this machine" > /dev/null
  say "pool telco_mart_spark: 2 slots"

  start_component api-server --host "$API_HOST" --port "$API_PORT"
  start_component scheduler
  start_component dag-processor
  wait_until_ready
  print_login
}

cmd_down() {
  [[ -d "$DEPLOY_HOME" ]] || { echo "no deployment under $DEPLOY_HOME: nothing to stop"; return 0; }
  lock
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
    stop_component "${COMPONENTS[i]}"
  done
  pg_down
  say "stopped (state kept in $PG_ROOT and $DEPLOY_HOME)"
}

cmd_status() {
  local name pid rc=0
  echo "data root:    $TELCO_MART_HOME"
  echo "AIRFLOW_HOME: $DEPLOY_HOME"
  if pg_running; then
    echo "postgres:     running (pid $(head -1 "$PGDATA/postmaster.pid"), 127.0.0.1:$(sed -n 4p "$PGDATA/postmaster.pid"), data $PGDATA)"
  else
    echo "postgres:     not running"
    rc=1
  fi
  for name in "${COMPONENTS[@]}"; do
    if pid="$(pid_of "$name")"; then
      printf '%-13s running (pid %s)\n' "$name:" "$pid"
    else
      printf '%-13s not running\n' "$name:"
      rc=1
    fi
  done
  printf '%-13s %s\n' "health:" "$(health || true)"
  return $rc
}

cmd_airflow() {
  [[ -f "$PG_PASSWORD_FILE" ]] || die "no deployment under $DEPLOY_HOME yet: make airflow-up"
  airflow_env
  exec "$AIRFLOW_BIN" "$@"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  airflow) shift; cmd_airflow "$@" ;;
  env) [[ -f "$ENV_FILE" ]] || die "no deployment under $DEPLOY_HOME yet: make airflow-up"; echo "$ENV_FILE" ;;
  *) die "usage: bash scripts/airflow_local_deployment.sh up|down|status|env|airflow ARGS..." ;;
esac
