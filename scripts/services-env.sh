#!/usr/bin/env bash
# The real services the examples and their tests talk to: PostgreSQL, Redis, etcd (and openssl).
#
#   scripts/services-env.sh install   install the Debian packages that are missing (idempotent);
#                                     starts nothing: the tests run their own instances on free
#                                     loopback ports in temporary directories
#   scripts/services-env.sh up        install, then start one instance of each on the ports the
#                                     examples default to (PostgreSQL 5432, Redis 6379, etcd 2379),
#                                     with data under ${TINYKUBE_SERVICES_DIR:-/tmp/tinykube-services}
#   scripts/services-env.sh down      stop the instances `up` started
#   scripts/services-env.sh status    say which of them accept connections
#
# `up` is for trying the examples by hand (`tinykube run -f examples/wait-for-dependencies.yaml`);
# it never enables the packages' system-wide daemons (they are stopped and disabled if the
# packages started them). PostgreSQL gets the role `app` with password `app` (SCRAM-SHA-256) and
# the database `app`, as the examples expect.
set -euo pipefail

DIR=${TINYKUBE_SERVICES_DIR:-/tmp/tinykube-services}
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)

need_packages() {
  local missing=()
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v etcd >/dev/null || missing+=(etcd-server)
  command -v etcdctl >/dev/null || missing+=(etcd-client)
  command -v openssl >/dev/null || missing+=(openssl)
  [ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ] || missing+=(postgresql)
  echo "${missing[@]}"
}

install() {
  local missing
  missing=$(need_packages)
  if [ -z "$missing" ]; then
    return 0
  fi
  echo "services-env: installing $missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # policy-rc.d 101: the packages' postinst must not start system-wide daemons
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
  fi
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null || {
    [ "$created_policy" = 1 ] && rm -f "$policy"
    return 1
  }
  [ "$created_policy" = 1 ] && rm -f "$policy"
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

accepts() {  # host port
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

up() {
  install
  mkdir -p "$DIR"
  if ! accepts 127.0.0.1 5432; then
    if [ ! -d "$DIR/pg" ]; then
      mkdir -p "$DIR/pg" && [ "$(id -u)" = 0 ] && chown postgres: "$DIR/pg"
      as_postgres "$PG_BIN/initdb" -D "$DIR/pg/data" -U postgres --auth-local=trust \
        --auth-host=scram-sha-256 >/dev/null
    fi
    as_postgres "$PG_BIN/pg_ctl" -D "$DIR/pg/data" -l "$DIR/pg/log" -w \
      -o "-c listen_addresses=127.0.0.1 -c port=5432 -k $DIR/pg" start >/dev/null
    as_postgres "$PG_BIN/psql" -h "$DIR/pg" -p 5432 -U postgres -q -v ON_ERROR_STOP=1 <<'SQL'
SELECT 'CREATE ROLE app LOGIN PASSWORD ''app'''
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'app') \gexec
SELECT 'CREATE DATABASE app OWNER app'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'app') \gexec
SQL
  fi
  if ! accepts 127.0.0.1 6379; then
    redis-server --port 6379 --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
      --pidfile "$DIR/redis.pid" --logfile "$DIR/redis.log" --dir "$DIR"
  fi
  if ! accepts 127.0.0.1 2379; then
    nohup etcd --name tinykube-examples --data-dir "$DIR/etcd" \
      --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
      --listen-peer-urls http://127.0.0.1:2380 >"$DIR/etcd.log" 2>&1 &
    echo $! >"$DIR/etcd.pid"
    for _ in $(seq 150); do accepts 127.0.0.1 2379 && break; sleep 0.2; done
  fi
  status
}

down() {
  if [ -n "$PG_BIN" ] && [ -f "$DIR/pg/data/postmaster.pid" ]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$DIR/pg/data" -m fast -w stop >/dev/null || true
  fi
  for name in redis etcd; do
    if [ -f "$DIR/$name.pid" ]; then
      pid=$(cat "$DIR/$name.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      rm -f "$DIR/$name.pid"
    fi
  done
}

status() {
  local name port code=0
  for pair in postgresql:5432 redis:6379 etcd:2379; do
    name=${pair%%:*} port=${pair##*:}
    if accepts 127.0.0.1 "$port"; then
      echo "$name: accepting connections on 127.0.0.1:$port"
    else
      echo "$name: not running on 127.0.0.1:$port"
      code=1
    fi
  done
  return "$code"
}

case "${1:-}" in
  install) install ;;
  up) up ;;
  down) down ;;
  status) status ;;
  *)
    echo "usage: $0 install|up|down|status" >&2
    exit 2
    ;;
esac
