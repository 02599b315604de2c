package io.scimd.core.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scimd.core.error.ScimException;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ValuesTest {
  private static final ObjectMapper M = new ObjectMapper();

  private static JsonNode json(String text) {
    try {
      return M.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(text, e);
    }
  }

  private static Attribute of(AttributeType type) {
    return Attribute.builder("x").type(type).build();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "2011-05-13T04:42:34Z",
        "2011-05-13T04:42:34.123456Z",
        "2011-05-13T04:42:34+02:00",
        "2011-05-13T04:42:34",
        "2011-05-13t04:42:34z",
        "2011-05-13T04:42:34.1234567891Z"
      })
  void dateTime_acceptsXsdDateTime(String s) {
    assertThat(Values.dateTime(s)).isNotNull();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "2011-05-13",
        "2011-05-13T04:42Z",
        "2011-05-13T04:42",
        "2011-02-30T04:42:34Z",
        "2011-05-13T04:42:34Z[Europe/Paris]",
        "2011-05-13T04:42:34+0200",
        "2011-05-13T04:42:34+02",
        "13/05/2011 04:42:34",
        "",
        "T12:00:00"
      })
  void dateTime_rejectsWhatIsNoXsdDateTime(String s) {
    assertThat(Values.dateTime(s)).isNull();
  }

  @Test
  void dateTime_readsTheOffset() {
    assertThat(Values.dateTime("2011-05-13T06:42:34.5+02:00"))
        .isEqualTo(Instant.parse("2011-05-13T04:42:34.5Z"));
    assertThat(Values.dateTime("2011-05-13T04:42:34"))
        .isEqualTo(Instant.parse("2011-05-13T04:42:34Z"));
  }

  /** Each row: type, JSON given, canonical JSON or "-" when rejected. */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "BOOLEAN   | true                        | true",
        "BOOLEAN   | '\"False\"'                 | false",
        "BOOLEAN   | '\"TRUE\"'                  | true",
        "BOOLEAN   | '\" false \"'               | false",
        "BOOLEAN   | '\"yes\"'                   | -",
        "BOOLEAN   | 1                           | -",
        "INTEGER   | 3                           | 3",
        "INTEGER   | 3.0                         | 3",
        "INTEGER   | 9223372036854775807         | 9223372036854775807",
        "INTEGER   | 9223372036854775808         | -",
        "INTEGER   | 3.5                         | -",
        "INTEGER   | 1e400                       | -",
        "INTEGER   | '\"3\"'                     | -",
        "DECIMAL   | 0.5                         | 0.5",
        "DECIMAL   | 2                           | 2",
        "DECIMAL   | 1e400                       | -",
        "DECIMAL   | '\"0.5\"'                   | -",
        "DATE_TIME | '\"2011-05-13T04:42:34Z\"'  | '\"2011-05-13T04:42:34Z\"'",
        "DATE_TIME | '\"2011-05-13T04:42Z\"'     | -",
        "DATE_TIME | 1305261754                  | -",
        "BINARY    | '\"aGVsbG8=\"'              | '\"aGVsbG8=\"'",
        "BINARY    | '\"not base64!\"'           | -",
        "STRING    | '\"a\"'                     | '\"a\"'",
        "STRING    | 5                           | -",
        "REFERENCE | '\"https://x/Users/1\"'     | '\"https://x/Users/1\"'",
        "REFERENCE | '{}'                        | -",
      })
  void simple_acceptsOrRejects(AttributeType type, String given, String canonical) {
    JsonNode out = Values.simple(of(type), json(given));
    if (canonical.equals("-")) {
      assertThat(out).isNull();
    } else {
      assertThat(out).isEqualTo(json(canonical));
    }
  }

  @Test
  void simple_complexAttribute_isOurMisuse() {
    assertThatThrownBy(() -> Values.simple(of(AttributeType.COMPLEX), json("{}")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void mismatch_namesPathExpectedAndGiven() {
    assertThat(Values.mismatch(of(AttributeType.DATE_TIME), json("\"2011-05-13T04:42Z\""), "since"))
        .isEqualTo(
            "'since' must be a dateTime string such as 2011-05-13T04:42:34Z,"
                + " got the string \"2011-05-13T04:42Z\"");
    assertThat(Values.mismatch(of(AttributeType.INTEGER), json("9223372036854775808"), "n"))
        .startsWith("'n' must be an integer from -9223372036854775808 to 9223372036854775807");
    assertThat(Values.mismatch(of(AttributeType.STRING), json("[\"a\"]"), "title"))
        .isEqualTo("'title' is single-valued: expected a string, got an array");
    assertThat(Values.mismatch(of(AttributeType.STRING), json("\"" + "x".repeat(300) + "\""), "s"))
        .endsWith("x".repeat(ScimException.MAX_QUOTE) + "\u2026\" (300 characters)");
  }
}
