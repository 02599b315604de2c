package io.scimd.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.schema.Precis;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.PoolSettings;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import io.scimd.store.jdbc.Stores;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.IntFunction;
import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyOutputStream;

/**
 * Fills a PostgreSQL store with {@link ScaleRun}'s fixture by {@code COPY}, the only way to load a
 * million users in a minute: through the store API each user is four statements and a tick of the
 * tenant's clock row.
 *
 * <p>The rows are those the store writes, checked rather than assumed: user 0 and group 0 go in
 * through the store API first (which also migrates the schema), and their rows in {@code resources}
 * and {@code unique_values} must equal what this class generates for index 0, or the seeding stops.
 * The kept counts follow by the store's own triggers; the clock row is moved past the last seeded
 * time; then {@code VACUUM ANALYZE}, as autovacuum would have done by then.
 */
final class PgSeeder {
  private static final int ROWS_PER_COPY = 100_000; // one transaction each

  private PgSeeder() {}

  /** A resource row as the store writes it. */
  record Gen(
      String id,
      String externalId,
      String userNameFolded,
      String displayNameFolded,
      String display,
      String doc) {}

  static ScaleRun.Seeded seed(String url, int users, int spare, int groups, int smallGroupSize)
      throws SQLException, IOException {
    int total = users + spare;
    String[] userIds = new String[total];
    String[] groupIds = new String[groups];
    String userUnique;
    try (Store store =
        Stores.postgres(
            url,
            SchemaRegistry.builtIn(),
            InstantSource.system(),
            PoolSettings.defaults().withMaxPoolSize(2))) {
      userIds[0] =
          store.write(
              Scope.system(Scope.DEFAULT_TENANT, "bench"),
              tx -> tx.insert("User", Users.attributes(0, Users.userName(0))).id());
      groupIds[0] =
          store.write(
              Scope.system(Scope.DEFAULT_TENANT, "bench"),
              tx -> tx.insert("Group", ScaleRun.groupAttributes(0)).id());
    }
    long base =
        Math.addExact(Math.multiplyExact(Instant.now().getEpochSecond(), 1_000_000L), 10_000_000L);
    try (Connection c = DriverManager.getConnection(url)) {
      c.setAutoCommit(true);
      userUnique = check(c, "User", userIds[0], user(0, userIds[0]), Users.userName(0));
      check(c, "Group", groupIds[0], group(0, groupIds[0]), null);
      for (int i = 1; i < total; i++) {
        userIds[i] = UUID.randomUUID().toString();
      }
      for (int g = 1; g < groups; g++) {
        groupIds[g] = UUID.randomUUID().toString();
      }
      PGConnection pg = c.unwrap(PGConnection.class);
      // Users 1..total-1: created and lastModified 1 µs apart after base, in index (= seq) order.
      copyResources(pg, "User", 1, total, i -> user(i, userIds[i]), base);
      copy(
          pg,
          "COPY unique_values (tenant, type, attribute, value_folded, id) FROM STDIN (FORMAT csv)",
          1,
          total,
          (out, i) ->
              row(out, "default", "User", userUnique, Precis.key(Users.userName(i)), userIds[i]));
      copyResources(pg, "Group", 1, groups, g -> group(g, groupIds[g]), base + total);
      // Group 0 holds the first `users` users; groups 1.. hold smallGroupSize users each, in order.
      String members =
          "COPY members (tenant, group_id, member_id, member_type) FROM STDIN (FORMAT csv)";
      copy(pg, members, 0, users, (out, i) -> row(out, "default", groupIds[0], userIds[i], "User"));
      int inSmall = Math.min(users, (groups - 1) * smallGroupSize);
      copy(
          pg,
          members,
          0,
          inSmall,
          (out, i) -> row(out, "default", groupIds[1 + i / smallGroupSize], userIds[i], "User"));
      try (Statement st = c.createStatement()) {
        st.execute(
            "UPDATE clocks SET micros = GREATEST(micros, (SELECT MAX(last_modified) FROM resources))");
        st.execute("VACUUM ANALYZE");
      }
    }
    Instant mark = instant(base + total - 101);
    return new ScaleRun.Seeded(List.of(userIds), List.of(groupIds), mark);
  }

