#!/usr/bin/env bash
# Builds the self-contained distribution: scimd-VERSION-linux-ARCH.tar.gz, which runs on a machine
# without Java (a runtime trimmed by jlink to the modules scimd uses), with the launcher, the
# example configuration, the systemd unit, the licence and the changelog. Run by
# `./mvnw -Pdist package` (scimd-server's dist profile), after the shaded jar is made.
# Usage: dist/build.sh VERSION SHADED-JAR OUTPUT-DIR
set -euo pipefail
version="$1"
jar="$2"
out="$3"
root="$(cd "$(dirname "$0")/.." && pwd)"

# jlink of the JDK 21+ the build uses (bin/find-java, as the toolchain finds it): a JDK with jmods,
# or one whose own runtime can be linked (JEP 493, JDK 24+).
java="$(readlink -f "$("$root/bin/find-java")")"
jdk="$(dirname "$(dirname "$java")")"
jlink="$jdk/bin/jlink"
if [ ! -x "$jlink" ]; then
  echo "dist: $jdk has no jlink: build with a JDK 21+ (not a JRE)" >&2
  exit 1
fi

# The modules scimd uses, from `jdeps --ignore-missing-deps --print-module-deps --multi-release 21
# scimd.jar` (ADR 0024): java.sql (JDBC), java.net.http (the hub's targets, the SCIM client),
# java.naming and java.security.jgss (pgjdbc: JNDI, GSS authentication), java.management (Jetty,
# HikariCP), java.desktop (java.beans, read by Jackson and CEL), jdk.unsupported (sun.misc.Unsafe,
# for Jackson, Guava, protobuf). Besides: jdk.crypto.ec, elliptic-curve keys for TLS and the audit
# and OAuth keys (an empty module since JDK 22, kept while the JDK still has it); jdk.management,
# which Micrometer reads by reflection (jdeps cannot see it) for process_cpu_usage and the GC pauses
# of /metrics (ADR 0023).
modules="java.base,java.desktop,java.management,java.naming,java.net.http,java.security.jgss,java.sql,jdk.management,jdk.unsupported"
if "$java" --list-modules | grep -q '^jdk\.crypto\.ec@'; then
  modules="$modules,jdk.crypto.ec"
fi

case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=aarch64 ;;
  *) arch="$(uname -m)" ;;
esac
name="scimd-$version"
work="$out/dist"
stage="$work/$name"
rm -rf "$work" "$out"/scimd-*-linux-*.tar.gz
mkdir -p "$stage/bin" "$stage/lib" "$stage/conf"

"$jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
  --compress=zip-6 --output "$stage/runtime"

install -m 0755 "$root/dist/scimd" "$stage/bin/scimd"
install -m 0644 "$root/bin/scimd.cmd" "$stage/bin/scimd.cmd"
install -m 0644 "$jar" "$stage/lib/scimd.jar"
install -m 0644 "$root/bin/jvm.options" "$stage/conf/jvm.options"
install -m 0644 "$root/dist/scimd.example.yaml" "$stage/conf/scimd.example.yaml"
install -m 0644 "$root/dist/scimd.service" "$stage/conf/scimd.service"
install -m 0644 "$root/LICENSE" "$root/CHANGELOG.md" "$root/README.md" "$stage/"

# The same bytes for the same sources: sorted, no owner, the last commit's time (or the jar's).
epoch="${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || stat -c %Y "$jar")}"
archive="$out/$name-linux-$arch.tar.gz"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" \
  -C "$work" -cf - "$name" | gzip -n > "$archive"
echo "dist: $archive ($(du -h "$archive" | cut -f1); runtime $(du -sh "$stage/runtime" | cut -f1) unpacked, modules $modules)"
