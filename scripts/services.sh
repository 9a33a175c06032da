#!/usr/bin/env bash
# Real services for paywatch's integration tests: ClickHouse, Prometheus, Alertmanager, Redis,
# and on request ZooKeeper (for the replicated ClickHouse test, which starts its own).
#
#   scripts/services.sh up [svc...]     ensure each service is reachable (default: the first four;
#                                       `zookeeper` only when named)
#   scripts/services.sh down [svc...]   stop what this script started and delete its data
#   scripts/services.sh stop <svc...>   stop, keeping data and port (a later `up` restarts it)
#   scripts/services.sh env             print the endpoints as `export K=V` lines
#   scripts/services.sh status          print each service and whether it answers
#
# `up` is idempotent and fast when everything already answers. A service that is not reachable
# is started on a free 127.0.0.1 port with its data under the state folder; when its binary is
# missing and we run as root on Debian, the package is installed with apt-get first, otherwise
# the script fails and says exactly what to install. Endpoints go to $STATE_DIR/services.env,
# which collector/test/services.ts reads (integration tests fail, never skip, without it).
#
# Environment:
#   PAYWATCH_SERVICES_DIR   state folder (default: <repo>/.tmp/services); tests that need a
#                           private server (e.g. to stop it mid-ingest) point this elsewhere.
#   PAYWATCH_TEST_CLICKHOUSE_URL, PAYWATCH_TEST_REDIS_URL, PAYWATCH_TEST_PROMETHEUS_URL,
#   PAYWATCH_TEST_ALERTMANAGER_URL, PAYWATCH_TEST_ZOOKEEPER_URL (host:port)   when set and
#                           reachable, used as they are (nothing started).
set -euo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE_DIR="${PAYWATCH_SERVICES_DIR:-$REPO_DIR/.tmp/services}"
ENV_FILE="$STATE_DIR/services.env"
ALL_SERVICES=(clickhouse prometheus alertmanager redis)
# Started only when named (`up zookeeper`): most tests need none, and it is a JVM.
OPTIONAL_SERVICES=(zookeeper)

log() { printf 'services: %s\n' "$*" >&2; }
die() { printf 'services: ERROR: %s\n' "$*" >&2; exit 1; }

# --- helpers --------------------------------------------------------------------------------

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})"
}

port_free() { # port -> 0 when nothing listens on it
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

http_ok() { # url [expected-body-substring]
  local body
  body="$(curl -fsS --max-time 2 "$1" 2>/dev/null)" || return 1
  [[ -z "${2:-}" || "$body" == *"$2"* ]]
}

redis_ok() { # redis://host:port
  local hp="${1#redis://}"
  hp="${hp%%/*}"
  [[ "$(redis-cli -h "${hp%%:*}" -p "${hp##*:}" ping 2>/dev/null)" == "PONG" ]]
}

# host:port -> serving requests: `srvr` answers with its version. Not `ruok`: it answers `imok` as
# soon as the port is open, 0.2 s (more under load) before sessions are served, and a ClickHouse
# 18.16 started in that window fails its DDL worker's first ZooKeeper session and then segfaults
# (zkutil::ZooKeeper::createImpl, NULL) on its first ON CLUSTER statement — the replicated tests'
# "hang, then ECONNREFUSED" (test-output/clickhouse-cluster/*/error.log).
zookeeper_ok() {
  local reply
  reply="$(timeout 2 bash -c 'exec 3<>"/dev/tcp/${1%:*}/${1##*:}"; printf srvr >&3; cat <&3' _ "$1" 2>/dev/null)" || return 1
  [[ "$reply" == "Zookeeper version:"* ]]
}

healthy() { # service url
  case "$1" in
    zookeeper) zookeeper_ok "$2" ;;
    clickhouse) http_ok "$2/ping" "Ok." ;;
    prometheus | alertmanager) http_ok "$2/-/ready" ;;
    redis) redis_ok "$2" ;;
  esac
}

bin_of() {
  case "$1" in
    clickhouse) echo clickhouse-server ;;
    prometheus) echo prometheus ;;
    alertmanager) echo prometheus-alertmanager ;;
    redis) echo redis-server ;;
    zookeeper) echo zookeeper.jar ;;
  esac
}

