#!/usr/bin/env bash
# Tests the distribution archive as an operator meets it: unpacked on a machine without Java. The
# server runs from an empty environment whose PATH holds only the few commands the launcher needs
# (bash, readlink, dirname), so no java can be found there and JAVA_HOME is unset: it must run on
# its bundled runtime. Checks --version, a start with the example configuration, /health, a SCIM
# write, that the process is the bundled java, that a second server on its data directory is
# refused, and the systemd unit (systemd-analyze verify, where there is one).
# Run by `./mvnw -Pdist verify` (scimd-server's dist profile). Usage: dist/test.sh ARCHIVE
set -euo pipefail
archive="$(readlink -f "$1")"
token="dist-test-bootstrap-token-0123456789-abcdef"
work="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "dist test FAILED: $*" >&2
  [ -f "$work/server.log" ] && sed 's/^/  server: /' "$work/server.log" >&2
  exit 1
}

tar -xzf "$archive" -C "$work"
home="$(echo "$work"/scimd-*/)"
home="${home%/}"
[ -x "$home/runtime/bin/java" ] || fail "no runtime/bin/java in the archive"

# A PATH without java: only what the launcher itself calls.
mkdir "$work/path"
for tool in bash readlink dirname; do ln -s "$(command -v "$tool")" "$work/path/$tool"; done
run() { env -i PATH="$work/path" HOME="$work" "$@"; }
run bash -c 'command -v java' >/dev/null 2>&1 && fail "java is on the test PATH"

version="$(run "$home/bin/scimd" --version)" || fail "--version exited $?"
[[ "$version" =~ ^scimd\ [0-9]+\.[0-9]+\.[0-9]+(-SNAPSHOT)?\ \(commit\  ]] || fail "--version said: $version"

# A free port on 127.0.0.1: one nothing answers on.
port=""
for _ in $(seq 1 50); do
  p=$((20000 + RANDOM % 20000))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
[ -n "$port" ] || fail "no free port"

# The example configuration, as an operator adapts it: another data directory and port.
sed -e "s|^data: .*|data: $work/data|" -e "s|^port: .*|port: $port|" \
  "$home/conf/scimd.example.yaml" > "$work/scimd.yaml"
echo "bootstrap-token_file: $work/token" >> "$work/scimd.yaml"
echo "$token" > "$work/token"

# GET or POST on the server with bash alone (no curl on the PATH either): prints status and body.
http() {
  local method="$1" path="$2" body="${3:-}"
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
  printf '%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\nContent-Type: application/scim+json\r\nContent-Length: %d\r\n\r\n%s' \
    "$method" "$path" "$token" "${#body}" "$body" >&3
  cat <&3
  exec 3<&-
}

# Not through run(): $! must be the server itself (env and the launcher exec, keeping the pid).
env -i PATH="$work/path" HOME="$work" "$home/bin/scimd" serve --config "$work/scimd.yaml" \
  > "$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do
  if http GET /health 2>/dev/null | head -1 | grep -q ' 200 '; then break; fi
  kill -0 "$pid" 2>/dev/null || fail "the server exited"
  sleep 0.5
done
http GET /health | head -1 | grep -q ' 200 ' || fail "/health did not answer 200"
exe="$(readlink -f "/proc/$pid/exe")"
[ "$exe" = "$(readlink -f "$home/runtime/bin/java")" ] || fail "the server runs $exe, not the bundled java"
created="$(http POST /scim/v2/Users '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"dist-test"}')"
echo "$created" | head -1 | grep -q ' 201 ' || fail "creating a user: $created"
grep -q "store: SQLite in $work/data" "$work/server.log" || fail "the log does not say where the store is"

# One server per data directory.
second="$(run "$home/bin/scimd" serve --config "$work/scimd.yaml" --port 0 2>&1)" && fail "a second server started"
[[ "$second" == *"the data directory $work/data is in use by another scimd server (pid $pid)"* ]] \
  || fail "the second server said: $second"

kill "$pid"
wait "$pid" || [ $? -eq 143 ] || fail "the server exited badly on SIGTERM"
pid=""

if command -v systemd-analyze >/dev/null 2>&1; then
  # verify wants the ExecStart program to exist: point the unit at this archive's launcher.
  sed "s|/opt/scimd/bin/scimd|$home/bin/scimd|" "$home/conf/scimd.service" > "$work/scimd.service"
  problems="$(systemd-analyze verify "$work/scimd.service" 2>&1)" || fail "systemd-analyze: $problems"
  [ -z "$problems" ] || fail "systemd-analyze verify: $problems"
fi
echo "dist test passed: $(basename "$archive") runs without Java installed ($version)"
