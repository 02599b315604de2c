package io.scimd.server.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import org.junit.jupiter.api.Test;

class SessionsTest {
  private Instant now = Instant.parse("2026-03-01T10:00:00Z");
  private final InstantSource clock = () -> now;
  private final Sessions sessions = new Sessions(clock);

  @Test
  void find_returnsTheSession_andRenewsItsIdleTime() {
    String id = sessions.start("default", "client", "c1", "ops", "hash");
    now = now.plus(Sessions.IDLE.minusMinutes(1));
    assertThat(sessions.find(id)).isPresent();
    now = now.plus(Sessions.IDLE.minusMinutes(1));
    assertThat(sessions.find(id))
        .get()
        .extracting(Sessions.Session::principalName)
        .isEqualTo("ops");
  }

  @Test
  void find_isEmpty_afterTheIdleTime() {
    String id = sessions.start("default", "client", "c1", "ops", "hash");
    now = now.plus(Sessions.IDLE);
    assertThat(sessions.find(id)).isEmpty();
    assertThat(sessions.size()).isZero();
  }

  @Test
  void find_isEmpty_afterTheAbsoluteLifetime_evenWhenUsed() {
    String id = sessions.start("default", "client", "c1", "ops", "hash");
    for (Duration d = Duration.ZERO;
        d.compareTo(Sessions.ABSOLUTE) < 0;
        d = d.plus(Sessions.IDLE.dividedBy(2))) {
      now = now.plus(Sessions.IDLE.dividedBy(2));
      sessions.find(id);
    }
    assertThat(sessions.find(id)).isEmpty();
  }

  @Test
  void aShorterLifetime_endsTheSessionThen_evenWhenUsed() {
    String id = sessions.start("default", "oidc", "sub-1", "alice", "oidc", OidcSignIn.LIFETIME);
    for (int i = 0; i < 5; i++) {
      now = now.plus(Duration.ofMinutes(11));
      assertThat(sessions.find(id)).as("after %d min", (i + 1) * 11).isPresent();
    }
    now = now.plus(OidcSignIn.LIFETIME.minusMinutes(55));
    assertThat(sessions.find(id)).isEmpty();

    // A lifetime longer than the absolute one is cut to it.
    String longer = sessions.start("default", "oidc", "s", "a", "oidc", Duration.ofDays(7));
    assertThat(sessions.find(longer).orElseThrow().ends()).isEqualTo(now.plus(Sessions.ABSOLUTE));
  }

  @Test
  void find_isEmpty_afterEnd_andForUnknownOrOversizedIds() {
    String id = sessions.start("default", "client", "c1", "ops", "hash");
    sessions.end(id);
    assertThat(sessions.find(id)).isEmpty();
    assertThat(sessions.find("not-a-session")).isEmpty();
    assertThat(sessions.find("x".repeat(500))).isEmpty();
    assertThat(sessions.find(null)).isEmpty();
  }

  @Test
  void csrfMatches_onlyTheSessionsOwnToken() {
    String id = sessions.start("default", "client", "c1", "ops", "hash");
    Sessions.Session s = sessions.find(id).orElseThrow();
    assertThat(s.csrfMatches(s.csrf())).isTrue();
    assertThat(s.csrfMatches(s.csrf() + "x")).isFalse();
    assertThat(s.csrfMatches("")).isFalse();
    assertThat(s.csrfMatches(null)).isFalse();
    assertThat(s.csrf()).isNotEqualTo(id);
  }
}