packages_of() {
  case "$1" in
    clickhouse) echo "clickhouse-server clickhouse-client" ;;
    prometheus) echo "prometheus" ;;
    alertmanager) echo "prometheus-alertmanager" ;;
    redis) echo "redis-server redis-tools" ;;
    zookeeper) echo "zookeeper" ;; # Debian's 3.8, run with its jars (Java comes as a dependency)
  esac
}

find_bin() { # name -> absolute path or empty
  local p
  if [[ "$1" == zookeeper.jar ]]; then # a jar run with java, not a command on PATH
    if [[ -f /usr/share/java/zookeeper.jar ]] && command -v java >/dev/null; then echo /usr/share/java/zookeeper.jar; fi
    return 0
  fi
  p="$(command -v "$1" 2>/dev/null || true)"
  if [[ -z "$p" && -x "/usr/sbin/$1" ]]; then p="/usr/sbin/$1"; fi
  if [[ -z "$p" && "$1" == prometheus-alertmanager ]]; then p="$(command -v alertmanager 2>/dev/null || true)"; fi
  echo "$p"
}

APT_UPDATED=0
ensure_installed() { # service
  local svc="$1" bin missing=()
  bin="$(bin_of "$svc")"
  [[ -n "$(find_bin "$bin")" ]] && return 0
  local pkgs
  read -r -a pkgs <<<"$(packages_of "$svc")"
  for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [[ "$(id -u)" != 0 || ! -f /etc/debian_version ]] || ! command -v apt-get >/dev/null; then
    die "$svc is not reachable and '$bin' is not installed. Install it (Debian/Ubuntu: sudo apt-get install -y ${pkgs[*]}) or set PAYWATCH_TEST_$(echo "$svc" | tr a-z A-Z)_URL to a running server, then rerun: scripts/services.sh up"
  fi
  log "installing ${missing[*]:-${pkgs[*]}} with apt-get"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]:-${pkgs[@]}}" >&2; then
    if [[ $APT_UPDATED == 0 ]]; then
      APT_UPDATED=1
      DEBIAN_FRONTEND=noninteractive apt-get update >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]:-${pkgs[@]}}" >&2
    else
      die "apt-get install ${missing[*]} failed"
    fi
  fi
  [[ -n "$(find_bin "$bin")" ]] || die "installed ${pkgs[*]} but '$bin' is still not on PATH"
}

pid_alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

choose_port() { # file -> reuse the recorded port if still free, else a new free one
  if [[ -f "$1" ]] && port_free "$(cat "$1")"; then cat "$1"; else free_port | tee "$1"; fi
}

wait_healthy() { # service url pidfile logfile seconds
  local i
  for ((i = 0; i < $5 * 10; i++)); do
    if healthy "$1" "$2"; then return 0; fi
    if ! pid_alive "$3"; then
      tail -n 30 "$4" >&2 || true
      die "$1 exited during start-up (log: $4)"
    fi
    sleep 0.1
  done
  tail -n 30 "$4" >&2 || true
  die "$1 did not become healthy within $5 s (log: $4)"
}

spawn() { # pidfile logfile cmd... : detached from this shell so it outlives `npm test`'s pre-step
  local pidfile="$1" logfile="$2"
  shift 2
  setsid "$@" >"$logfile" 2>&1 </dev/null 9>&- &
  echo $! >"$pidfile"
}

# --- per-service start-up -------------------------------------------------------------------

