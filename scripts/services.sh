# Services some tests need, started on loopback on ports of their own and stopped on exit.
# Sourced by scripts/test.sh; each function exports the address the tests read.
#
#   start_postgres   a throwaway PostgreSQL cluster -> COURSE_TEST_DATABASE_URL
#   start_redis      a throwaway Redis server       -> COURSE_TEST_REDIS_URL
#
# In CI (CI=true) a missing server is installed with apt first; elsewhere the tests that need one
# skip with a message saying so.

_course_services_cleanup=()

_course_services_stop() {
    local step
    for step in "${_course_services_cleanup[@]}"; do
        eval "$step" >/dev/null 2>&1 || true
    done
}
trap _course_services_stop EXIT

_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_postgres() {
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [ -z "$bin" ] && [ "${CI:-}" = "true" ]; then
        echo "CI: installing Debian's postgresql for the database tests"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
        bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    fi
    if [ -z "$bin" ]; then
        echo "PostgreSQL is not installed: its tests will be skipped (apt-get install postgresql)"
        return 0
    fi
    local run_as=()
    if [ "$(id -u)" = "0" ]; then
        run_as=(runuser -u postgres --)
    fi
    local dir port
    dir=$(mktemp -d /tmp/course-postgres.XXXXXX)
    [ "$(id -u)" = "0" ] && chown postgres "$dir"
    port=$(_free_port)
    "${run_as[@]}" "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync >/dev/null
    "${run_as[@]}" "$bin/pg_ctl" -D "$dir/data" -w -l "$dir/server.log" -o \
        "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" \
        start >/dev/null
    _course_services_cleanup+=("${run_as[*]} $bin/pg_ctl -D $dir/data -m immediate stop; rm -rf $dir")
    export COURSE_TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
    echo "PostgreSQL for the tests: $COURSE_TEST_DATABASE_URL"
}

start_redis() {
    if ! command -v redis-server >/dev/null 2>&1 && [ "${CI:-}" = "true" ]; then
        echo "CI: installing Debian's redis-server for the queue tests"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
    fi
    if ! command -v redis-server >/dev/null 2>&1; then
        echo "Redis is not installed: its tests will be skipped (apt-get install redis-server)"
        return 0
    fi
    local dir port
    dir=$(mktemp -d /tmp/course-redis.XXXXXX)
    port=$(_free_port)
    # Loopback only (redis-server binds every interface unless told), no persistence.
    redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --daemonize yes \
        --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null
    for _ in $(seq 50); do
        [ -s "$dir/redis.pid" ] && break
        sleep 0.1
    done
    _course_services_cleanup+=("kill \$(cat $dir/redis.pid); rm -rf $dir")
    export COURSE_TEST_REDIS_URL="redis://127.0.0.1:$port/0"
    echo "Redis for the tests: $COURSE_TEST_REDIS_URL"
}
