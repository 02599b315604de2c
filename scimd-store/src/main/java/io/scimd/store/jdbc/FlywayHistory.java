package io.scimd.store.jdbc;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** What Flyway's history table says of the migrations applied, for {@code Store#migrations}. */
final class FlywayHistory {
  private FlywayHistory() {}

  static String of(Connection c) {
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT version FROM flyway_schema_history WHERE success AND version IS NOT NULL"
                    + " ORDER BY installed_rank")) {
      int n = 0;
      String latest = null;
      while (rs.next()) {
        n++;
        latest = rs.getString(1);
      }
      return n + (n == 1 ? " migration" : " migrations") + ", schema version " + latest;
    } catch (SQLException | RuntimeException e) {
      return "unknown";
    }
  }
}