start_clickhouse() {
  local d="$STATE_DIR/clickhouse" http tcp bin
  mkdir -p "$d/data" "$d/tmp" "$d/user_files" "$d/format_schemas" "$d/log"
  http="$(choose_port "$d/http_port")"
  tcp="$(choose_port "$d/tcp_port")"
  [[ "$tcp" != "$http" ]] || tcp="$(free_port | tee "$d/tcp_port")"
  bin="$(find_bin clickhouse-server)"
  # 18.16 reads users from a file beside the config; the `paywatch` user proves credentials are
  # wired through, `default` stays open on loopback for the CLI.
  cat >"$d/users.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
  <users>
    <default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default>
    <paywatch><password>paywatch-test</password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></paywatch>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
EOF
  cat >"$d/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$d/log/server.log</log><errorlog>$d/log/error.log</errorlog><size>50M</size><count>2</count></logger>
  <http_port>$http</http_port>
  <tcp_port>$tcp</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <max_connections>256</max_connections>
  <keep_alive_timeout>10</keep_alive_timeout>
  <max_concurrent_queries>100</max_concurrent_queries>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <mark_cache_size>268435456</mark_cache_size>
  <path>$d/data/</path>
  <tmp_path>$d/tmp/</tmp_path>
  <user_files_path>$d/user_files/</user_files_path>
  <format_schema_path>$d/format_schemas/</format_schema_path>
  <users_config>$d/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
  <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
  <max_session_timeout>3600</max_session_timeout>
  <default_session_timeout>60</default_session_timeout>
</yandex>
EOF
  spawn "$d/pid" "$d/log/stdout.log" "$bin" --config-file="$d/config.xml"
  wait_healthy clickhouse "http://127.0.0.1:$http" "$d/pid" "$d/log/stdout.log" 60
  echo "http://127.0.0.1:$http" | tee "$d/owned_url" >"$d/url"
}

start_alertmanager() {
  local d="$STATE_DIR/alertmanager" port cport bin
  mkdir -p "$d/data"
  port="$(choose_port "$d/port")"
  cport="$(choose_port "$d/cluster_port")"
  bin="$(find_bin prometheus-alertmanager)"
  cat >"$d/alertmanager.yml" <<'EOF'
# Generated by scripts/services.sh: accepts alerts and routes them nowhere (tests read them back
# through the API).
route:
  receiver: blackhole
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: blackhole
EOF
  spawn "$d/pid" "$d/log" "$bin" --config.file="$d/alertmanager.yml" --storage.path="$d/data" \
    --web.listen-address="127.0.0.1:$port" --cluster.listen-address="127.0.0.1:$cport" \
    --cluster.advertise-address="127.0.0.1:$cport"
  wait_healthy alertmanager "http://127.0.0.1:$port" "$d/pid" "$d/log" 30
  echo "http://127.0.0.1:$port" | tee "$d/owned_url" >"$d/url"
}

start_prometheus() {
  local d="$STATE_DIR/prometheus" port bin am
  mkdir -p "$d/data" "$d/targets"
  port="$(choose_port "$d/port")"
  bin="$(find_bin prometheus)"
  am=""
  [[ -f "$STATE_DIR/alertmanager/url" ]] && am="$(sed 's#^http://##' "$STATE_DIR/alertmanager/url")"
  # Scrape targets come from file_sd: a test writes <targets>/<name>.json and Prometheus picks it
  # up (inotify) without a restart.
  {
    echo "# Generated by scripts/services.sh"
    echo "global: { scrape_interval: 1s, evaluation_interval: 1s }"
    if [[ -n "$am" ]]; then
      echo "alerting: { alertmanagers: [ { static_configs: [ { targets: ['$am'] } ] } ] }"
    fi
    echo "scrape_configs:"
    echo "  - job_name: prometheus"
    echo "    static_configs: [ { targets: ['127.0.0.1:$port'] } ]"
    echo "  - job_name: file_sd"
    echo "    file_sd_configs: [ { files: ['$d/targets/*.json'], refresh_interval: 1s } ]"
  } >"$d/prometheus.yml"
  spawn "$d/pid" "$d/log" "$bin" --config.file="$d/prometheus.yml" --storage.tsdb.path="$d/data" \
    --web.listen-address="127.0.0.1:$port" --web.enable-lifecycle --web.enable-admin-api
  wait_healthy prometheus "http://127.0.0.1:$port" "$d/pid" "$d/log" 60
  echo "http://127.0.0.1:$port" | tee "$d/owned_url" >"$d/url"
}

