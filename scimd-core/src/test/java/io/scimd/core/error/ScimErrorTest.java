package io.scimd.core.error;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ScimErrorTest {
  @Test
  void quote_shortInput_isQuotedWhole() {
    assertThat(ScimException.quote("userName")).isEqualTo("\"userName\"");
    assertThat(ScimException.quote("x".repeat(200))).isEqualTo("\"" + "x".repeat(200) + "\"");
  }

  @Test
  void quote_longInput_keeps200CharactersThenAnEllipsisAndTheLength() {
    assertThat(ScimException.quote("y".repeat(100_000)))
        .isEqualTo("\"" + "y".repeat(200) + "\u2026\" (100000 characters)");
  }

  @Test
  void quote_neverKeepsHalfASurrogatePair() {
    String q = ScimException.quote("a".repeat(199) + "\uD834\uDD1E".repeat(10));
    assertThat(q).startsWith("\"" + "a".repeat(199) + "\u2026\"");
  }

  @Test
  void detail_longerThanTheCap_isCutThereWithItsLength() {
    ScimError e = new ScimError(400, ScimType.INVALID_VALUE, "z".repeat(50_000));
    assertThat(e.detail())
        .isEqualTo("z".repeat(ScimError.MAX_DETAIL) + "\u2026 (50000 characters)");
    assertThat(new ScimException(400, null, "z".repeat(50_000)).getMessage())
        .hasSize(e.detail().length());
    assertThat(new ScimError(404, null, "short").detail()).isEqualTo("short");
  }
}
