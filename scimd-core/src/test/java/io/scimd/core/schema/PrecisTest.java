package io.scimd.core.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The identifier key and the IdentifierClass check (docs/decisions/0013-identifier-keys.md). */
class PrecisTest {
  static final String NFC_CAFE = "caf\u00e9";
  static final String NFD_CAFE = "cafe\u0301";

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "admin|admin",
        "ADMIN|admin",
        "\uff41\uff44\uff4d\uff49\uff4e|admin", // fullwidth
        "\uff21\uff24\uff2d\uff29\uff2e|admin",
        "stra\u00dfe|strasse", // full case folding: ß is ss
        "STRASSE|strasse",
        "Stra\u00dfe|strasse",
        "STRA\u1e9eE|strasse", // capital sharp s
        "'  admin  '|admin",
        "'\tadmin\n'|admin",
        "'\u3000admin\u00a0'|admin", // ideographic and no-break space
        "ad\u200dmin|admin", // zero-width joiner: default-ignorable, removed
        "ad\u200bmin|admin", // zero-width space
        "\ufeffadmin|admin", // byte order mark
        "'John  Smith'|john smith",
        "'\uff2a\uff4f\uff48\uff4e\u3000\uff33\uff4d\uff49\uff54\uff48'|john smith",
        "Bjensen@Example.COM|bjensen@example.com",
        "\ufb01nance|finance", // ligature: compatibility mapping
        "\u212aelvin|kelvin", // KELVIN SIGN
      })
  void key_mapsLookAlikesTogether(String value, String key) {
    assertThat(Precis.key(value)).isEqualTo(key);
  }

  @Test
  void key_ofNfcAndNfd_isTheSame_andItIsNfc() {
    assertThat(Precis.key(NFD_CAFE)).isEqualTo(Precis.key(NFC_CAFE)).isEqualTo(NFC_CAFE);
    assertThat(Precis.key("CAF\u00c9")).isEqualTo(NFC_CAFE);
    assertThat(Precis.key("CAFE\u0301")).isEqualTo(NFC_CAFE);
  }

  @Test
  void key_keepsDistinctNamesDistinct() {
    assertThat(Precis.key("alice")).isNotEqualTo(Precis.key("alicia"));
    assertThat(Precis.key("john smith")).isNotEqualTo(Precis.key("johnsmith"));
    assertThat(Precis.key(NFC_CAFE)).isNotEqualTo(Precis.key("cafe"));
    assertThat(Precis.key("\u0131")).as("dotless i").isNotEqualTo(Precis.key("i"));
  }

  @Test
  void key_ofAValueWithNothingVisible_isTheValue_soItIsEmptyOnlyWhenTheValueIs() {
    assertThat(Precis.key("   ")).isEqualTo("   ");
    assertThat(Precis.key("\u200b")).isEqualTo("\u200b");
    assertThat(Precis.key("")).isEmpty();
  }

  @Test
  void fragment_keepsTheSpacesAtItsEnds() {
    assertThat(Precis.fragment(" Smith")).isEqualTo(" smith");
    assertThat(Precis.fragment("JOHN\u3000\u3000")).isEqualTo("john ");
    assertThat(Precis.fragment("\uff33")).isEqualTo("s");
    assertThat(Precis.fragment("")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "alice",
        "bjensen@example.com",
        "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
        "a!#$%&'*+-/=?^_`{|}~.z",
        "Jos\u00e9.Garc\u00eda@example.com",
        NFD_CAFE,
        "stra\u00dfe",
        "\uff41\uff44\uff4d\uff49\uff4e", // fullwidth: width-mapped before the check
        "John Smith",
        "  padded  ",
        "\u5c71\u7530\u592a\u90ce", // 山田太郎
        "\u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac",
        "\u0645\u062b\u0627\u0644@example.com", // right-to-left before a Latin domain
        "\u0915\u094d\u200d\u0937", // ZWJ after a virama (RFC 5892 A.2)
        "col\u00b7legi", // MIDDLE DOT between l's (A.3)
        "\u1100\u1161", // conjoining jamo that compose to a syllable under NFC
        "\u30a2\u30fb\u30a4", // KATAKANA MIDDLE DOT beside Katakana (A.7)
      })
  void problem_none_forIdentifiersRealClientsSend(String value) {
    assertThat(Precis.problem(value)).isNull();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "ad\u200dmin|U+200D ZERO WIDTH JOINER, an invisible character allowed only after a virama",
        "ad\u200cmin|U+200C ZERO WIDTH NON-JOINER",
        "ad\u200bmin|U+200B ZERO WIDTH SPACE, an invisible character",
        "a\u00adb|U+00AD SOFT HYPHEN, an invisible character",
        "a\u0000b|U+0000 <control-0000>, a control character",
        "a\tb|U+0009 <control-0009>, a control character",
        "a\u0378|U+0378 <unassigned-0378>, a code point that Unicode",
        "\ufb01nance|U+FB01 LATIN SMALL LIGATURE FI, a compatibility character: write \"fi\"",
        "a\u00a0b|U+00A0 NO-BREAK SPACE, a special space: use a plain space (U+0020)",
        "a\u2003b|U+2003 EM SPACE, a special space",
        "O\u2019Brien|U+2019 RIGHT SINGLE QUOTATION MARK, a symbol or punctuation mark",
        "I\u2764NY|U+2764 HEAVY BLACK HEART, a symbol or punctuation mark",
        "a\ue000|U+E000 <private use area-E000>, a private-use character",
        "\ud800x|U+D800 <lead surrogate-D800>, half of a surrogate pair",
        "a\uffff|U+FFFF <noncharacter-FFFF>, a noncharacter",
        "\u01c5ungla|U+01C5 LATIN CAPITAL LETTER D WITH SMALL LETTER Z WITH CARON",
        "a\u00b7b|U+00B7 MIDDLE DOT, allowed only between two l's",
        "a\u0640b|U+0640 ARABIC TATWEEL, which identifiers exclude",
        "\u1100x|U+1100 HANGUL CHOSEONG KIYEOK, a conjoining Hangul jamo",
      })
  void problem_namesTheCodePointAndWhy(String value, String expected) {
    assertThat(Precis.problem(value)).startsWith("it contains ").contains(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "   ", "\u3000", "\u00a0", " \t\n "})
  void problem_empty_whenNothingIsLeftOnceTrimmed(String value) {
    assertThat(Precis.problem(value))
        .isEqualTo("it is empty once the spaces around it are removed");
  }

  @Test
  void appliesTo_uniqueStringsThatAreNotCaseExact() {
    Schema user = SchemaRegistry.builtIn().resourceType("User").orElseThrow().schema();
    assertThat(Precis.appliesTo(user.attribute("userName").orElseThrow())).isTrue();
    assertThat(Precis.appliesTo(user.attribute("displayName").orElseThrow())).isFalse();
    assertThat(Precis.appliesTo(CommonAttributes.EXTERNAL_ID)).isFalse();
    assertThat(Precis.appliesTo(CommonAttributes.ID)).as("caseExact").isFalse();
    Attribute exact =
        Attribute.builder("badge").uniqueness(Uniqueness.SERVER).caseExact(true).build();
    assertThat(Precis.appliesTo(exact)).isFalse();
    Attribute custom = Attribute.builder("badge").uniqueness(Uniqueness.GLOBAL).build();
    assertThat(Precis.appliesTo(custom)).isTrue();
    assertThat(Values.comparable(custom, "\uff22-001")).isEqualTo("b-001");
    assertThat(Values.comparable(exact, "\uff22-001")).isEqualTo("\uff22-001");
    Attribute plain = Attribute.builder("title").build();
    assertThat(Values.comparable(plain, "STRA\u00dfE")).isEqualTo("stra\u00dfe");
  }

  /** Every code point, alone and between letters: the key is stable and the check never throws. */
  @Test
  void everyCodePoint_keyIsIdempotent_andAValidValuesKeyIsValid() {
    List<String> broken = new ArrayList<>();
    for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
      String one = Character.toString(cp);
      for (String s : List.of(one, "a" + one + "b")) {
        String key = Precis.key(s);
        if (!Precis.key(key).equals(key)) {
          broken.add(String.format("key not idempotent for U+%04X", cp));
        }
        if (Precis.problem(s) == null && !key.isEmpty() && Precis.problem(key) != null) {
          broken.add(String.format("U+%04X valid, its key not: %s", cp, Precis.problem(key)));
        }
      }
    }
    assertThat(broken).isEmpty();
  }

  /** The printable-ASCII fast path gives what the full path gives. */
  @Property(tries = 2000)
  void asciiFastPath_agreesWithTheFullPath(
      @ForAll @CharRange(from = ' ', to = '~') @StringLength(max = 24) String s) {
    // U+200B is default-ignorable: the key removes it, and it forces the full path.
    if (!s.isBlank()) {
      assertThat(Precis.key(s)).isEqualTo(Precis.key(s + "\u200b"));
    }
    assertThat(Precis.fragment(s)).isEqualTo(Precis.fragment("\u200b" + s));
    assertThat(Precis.problem(s) == null)
        .isEqualTo(Precis.problem(s.isBlank() ? s : s + "\u00e9") == null);
  }
}