start_redis() {
  local d="$STATE_DIR/redis" port bin
  mkdir -p "$d/data"
  port="$(choose_port "$d/port")"
  bin="$(find_bin redis-server)"
  spawn "$d/pid" "$d/log" "$bin" --port "$port" --bind 127.0.0.1 --dir "$d/data" --save "" \
    --appendonly no --protected-mode yes
  wait_healthy redis "redis://127.0.0.1:$port" "$d/pid" "$d/log" 30
  echo "redis://127.0.0.1:$port" | tee "$d/owned_url" >"$d/url"
}

start_zookeeper() {
  local d="$STATE_DIR/zookeeper" port jar
  mkdir -p "$d/data"
  port="$(choose_port "$d/port")"
  jar="$(find_bin zookeeper.jar)"
  # Standalone, loopback only, no admin HTTP server; `srvr` answers the health check.
  cat >"$d/zoo.cfg" <<EOF
tickTime=2000
dataDir=$d/data
clientPort=$port
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=srvr
EOF
  # The Debian jar's manifest lists its dependencies, so the jar alone is the class path.
  spawn "$d/pid" "$d/log" java -Xms64m -Xmx256m -cp "$jar" org.apache.zookeeper.server.ZooKeeperServerMain "$d/zoo.cfg"
  wait_healthy zookeeper "127.0.0.1:$port" "$d/pid" "$d/log" 60
  echo "127.0.0.1:$port" | tee "$d/owned_url" >"$d/url"
}

external_url_var() { echo "PAYWATCH_TEST_$(echo "$1" | tr a-z A-Z)_URL"; }

ensure_service() { # service
  local svc="$1" d="$STATE_DIR/$1" var url
  var="$(external_url_var "$svc")"
  url="${!var:-}"
  # A URL this script itself started (e.g. exported by `env`) is ours to restart, not external.
  if [[ -n "$url" && -f "$d/owned_url" && "$url" == "$(cat "$d/owned_url")" ]]; then url=""; fi
  if [[ -n "$url" ]]; then
    healthy "$svc" "$url" || die "$var=$url is set but does not answer"
    mkdir -p "$d"
    echo "$url" >"$d/external_url"
    return 0
  fi
  rm -f "$d/external_url"
  if [[ -f "$d/url" ]] && pid_alive "$d/pid" && healthy "$svc" "$(cat "$d/url")"; then return 0; fi
  if pid_alive "$d/pid"; then kill "$(cat "$d/pid")" 2>/dev/null || true; sleep 0.5; fi
  ensure_installed "$svc"
  log "starting $svc"
  "start_$svc"
}

url_of() { # service
  local d="$STATE_DIR/$1"
  if [[ -f "$d/external_url" ]]; then cat "$d/external_url"; elif [[ -f "$d/url" ]]; then cat "$d/url"; fi
}