  private static Instant instant(long micros) {
    return Instant.ofEpochSecond(
        Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
  }

  static Gen user(int i, String id) {
    ObjectNode a = Users.attributes(i, Users.userName(i));
    String display = a.get("displayName").asText();
    return new Gen(
        id,
        Users.externalId(i),
        Precis.key(Users.userName(i)),
        display.toLowerCase(Locale.ROOT),
        display,
        a.toString());
  }

  static Gen group(int g, String id) {
    ObjectNode a = ScaleRun.groupAttributes(g);
    String display = a.get("displayName").asText();
    return new Gen(id, "", "", display.toLowerCase(Locale.ROOT), display, a.toString());
  }

  /**
   * Compares the store's rows of {@code id} with {@code gen}; returns the unique_values attribute
   * key of {@code uniqueValue} (the store's name for userName), or null when there is none.
   */
  private static String check(Connection c, String type, String id, Gen gen, String uniqueValue)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT external_id, user_name_folded, display_name_folded, display, doc::text, version FROM resources WHERE type = ? AND id = ?")) {
      ps.setString(1, type);
      ps.setString(2, id);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new IllegalStateException("the probe " + type + " is not in resources");
        }
        List<String> want =
            List.of(gen.externalId(), gen.userNameFolded(), gen.displayNameFolded(), gen.display());
        for (int k = 0; k < 4; k++) {
          String got = rs.getString(k + 1);
          if (!want.get(k).equals(got == null ? "" : got)) {
            throw new IllegalStateException(
                "the store writes "
                    + type
                    + " column "
                    + (k + 1)
                    + " as "
                    + got
                    + ", the seeder as "
                    + want.get(k));
          }
        }
        JsonNode stored = readTree(rs.getString(5));
        if (!stored.equals(readTree(gen.doc()))) {
          throw new IllegalStateException(
              "the store writes the "
                  + type
                  + " doc as "
                  + stored
                  + ", the seeder as "
                  + gen.doc());
        }
      }
    }
    Map<String, String> unique = new TreeMap<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT attribute, value_folded FROM unique_values WHERE type = ? AND id = ?")) {
      ps.setString(1, type);
      ps.setString(2, id);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          unique.put(rs.getString(1), rs.getString(2));
        }
      }
    }
    String folded = uniqueValue == null ? null : Precis.key(uniqueValue);
    if (folded == null ? !unique.isEmpty() : unique.size() != 1 || !unique.containsValue(folded)) {
      throw new IllegalStateException(
          "the store keeps unique values "
              + unique
              + " for a "
              + type
              + "; the seeder writes "
              + (folded == null ? "none" : "only " + folded));
    }
    return folded == null ? null : unique.keySet().iterator().next();
  }

  private static JsonNode readTree(String json) {
    try {
      return Users.MAPPER.readTree(json);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void copyResources(
      PGConnection pg, String type, int from, int to, IntFunction<Gen> gen, long base)
      throws SQLException, IOException {
    copy(
        pg,
        "COPY resources (tenant, type, id, version, created, last_modified, external_id, user_name_folded,"
            + " display_name_folded, display, doc) FROM STDIN (FORMAT csv)",
        from,
        to,
        (out, i) -> {
          Gen g = gen.apply(i);
          String t = Long.toString(base + i);
          row(
              out,
              "default",
              type,
              g.id(),
              "1",
              t,
              t,
              nullable(g.externalId()),
              nullable(g.userNameFolded()),
              nullable(g.displayNameFolded()),
              g.display(),
              g.doc());
        });
  }

  private static final String NULL = "\u0000null";

  private static String nullable(String s) {
    return s.isEmpty() ? NULL : s;
  }

  interface RowWriter {
    void write(OutputStream out, int i) throws IOException;
  }

  private static void copy(PGConnection pg, String sql, int from, int to, RowWriter rows)
      throws SQLException, IOException {
    for (int start = from; start < to; start += ROWS_PER_COPY) {
      int end = Math.min(to, start + ROWS_PER_COPY);
      try (OutputStream out = new BufferedOutputStream(new PGCopyOutputStream(pg, sql), 1 << 16)) {
        for (int i = start; i < end; i++) {
          rows.write(out, i);
        }
      }
    }
  }

  /**
   * One CSV line: every value quoted (quotes doubled); {@link #NULL} as an unquoted empty field,
   * NULL to COPY.
   */
  private static void row(OutputStream out, String... values) throws IOException {
    StringBuilder b = new StringBuilder(256);
    for (int k = 0; k < values.length; k++) {
      if (k > 0) {
        b.append(',');
      }
      String v = values[k];
      if (!v.equals(NULL)) {
        b.append('"').append(v.replace("\"", "\"\"")).append('"');
      }
    }
    b.append('\n');
    out.write(b.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** Creates database {@code name} on the server of {@code adminUrl} and returns its URL. */
  static String createDatabase(String adminUrl, String name) throws SQLException {
    try (Connection c = DriverManager.getConnection(adminUrl);
        Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE " + name);
    }
    return withDatabase(adminUrl, name);
  }

  static void dropDatabase(String adminUrl, String name) throws SQLException {
    try (Connection c = DriverManager.getConnection(adminUrl);
        Statement st = c.createStatement()) {
      st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }
  }

  /** {@code jdbc:postgresql://host:port/db?params} with {@code db} replaced. */
  static String withDatabase(String url, String name) {
    String prefix = "jdbc:postgresql://";
    if (!url.startsWith(prefix)) {
      throw new IllegalArgumentException("--db must be a jdbc:postgresql:// URL, got " + url);
    }
    int slash = url.indexOf('/', prefix.length());
    int q = url.indexOf('?');
    String hostPort =
        url.substring(prefix.length(), slash < 0 ? (q < 0 ? url.length() : q) : slash);
    String params = q < 0 ? "" : url.substring(q);
    return prefix + hostPort + "/" + name + params;
  }

  /** The sizes of the tables, for the report. */
  static String sizes(String url) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(url);
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery("SELECT pg_size_pretty(pg_database_size(current_database()))")) {
      rs.next();
      out.add("database " + rs.getString(1));
    }
    return String.join(", ", out);
  }
}
