package io.scimd.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.scimd.core.error.ScimException;
import java.sql.SQLException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which database failures a client may retry (503) rather than read as scimd's bug (500). */
class JdbcFailuresTest {
  /**
   * A connection the database or its administrator ended (pg_terminate_backend: 57P01), a server
   * shutting down or starting (57P02, 57P03), a cancelled statement (57014), a broken connection
   * (08006), a lock timeout (55P03): the request may succeed on a new connection.
   */
  @ParameterizedTest
  @ValueSource(strings = {"57P01", "57P02", "57P03", "57014", "08006", "08003", "55P03"})
  void aLostOrEndedSession_isUnavailable(String sqlState) {
    RuntimeException mapped =
        JdbcFailures.of(new SQLException("FATAL: terminating connection", sqlState));
    assertThat(mapped).isInstanceOf(ScimException.class);
    assertThat(((ScimException) mapped).error().status()).isEqualTo(503);
  }

  @ParameterizedTest
  @ValueSource(strings = {"42P01", "XX000"})
  void aFailureOfScimdsOwnSql_staysAnInternalError(String sqlState) {
    assertThat(JdbcFailures.of(new SQLException("boom", sqlState)))
        .isNotInstanceOf(ScimException.class);
  }
}