write_env() {
  local tmp="$ENV_FILE.tmp" svc url var
  {
    echo "# Written by scripts/services.sh; read by collector/test/services.ts"
    for svc in "${ALL_SERVICES[@]}" "${OPTIONAL_SERVICES[@]}"; do
      url="$(url_of "$svc")"
      [[ -n "$url" ]] || continue
      var="$(external_url_var "$svc")"
      echo "$var=$url"
    done
    if [[ -f "$STATE_DIR/clickhouse/url" && ! -f "$STATE_DIR/clickhouse/external_url" ]]; then
      echo "PAYWATCH_TEST_CLICKHOUSE_USER=paywatch"
      echo "PAYWATCH_TEST_CLICKHOUSE_PASSWORD=paywatch-test"
      echo "PAYWATCH_TEST_CLICKHOUSE_TCP_PORT=$(cat "$STATE_DIR/clickhouse/tcp_port")"
    fi
    [[ -d "$STATE_DIR/prometheus/targets" && ! -f "$STATE_DIR/prometheus/external_url" ]] &&
      echo "PAYWATCH_TEST_PROMETHEUS_FILE_SD_DIR=$STATE_DIR/prometheus/targets"
    local b
    for b in clickhouse-server clickhouse-client prometheus promtool prometheus-alertmanager amtool redis-server docker-compose; do
      local p
      p="$(find_bin "$b")"
      [[ -n "$p" ]] || continue
      var="PAYWATCH_TEST_$(echo "$b" | tr a-z- A-Z_)_BIN"
      echo "$var=$p"
    done
  } >"$tmp"
  mv "$tmp" "$ENV_FILE"
}

stop_service() { # service [purge]
  local d="$STATE_DIR/$1" pid i
  if pid_alive "$d/pid"; then
    pid="$(cat "$d/pid")"
    kill "$pid" 2>/dev/null || true
    for ((i = 0; i < 300; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    log "stopped $1 (pid $pid)"
  fi
  rm -f "$d/pid" "$d/url"
  if [[ "${2:-}" == purge && -d "$d" ]]; then rm -rf "$d"; fi
}

services_from_args() {
  if [[ $# -eq 0 ]]; then echo "${ALL_SERVICES[@]}"; return; fi
  local s
  for s in "$@"; do
    case "$s" in clickhouse | prometheus | alertmanager | redis | zookeeper) ;; *) die "unknown service '$s' (known: ${ALL_SERVICES[*]} ${OPTIONAL_SERVICES[*]})" ;; esac
  done
  echo "$@"
}

main() {
  local cmd="${1:-up}"
  shift || true
  mkdir -p "$STATE_DIR"
  local svcs
  read -r -a svcs <<<"$(services_from_args "$@")"
  case "$cmd" in
    up)
      # Alertmanager first: Prometheus' generated config points at it.
      local ordered=() s
      for s in alertmanager zookeeper clickhouse prometheus redis; do
        [[ " ${svcs[*]} " == *" $s "* ]] && ordered+=("$s")
      done
      ( flock 9; for s in "${ordered[@]}"; do ensure_service "$s"; done; write_env ) 9>"$STATE_DIR/.lock"
      log "ready: $ENV_FILE"
      ;;
    down)
      # With no names, also whatever optional service was started here.
      [[ $# -gt 0 ]] || svcs+=("${OPTIONAL_SERVICES[@]}")
      for s in "${svcs[@]}"; do stop_service "$s" purge; done
      write_env
      ;;
    stop)
      [[ $# -gt 0 ]] || die "stop needs service names (known: ${ALL_SERVICES[*]} ${OPTIONAL_SERVICES[*]})"
      for s in "${svcs[@]}"; do stop_service "$s"; done
      write_env
      ;;
    env)
      [[ -f "$ENV_FILE" ]] || die "no $ENV_FILE: run scripts/services.sh up first"
      grep -v '^#' "$ENV_FILE" | sed 's/^/export /'
      ;;
    status)
      for s in "${ALL_SERVICES[@]}" "${OPTIONAL_SERVICES[@]}"; do
        local u
        u="$(url_of "$s")"
        if [[ -n "$u" ]] && healthy "$s" "$u"; then echo "$s up $u"; else echo "$s down"; fi
      done
      ;;
    *) die "usage: scripts/services.sh up|down|stop|env|status [clickhouse|prometheus|alertmanager|redis|zookeeper ...]" ;;
  esac
}

main "$@"
