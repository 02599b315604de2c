package io.scimd.core.schema;

import com.ibm.icu.lang.UCharacter;
import com.ibm.icu.lang.UCharacterCategory;
import com.ibm.icu.lang.UProperty;
import com.ibm.icu.lang.UScript;
import com.ibm.icu.text.Normalizer2;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Identifiers: the values of a string attribute that is unique and not caseExact ({@code userName},
 * and any such attribute of a custom schema), compared as PRECIS usernames (RFC 8264, RFC 8265 §3.3
 * UsernameCaseMapped) so that look-alikes cannot be two accounts. Two things are defined here, each
 * in one place (docs/decisions/0013-identifier-keys.md gives the reasons):
 *
 * <ul>
 *   <li>{@link #key}: the form in which identifiers are compared, for uniqueness, for filters and
 *       for sorting. It is Unicode's {@code NFKC_Casefold} (width mapping and every other
 *       compatibility mapping, full case folding so that {@code straße} meets {@code STRASSE},
 *       normalisation so that NFC and NFD {@code café} meet, default-ignorable code points such as
 *       U+200D ZERO WIDTH JOINER removed), with white space trimmed at both ends and each inner run
 *       of it made one U+0020. It is total: it never throws, whatever the string.
 *   <li>{@link #problem}: what PRECIS's IdentifierClass (RFC 8264 §4.2) disallows in a value a
 *       client sends, checked on the value trimmed, width-mapped and in NFC. Single spaces between
 *       the parts of a name are allowed, as RFC 8265 §3.1 allows them between userparts.
 * </ul>
 *
 * <p>The value itself is never changed: the store keeps and returns what the client sent, and
 * compares its key. Strings of printable ASCII take a fast path with the same results.
 */
public final class Precis {
  private static final Normalizer2 NFKC_CF = Normalizer2.getNFKCCasefoldInstance();
  private static final Normalizer2 NFKC = Normalizer2.getNFKCInstance();
  private static final Normalizer2 NFC = Normalizer2.getNFCInstance();
  private static final int VIRAMA = 9;

  private Precis() {}

  /**
   * Whether values of {@code a} are identifiers: a string attribute with {@code uniqueness} server
   * or global that is not caseExact. A caseExact one compares code point by code point (RFC 7643
   * §2.2) and keeps doing so.
   */
  public static boolean appliesTo(Attribute a) {
    return a.type() == AttributeType.STRING && !a.caseExact() && a.uniqueness() != Uniqueness.NONE;
  }

  /**
   * The comparison key of identifier {@code s}: two values are the same identifier when their keys
   * are equal. A value with nothing visible in it (only spaces and invisible characters, which
   * {@link #problem} refuses) is its own key, so that its key is empty only when it is: {@code
   * userName pr} answers from the key column as it does from the value.
   */
  public static String key(String s) {
    String key = printableAscii(s) ? asciiKey(s, true) : spaces(NFKC_CF.normalize(s), true);
    return key.isEmpty() ? s : key;
  }

  /**
   * The key of a {@code co}/{@code sw}/{@code ew} filter operand: as {@link #key}, but white space
   * at its ends is kept (one U+0020 for a run), since there it is part of the substring sought.
   */
  public static String fragment(String s) {
    return printableAscii(s) ? asciiKey(s, false) : spaces(NFKC_CF.normalize(s), false);
  }

  /**
   * Why {@code s} is not an identifier, as a phrase that completes "is not a valid identifier: "
   * (which code point, why, and what to send instead); null when it is one.
   */
  public static @Nullable String problem(String s) {
    if (printableAscii(s)) {
      return s.isBlank() ? EMPTY : null;
    }
    String p = NFC.normalize(widthMapped(trim(s)));
    if (p.isEmpty()) {
      return EMPTY;
    }
    int[] cps = p.codePoints().toArray();
    for (int i = 0; i < cps.length; i++) {
      int cp = cps[i];
      if (cp == ' ') {
        continue; // between userparts (RFC 8265 §3.1); runs of them are one in the key
      }
      String why = disallowed(cps, i);
      if (why != null) {
        return "it contains " + name(cp) + ", " + why;
      }
    }
    return null;
  }

  private static final String EMPTY = "it is empty once the spaces around it are removed";

  // ---------------------------------------------------------------- keys

  private static boolean printableAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }

  /** NFKC_Casefold of printable ASCII is lower case; then the spaces as {@link #spaces}. */
  private static String asciiKey(String s, boolean trim) {
    return spaces(s.toLowerCase(Locale.ROOT), trim);
  }

  /**
   * {@code s} with each run of white space (Unicode White_Space) made one U+0020, and with {@code
   * trim} none at the ends.
   */
  private static String spaces(String s, boolean trim) {
    if (spacesAsTheyAre(s, trim)) {
      return s; // the common case: no copy
    }
    StringBuilder b = new StringBuilder(s.length());
    boolean pending = false; // a run of white space not yet written
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      if (white(cp)) {
        pending = true;
        continue;
      }
      if (pending && !(trim && b.isEmpty())) {
        b.append(' ');
      }
      pending = false;
      b.appendCodePoint(cp);
    }
    if (pending && !trim) {
      b.append(' ');
    }
    return b.toString();
  }

  /** Whether {@link #spaces} would return {@code s} unchanged: single inner U+0020 at most. */
  private static boolean spacesAsTheyAre(String s, boolean trim) {
    boolean previous = false;
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      boolean ws = white(cp);
      if (ws && (cp != ' ' || previous || (trim && i == 0))) {
        return false;
      }
      previous = ws;
      i += Character.charCount(cp);
    }
    return !(trim && previous);
  }

  private static boolean white(int cp) {
    return cp < 0x80 ? cp == ' ' || cp >= 0x09 && cp <= 0x0d : UCharacter.isUWhiteSpace(cp);
  }

  // ---------------------------------------------------------------- preparation

  private static String trim(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && white(s.codePointAt(start))) {
      start += Character.charCount(s.codePointAt(start));
    }
    while (end > start && white(s.codePointBefore(end))) {
      end -= Character.charCount(s.codePointBefore(end));
    }
    return s.substring(start, end);
  }

  /**
   * RFC 8265 §3.3.1 rule 1: fullwidth and halfwidth code points (decomposition type {@code <wide>}
   * or {@code <narrow>}, UAX #11) mapped to their decomposition.
   */
  private static String widthMapped(String s) {
    StringBuilder b = new StringBuilder(s.length());
    s.codePoints()
        .forEach(
            cp -> {
              int dt = UCharacter.getIntPropertyValue(cp, UProperty.DECOMPOSITION_TYPE);
              String d =
                  dt == UCharacter.DecompositionType.WIDE
                          || dt == UCharacter.DecompositionType.NARROW
                      ? NFKC.getRawDecomposition(cp)
                      : null;
              if (d != null) {
                b.append(d);
              } else {
                b.appendCodePoint(cp);
              }
            });
    return b.toString();
  }

  // ---------------------------------------------------------------- IdentifierClass

  /**
   * Why {@code cps[i]} is not allowed there, or null when it is: the derivation of RFC 8264 §8 for
   * the IdentifierClass, in its order, with the contextual rules of RFC 5892 Appendix A.
   */
  private static @Nullable String disallowed(int[] cps, int i) {
    int cp = cps[i];
    // (F) Exceptions, RFC 5892 §2.6.
    switch (cp) {
      case 0x00DF, 0x03C2, 0x06FD, 0x06FE, 0x0F0B, 0x3007 -> {
        return null;
      }
      case 0x0640, 0x07FA, 0x302E, 0x302F, 0x3031, 0x3032, 0x3033, 0x3034, 0x3035, 0x303B -> {
        return "which identifiers exclude (RFC 5892 §2.6)";
      }
      default -> {}
    }
    String context = contextO(cps, i);
    if (context != null) {
      return context.isEmpty() ? null : context;
    }
    int type = UCharacter.getType(cp);
    if (type == UCharacterCategory.UNASSIGNED
        && !UCharacter.hasBinaryProperty(cp, UProperty.NONCHARACTER_CODE_POINT)) {
      return "a code point that Unicode "
          + UCharacter.getUnicodeVersion().getMajor()
          + " does not assign: remove it";
    }
    if (cp >= 0x21 && cp <= 0x7e) {
      return null; // (K) ASCII7
    }
    if (cp == 0x200C || cp == 0x200D) {
      return contextJ(cps, i);
    }
    int hst = UCharacter.getIntPropertyValue(cp, UProperty.HANGUL_SYLLABLE_TYPE);
    if (hst == UCharacter.HangulSyllableType.LEADING_JAMO
        || hst == UCharacter.HangulSyllableType.VOWEL_JAMO
        || hst == UCharacter.HangulSyllableType.TRAILING_JAMO) {
      return "a conjoining Hangul jamo that forms no syllable here: send whole syllables";
    }
    if (UCharacter.hasBinaryProperty(cp, UProperty.NONCHARACTER_CODE_POINT)) {
      return "a noncharacter: remove it";
    }
    if (UCharacter.hasBinaryProperty(cp, UProperty.DEFAULT_IGNORABLE_CODE_POINT)) {
      return "an invisible character, which would make a look-alike of the visible name: remove it";
    }
    if (type == UCharacterCategory.CONTROL) {
      return "a control character: remove it";
    }
    String one = Character.toString(cp);
    String compat = NFKC.normalize(one);
    if (!compat.equals(one)) {
      return compat.equals(" ")
          ? "a special space: use a plain space (U+0020)"
          : "a compatibility character: write " + quoted(compat) + " instead";
    }
    return switch (type) {
      case UCharacterCategory.LOWERCASE_LETTER,
          UCharacterCategory.UPPERCASE_LETTER,
          UCharacterCategory.OTHER_LETTER,
          UCharacterCategory.DECIMAL_DIGIT_NUMBER,
          UCharacterCategory.MODIFIER_LETTER,
          UCharacterCategory.NON_SPACING_MARK,
          UCharacterCategory.COMBINING_SPACING_MARK ->
          null; // (A) LetterDigits
      case UCharacterCategory.SPACE_SEPARATOR -> "a special space: use a plain space (U+0020)";
      case UCharacterCategory.MATH_SYMBOL,
          UCharacterCategory.CURRENCY_SYMBOL,
          UCharacterCategory.MODIFIER_SYMBOL,
          UCharacterCategory.OTHER_SYMBOL,
          UCharacterCategory.CONNECTOR_PUNCTUATION,
          UCharacterCategory.DASH_PUNCTUATION,
          UCharacterCategory.START_PUNCTUATION,
          UCharacterCategory.END_PUNCTUATION,
          UCharacterCategory.INITIAL_PUNCTUATION,
          UCharacterCategory.FINAL_PUNCTUATION,
          UCharacterCategory.OTHER_PUNCTUATION ->
          "a symbol or punctuation mark; identifiers take those from ASCII only";
      case UCharacterCategory.PRIVATE_USE -> "a private-use character: remove it";
      case UCharacterCategory.SURROGATE -> "half of a surrogate pair without its other half";
      default -> "which identifiers do not allow (RFC 8264 §4.2): remove it"; // Lt, Nl, No, Me
    };
  }

  /**
   * RFC 5892 A.1 and A.2 (CONTEXTJ): ZERO WIDTH NON-JOINER after a virama or between joining
   * letters, ZERO WIDTH JOINER after a virama; null when the context allows it.
   */
  private static @Nullable String contextJ(int[] cps, int i) {
    if (i > 0 && UCharacter.getCombiningClass(cps[i - 1]) == VIRAMA) {
      return null;
    }
    if (cps[i] == 0x200C && joinsLeft(cps, i) && joinsRight(cps, i)) {
      return null;
    }
    return "an invisible character allowed only "
        + (cps[i] == 0x200C ? "after a virama or between joining letters" : "after a virama")
        + " (RFC 5892 Appendix A), which would make a look-alike of the visible name: remove it";
  }

  private static boolean joinsLeft(int[] cps, int i) {
    for (int j = i - 1; j >= 0; j--) {
      int jt = UCharacter.getIntPropertyValue(cps[j], UProperty.JOINING_TYPE);
      if (jt != UCharacter.JoiningType.TRANSPARENT) {
        return jt == UCharacter.JoiningType.LEFT_JOINING
            || jt == UCharacter.JoiningType.DUAL_JOINING;
      }
    }
    return false;
  }

  private static boolean joinsRight(int[] cps, int i) {
    for (int j = i + 1; j < cps.length; j++) {
      int jt = UCharacter.getIntPropertyValue(cps[j], UProperty.JOINING_TYPE);
      if (jt != UCharacter.JoiningType.TRANSPARENT) {
        return jt == UCharacter.JoiningType.RIGHT_JOINING
            || jt == UCharacter.JoiningType.DUAL_JOINING;
      }
    }
    return false;
  }

  /**
   * RFC 5892 A.3 to A.9 (CONTEXTO): null when {@code cps[i]} has no such rule, "" when its rule
   * holds, else why not.
   */
  private static @Nullable String contextO(int[] cps, int i) {
    int cp = cps[i];
    int before = i > 0 ? cps[i - 1] : -1;
    int after = i + 1 < cps.length ? cps[i + 1] : -1;
    if (cp == 0x00B7) {
      return before == 'l' && after == 'l' ? "" : "allowed only between two l's (l·l)";
    }
    if (cp == 0x0375) {
      return after >= 0 && UScript.getScript(after) == UScript.GREEK
          ? ""
          : "allowed only before a Greek letter";
    }
    if (cp == 0x05F3 || cp == 0x05F4) {
      return before >= 0 && UScript.getScript(before) == UScript.HEBREW
          ? ""
          : "allowed only after a Hebrew letter";
    }
    if (cp == 0x30FB) {
      for (int other : cps) {
        int script = UScript.getScript(other);
        if (script == UScript.HIRAGANA || script == UScript.KATAKANA || script == UScript.HAN) {
          return "";
        }
      }
      return "allowed only beside Hiragana, Katakana or Han";
    }
    if (cp >= 0x0660 && cp <= 0x0669 || cp >= 0x06F0 && cp <= 0x06F9) {
      boolean extended = cp >= 0x06F0;
      for (int other : cps) {
        if (extended ? other >= 0x0660 && other <= 0x0669 : other >= 0x06F0 && other <= 0x06F9) {
          return "which must not be mixed with "
              + (extended ? "Arabic-Indic" : "extended Arabic-Indic")
              + " digits in one value";
        }
      }
      return "";
    }
    return null;
  }

  // ---------------------------------------------------------------- messages

  /** {@code U+200D ZERO WIDTH JOINER}: the code point as a reader can find it. */
  static String name(int cp) {
    String name = UCharacter.getExtendedName(cp);
    return String.format(Locale.ROOT, "U+%04X", cp) + (name == null ? "" : " " + name);
  }

  private static String quoted(String s) {
    StringBuilder b = new StringBuilder("\"");
    s.codePoints()
        .forEach(
            cp -> {
              if (cp < 0x20 || cp == '"' || cp == '\\') {
                b.append(String.format(Locale.ROOT, "\\u%04x", cp));
              } else {
                b.appendCodePoint(cp);
              }
            });
    return b.append('"').toString();
  }
}
