package io.scimd.core.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.error.ScimType;
import io.scimd.core.path.AttrPath;
import java.math.BigDecimal;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class FilterParserTest {

  /** Every example of RFC 7644 §3.4.2.2 and §3.5.2, and what Entra ID and Okta send. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "userName eq \"bjensen\"",
        "name.familyName co \"O'Malley\"",
        "userName sw \"J\"",
        "urn:ietf:params:scim:schemas:core:2.0:User:userName sw \"J\"",
        "title pr",
        "meta.lastModified gt \"2011-05-13T04:42:34Z\"",
        "meta.lastModified ge \"2011-05-13T04:42:34Z\"",
        "meta.lastModified lt \"2011-05-13T04:42:34Z\"",
        "meta.lastModified le \"2011-05-13T04:42:34Z\"",
        "title pr and userType eq \"Employee\"",
        "title pr or userType eq \"Intern\"",
        "schemas eq \"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\"",
        "userType eq \"Employee\" and (emails co \"example.com\" or emails.value co \"example.org\")",
        "userType ne \"Employee\" and not (emails co \"example.com\" or emails.value co"
            + " \"example.org\")",
        "userType eq \"Employee\" and (emails.type eq \"work\")",
        "userType eq \"Employee\" and emails[type eq \"work\" and value co \"@example.com\"]",
        "emails[type eq \"work\" and value co \"@example.com\"] or ims[type eq \"xmpp\" and value co"
            + " \"@foo.com\"]",
        "displayName sw \"smith\"",
        "members[value eq \"2819c223-7f76-453a-919d-413861904646\"]",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq \"26118915\"",
        "urn:ietf:params:scim:schemas:core:2.0:User:name.familyName co \"O'Malley\"",
        "userName eq \"x\"",
        "externalId eq \"3d7e4c5a-9b1f-4b8e-8a8c-1f2e3d4c5b6a\"",
        "displayName eq \"x\"",
        "id eq \"g\" and members[value eq \"u\"]",
        "members eq \"u\"",
        "members.$ref eq \"https://example.com/v2/Users/u\"",
        "not(userName eq \"x\")",
        "emails[not (type eq \"work\")]",
        "NOT (userName EQ \"x\") AND title PR OR active Eq TRUE",
        "((userName eq \"a\"))",
        "age gt 3 and score le -1.5e3 and x eq null and flag ne false",
        "emails[type eq \"work\"].value eq \"a@x.com\"",
        "emails[type eq \"work\" or primary eq true].value co \"@x\" and userName pr",
        "members[type eq \"User\"].$ref pr",
      })
  void parse_validFilter_roundTripsThroughToString(String text) {
    Filter f = FilterParser.parse(text);
    assertThat(FilterParser.parse(f.toString())).isEqualTo(f);
  }

  static Stream<Arguments> shapes() {
    return Stream.of(
        Arguments.of("userName eq \"bjensen\"", Filter.eq("userName", "bjensen")),
        Arguments.of("USERNAME EQ \"bjensen\"", Filter.eq("username", "bjensen")),
        Arguments.of("title pr", Filter.pr("title")),
        Arguments.of("title PR", Filter.pr("title")),
        Arguments.of("active eq TRUE", Filter.eq("active", true)),
        Arguments.of("active eq False", Filter.eq("active", false)),
        Arguments.of("manager eq NULL", Filter.isNull("manager")),
        Arguments.of(
            "a eq \"1\" or b eq \"2\" and c eq \"3\"",
            Filter.or(Filter.eq("a", "1"), Filter.and(Filter.eq("b", "2"), Filter.eq("c", "3")))),
        Arguments.of(
            "a eq \"1\" and b eq \"2\" or c eq \"3\"",
            Filter.or(Filter.and(Filter.eq("a", "1"), Filter.eq("b", "2")), Filter.eq("c", "3"))),
        Arguments.of(
            "(a eq \"1\" or b eq \"2\") and c eq \"3\"",
            Filter.and(Filter.or(Filter.eq("a", "1"), Filter.eq("b", "2")), Filter.eq("c", "3"))),
        Arguments.of(
            "a pr and b pr and c pr",
            Filter.and(Filter.and(Filter.pr("a"), Filter.pr("b")), Filter.pr("c"))),
        Arguments.of(
            "a pr or b pr or c pr",
            Filter.or(Filter.or(Filter.pr("a"), Filter.pr("b")), Filter.pr("c"))),
        Arguments.of("not (a pr) and b pr", Filter.and(Filter.not(Filter.pr("a")), Filter.pr("b"))),
        Arguments.of("not(a pr)", Filter.not(Filter.pr("a"))),
        Arguments.of(
            "emails[type eq \"work\" and value co \"@example.com\"]",
            Filter.valuePath(
                "emails",
                Filter.and(
                    Filter.eq("type", "work"),
                    Filter.compare("value", CompareOp.CO, TextNode.valueOf("@example.com"))))),
        Arguments.of(
            "id eq \"g\" and members[value eq \"u\"]",
            Filter.and(Filter.eq("id", "g"), Filter.valuePath("members", Filter.eq("value", "u")))),
        Arguments.of(
            "not (members[value eq \"u\"])",
            Filter.not(Filter.valuePath("members", Filter.eq("value", "u")))),
        Arguments.of(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq \"m\"",
            new Filter.Compare(
                new AttrPath(
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                    "manager",
                    "value"),
                CompareOp.EQ,
                TextNode.valueOf("m"))),
        Arguments.of(
            "urn:ietf:params:scim:schemas:core:2.0:User:userName sw \"J\"",
            new Filter.Compare(
                new AttrPath("urn:ietf:params:scim:schemas:core:2.0:User", "userName", null),
                CompareOp.SW,
                TextNode.valueOf("J"))),
        Arguments.of(
            "emails[type eq \"work\"].value eq \"a@x.com\"",
            Filter.valuePath(
                "emails", Filter.and(Filter.eq("type", "work"), Filter.eq("value", "a@x.com")))),
        Arguments.of(
            "Emails[Type eq \"work\"].Value PR and userName eq \"u\"",
            Filter.and(
                Filter.valuePath(
                    "emails", Filter.and(Filter.eq("type", "work"), Filter.pr("value"))),
                Filter.eq("userName", "u"))),
        Arguments.of(
            "addresses[type eq \"work\" or type eq \"home\"].locality eq \"Paris\"",
            Filter.valuePath(
                "addresses",
                Filter.and(
                    Filter.or(Filter.eq("type", "work"), Filter.eq("type", "home")),
                    Filter.eq("locality", "Paris")))),
        Arguments.of("not eq \"x\"", Filter.eq("not", "x")),
        Arguments.of("and pr", Filter.pr("and")));
  }

  @ParameterizedTest
  @MethodSource("shapes")
  void parse_filter_buildsTheExpectedTree(String text, Filter expected) {
    assertThat(FilterParser.parse(text)).isEqualTo(expected);
  }

  @Test
  void parse_everyOperatorInAnyCase_isRecognised() {
    for (CompareOp op : CompareOp.values()) {
      for (String spelling :
          new String[] {
            op.token(),
            op.token().toUpperCase(),
            op.token().substring(0, 1).toUpperCase() + op.token().substring(1)
          }) {
        Filter f = FilterParser.parse("userName " + spelling + " \"x\"");
        assertThat(f).isEqualTo(Filter.compare("userName", op, TextNode.valueOf("x")));
      }
    }
  }

  static Stream<Arguments> strings() {
    return Stream.of(
        Arguments.of("\"a\\\"b\"", "a\"b"),
        Arguments.of("\"a\\\\b\"", "a\\b"),
        Arguments.of("\"a\\/b\"", "a/b"),
        Arguments.of("\"\\b\\f\\n\\r\\t\"", "\b\f\n\r\t"),
        Arguments.of("\"\\u00e9\\u00C9\"", "éÉ"),
        Arguments.of("\"\\ud83d\\ude00\"", "\ud83d\ude00"),
        Arguments.of("\"\"", ""),
        Arguments.of("\"O'Malley (and) [x] or \"", "O'Malley (and) [x] or "),
        Arguments.of("\"ünïcödé\"", "ünïcödé"));
  }

  @ParameterizedTest
  @MethodSource("strings")
  void parse_stringValue_decodesEveryJsonEscape(String literal, String expected) {
    Filter.Compare c = (Filter.Compare) FilterParser.parse("displayName eq " + literal);
    assertThat(c.value()).isEqualTo(TextNode.valueOf(expected));
    assertThat(FilterParser.parse(c.toString())).isEqualTo(c);
  }

  static Stream<Arguments> numbers() {
    return Stream.of(
        Arguments.of("0", IntNode.valueOf(0)),
        Arguments.of("-0", IntNode.valueOf(0)),
        Arguments.of("42", IntNode.valueOf(42)),
        Arguments.of("-2147483648", IntNode.valueOf(Integer.MIN_VALUE)),
        Arguments.of("2147483648", LongNode.valueOf(2147483648L)),
        Arguments.of("9223372036854775807", LongNode.valueOf(Long.MAX_VALUE)),
        Arguments.of("-9223372036854775808", LongNode.valueOf(Long.MIN_VALUE)),
        Arguments.of("-1000000000000000000", LongNode.valueOf(-1_000_000_000_000_000_000L)),
        Arguments.of(
            "-9223372036854775809", DecimalNode.valueOf(new BigDecimal("-9223372036854775809"))),
        Arguments.of(
            "99999999999999999999", DecimalNode.valueOf(new BigDecimal("99999999999999999999"))),
        Arguments.of(
            "9223372036854775808", DecimalNode.valueOf(new BigDecimal("9223372036854775808"))),
        Arguments.of("1.5", DecimalNode.valueOf(new BigDecimal("1.5"))),
        Arguments.of("-0.25", DecimalNode.valueOf(new BigDecimal("-0.25"))),
        Arguments.of("1e3", DecimalNode.valueOf(new BigDecimal("1e3"))),
        Arguments.of("2.5E-3", DecimalNode.valueOf(new BigDecimal("2.5E-3"))),
        Arguments.of("7e+2", DecimalNode.valueOf(new BigDecimal("7e+2"))));
  }

  @ParameterizedTest
  @MethodSource("numbers")
  void parse_numberValue_keepsItsExactValue(String literal, Object expected) {
    Filter.Compare c = (Filter.Compare) FilterParser.parse("n eq " + literal);
    assertThat(c.value()).isEqualTo(expected);
    assertThat(FilterParser.parse(c.toString())).isEqualTo(c);
  }

  @Test
  void parse_literals_inAnyCase() {
    assertThat(((Filter.Compare) FilterParser.parse("a eq tRuE")).value())
        .isEqualTo(BooleanNode.TRUE);
    assertThat(((Filter.Compare) FilterParser.parse("a eq FALSE")).value())
        .isEqualTo(BooleanNode.FALSE);
    assertThat(((Filter.Compare) FilterParser.parse("a eq Null")).value())
        .isEqualTo(NullNode.getInstance());
  }

  @Test
  void parse_extraWhitespace_isAccepted() {
    assertThat(FilterParser.parse("  userName\teq\n\"x\"   and   title pr  "))
        .isEqualTo(Filter.and(Filter.eq("userName", "x"), Filter.pr("title")));
  }

  /** Invalid filters and the 0-based position their error names. */
  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of("userName eqq \"x\"", 9, "expected a comparison operator"),
        Arguments.of("userName eq", 11, "expected a value"),
        Arguments.of("userName eq bjensen", 12, "expected a value"),
        Arguments.of("userName eq \"x", 12, "unterminated string"),
        Arguments.of("userName eq \"x\\", 12, "unterminated string"),
        Arguments.of("userName eq \"a\\qb\"", 14, "invalid escape \\q"),
        Arguments.of("userName eq \"\\u12G4\"", 13, "four hex digits"),
        Arguments.of("userName eq \"x\" foo", 16, "expected \"and\", \"or\" or the end"),
        Arguments.of("userName eq \"x\")", 15, "the end of the filter, found \")\""),
        Arguments.of("(userName eq \"x\"", 16, "expected \"and\", \"or\" or \")\""),
        Arguments.of("emails[type eq \"work\"", 21, "expected \"and\", \"or\" or \"]\""),
        Arguments.of("emails[type eq \"work\")", 21, "expected \"and\", \"or\" or \"]\""),
        Arguments.of("emails[type eq \"work\"]]", 22, "the end of the filter"),
        Arguments.of("emails[value[type eq \"x\"]]", 12, "cannot be nested"),
        Arguments.of("", 0, "empty"),
        Arguments.of("   ", 0, "empty"),
        Arguments.of("()", 1, "expected an attribute path"),
        Arguments.of("userName eq \"x\" and", 19, "expected an attribute path"),
        Arguments.of("and userName eq \"x\"", 4, "expected a comparison operator"),
        Arguments.of("userName = \"x\"", 9, "unexpected character '='"),
        Arguments.of("userName eq 'x'", 12, "unexpected character"),
        Arguments.of("not userName eq \"x\"", 4, "expected \"(\" after \"not\""),
        Arguments.of("not", 3, "expected \"(\" after \"not\""),
        Arguments.of("userName eq 12abc", 12, "invalid number"),
        Arguments.of("userName eq 01", 12, "invalid number"),
        Arguments.of("userName eq -", 12, "invalid number"),
        Arguments.of("userName eq 1.", 12, "invalid number"),
        Arguments.of("userName eq 1e", 12, "invalid number"),
        Arguments.of("n eq 1e9999999999", 5, "exponent"),
        Arguments.of("name.givenName.x eq \"a\"", 14, "at most one sub-attribute"),
        Arguments.of("user:name eq \"a\"", 4, "only a path that starts with \"urn:\""),
        Arguments.of("urn:userName eq \"a\"", 0, "expected a schema URN"),
        Arguments.of(
            "urn:ietf:params:scim:schemas:core:2.0:User: eq \"a\"",
            43,
            "expected an attribute name"),
        Arguments.of("name. eq \"a\"", 5, "expected a sub-attribute name"),
        Arguments.of("$x eq \"a\"", 0, "expected an attribute name"),
        Arguments.of("42 eq \"a\"", 0, "expected an attribute path"),
        Arguments.of("\"a\" eq \"a\"", 0, "expected an attribute path"),
        Arguments.of("userName eq \"x\" or or", 21, "expected a comparison operator"),
        Arguments.of("userName pr pr", 12, "expected \"and\", \"or\" or the end"),
        Arguments.of("userName", 8, "expected a comparison operator"),
        Arguments.of("emails[type eq \"work\"].value", 28, "expected a comparison operator"),
        Arguments.of("emails[type eq \"work\"].", 23, "expected a sub-attribute name after \"].\""),
        Arguments.of(
            "emails[type eq \"work\"].value.display eq \"x\"", 23, "expected a sub-attribute name"),
        Arguments.of("emails[type eq \"work\"].(a pr)", 23, "expected a sub-attribute name"),
        Arguments.of("emails[type eq \"work\"] .value eq \"x\"", 23, "unexpected character '.'"));
  }

  @ParameterizedTest
  @MethodSource("invalid")
  void parse_invalidFilter_isInvalidFilterNamingThePosition(
      String text, int position, String expected) {
    assertThatThrownBy(() -> FilterParser.parse(text))
        .isInstanceOfSatisfying(
            ScimException.class,
            e -> {
              assertThat(e.status()).isEqualTo(400);
              assertThat(e.scimType()).isEqualTo(ScimType.INVALID_FILTER);
              if (!expected.equals("empty")) {
                assertThat(e.getMessage())
                    .startsWith("invalid filter at position " + position + ": ");
              }
              assertThat(e.getMessage()).contains(expected);
            });
  }

  @Test
  void parse_wrongOperator_namesThePathAndTheToken() {
    assertThatThrownBy(() -> FilterParser.parse("userName eqq \"x\""))
        .hasMessage(
            "invalid filter at position 9: expected a comparison operator (eq, ne, co, sw, ew, gt,"
                + " ge, lt, le), \"pr\" or \"[\" after \"userName\", found \"eqq\"");
  }

  @Test
  void parse_subAttributeAfterValueFilter_printsAsTheEquivalentValueFilter() {
    Filter f = FilterParser.parse("emails[type eq \"work\"].value eq \"a@x.com\"");
    assertThat(f.toString()).isEqualTo("emails[type eq \"work\" and value eq \"a@x.com\"]");
    assertThat(
            FilterParser.parse("emails[type eq \"work\" or type eq \"home\"].value pr").toString())
        .isEqualTo("emails[(type eq \"work\" or type eq \"home\") and value pr]");
  }

  @Test
  void parse_subAttributeAfterValueFilterWithoutOperator_namesOnlyWhatMayFollow() {
    assertThatThrownBy(() -> FilterParser.parse("emails[type eq \"work\"].value"))
        .hasMessage(
            "invalid filter at position 28: expected a comparison operator (eq, ne, co, sw, ew, gt,"
                + " ge, lt, le) or \"pr\" after \"value\", found the end of the filter");
  }

  @Test
  void parse_nestingWithinTheLimit_isAccepted() {
    int depth = FilterParser.MAX_DEPTH;
    String text = "(".repeat(depth) + "a pr" + ")".repeat(depth);
    assertThat(FilterParser.parse(text)).isEqualTo(Filter.pr("a"));
  }

  @Test
  void parse_nestingBeyondTheLimit_isInvalidFilter() {
    int depth = FilterParser.MAX_DEPTH + 1;
    assertThatThrownBy(() -> FilterParser.parse("(".repeat(depth) + "a pr" + ")".repeat(depth)))
        .isInstanceOfSatisfying(
            ScimException.class, e -> assertThat(e.scimType()).isEqualTo(ScimType.INVALID_FILTER))
        .hasMessageContaining("position " + (depth - 1))
        .hasMessageContaining("nests deeper than 64");
  }

  static Stream<Arguments> depths() {
    return Stream.of(
        Arguments.of("userName eq \"bjensen\"", 0),
        Arguments.of("a pr and b pr or c pr and d pr", 0),
        Arguments.of("(a pr)", 1),
        Arguments.of("emails[type eq \"work\"]", 1),
        Arguments.of("not (a pr)", 1),
        Arguments.of("not(a pr)", 1),
        Arguments.of("a pr and (b pr or not (c pr))", 2),
        Arguments.of("(a pr) and (b pr) and (c pr)", 1),
        Arguments.of("emails[type eq \"work\" and (value co \"x\" or value co \"y\")]", 2),
        Arguments.of("((((a pr))))", 4),
        // Parentheses, brackets and escaped quotes inside a string literal do not count.
        Arguments.of("displayName eq \"((([[[\"", 0),
        Arguments.of("displayName eq \"a\\\"((\" and (b pr)", 1),
        // Unbalanced text is measured all the same; parsing it fails afterwards.
        Arguments.of("(((a pr", 3),
        Arguments.of("a pr))) and (b pr)", 1));
  }

  @ParameterizedTest
  @MethodSource("depths")
  void nestingDepth_countsGroupsOpenInsideOneAnother(String filter, int depth) {
    assertThat(FilterParser.nestingDepth(filter)).as(filter).isEqualTo(depth);
  }

  @Test
  void parse_deeplyNestedNot_isInvalidFilterNotStackOverflow() {
    String text = "not (".repeat(100_000) + "a pr" + ")".repeat(100_000);
    assertThatThrownBy(() -> FilterParser.parse(text))
        .isInstanceOfSatisfying(
            ScimException.class, e -> assertThat(e.scimType()).isEqualTo(ScimType.INVALID_FILTER));
  }

  @Test
  void parse_longFlatChain_staysFlatWhenPrinted() {
    StringBuilder b = new StringBuilder("id eq \"0\"");
    for (int i = 1; i < FilterParser.MAX_TERMS; i++) {
      b.append(" or id eq \"").append(i).append('"');
    }
    Filter f = FilterParser.parse(b.toString());
    assertThat(f.toString()).isEqualTo(b.toString());
    assertThat(FilterParser.parse(f.toString())).isEqualTo(f);
  }

  @Test
  void parse_tooManyComparisons_isInvalidFilter() {
    String text = "a pr" + " and a pr".repeat(FilterParser.MAX_TERMS);
    assertThatThrownBy(() -> FilterParser.parse(text))
        .isInstanceOfSatisfying(
            ScimException.class, e -> assertThat(e.scimType()).isEqualTo(ScimType.INVALID_FILTER))
        .hasMessageContaining("at most 200 comparisons");
  }

  @Test
  void toString_printsTheFewestParentheses() {
    assertThat(FilterParser.parse("a pr or b pr and c pr").toString())
        .isEqualTo("a pr or b pr and c pr");
    assertThat(FilterParser.parse("(a pr or b pr) and c pr").toString())
        .isEqualTo("(a pr or b pr) and c pr");
    assertThat(FilterParser.parse("a pr and (b pr and c pr)").toString())
        .isEqualTo("a pr and (b pr and c pr)");
    assertThat(FilterParser.parse("a pr or (b pr or c pr)").toString())
        .isEqualTo("a pr or (b pr or c pr)");
    assertThat(FilterParser.parse("not(a pr)").toString()).isEqualTo("not (a pr)");
    assertThat(FilterParser.parse("Emails[Type eq \"w\\\"x\"]").toString())
        .isEqualTo("emails[type eq \"w\\\"x\"]");
  }
}
