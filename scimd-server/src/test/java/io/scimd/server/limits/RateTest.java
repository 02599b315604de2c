package io.scimd.server.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RateTest {
  @Test
  void parse_readsACountPerSecondMinuteOrHour_withItsDefaultBurst() {
    assertThat(Rate.parse("100/s", null)).isEqualTo(new Rate(100, Duration.ofSeconds(1), 200));
    assertThat(Rate.parse(" 600 / min ", null))
        .isEqualTo(new Rate(600, Duration.ofMinutes(1), 600));
    assertThat(Rate.parse("5000/H", null)).isEqualTo(new Rate(5000, Duration.ofHours(1), 5000));
    assertThat(Rate.parse("10/s", 3)).isEqualTo(new Rate(10, Duration.ofSeconds(1), 3));
    assertThat(Rate.parse("100/s", null)).isEqualTo(Rate.DEFAULT);
    assertThat(Rate.parse("10/m", null)).isEqualTo(Rate.DEFAULT_AUTH_FAILURES);
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "off", "OFF", "none", "0/s"})
  void parse_zeroOrOff_isOff(String spec) {
    assertThat(Rate.parse(spec, 5)).isEqualTo(Rate.OFF);
    assertThat(Rate.OFF.on()).isFalse();
    assertThat(Rate.OFF).hasToString("off");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "100", "100/d", "-1/s", "fast", "1.5/s", "100/s/s"})
  void parse_anythingElse_isRefusedNamingTheForms(String spec) {
    assertThatThrownBy(() -> Rate.parse(spec, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("100/s, 600/m, 5000/h");
  }

  @Test
  void aBurstBelowOne_orARateTooFastToMeasure_isRefused() {
    assertThatThrownBy(() -> Rate.parse("10/s", 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("burst must be at least 1");
    assertThatThrownBy(() -> Rate.parse("999999999/s", null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("too fast");
  }

  @Test
  void derivedFigures() {
    Rate r = Rate.parse("6/m", 2);
    assertThat(r.intervalNanos()).isEqualTo(10_000_000_000L);
    assertThat(r.perSecond()).isEqualTo(0.1);
    assertThat(r).hasToString("6/m");
    assertThat(Rate.DEFAULT).hasToString("100/s");
  }
}
