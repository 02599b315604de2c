package io.scimd.core.filter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.error.ScimType;
import io.scimd.core.path.AttrPath;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.SchemaRegistry;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.Tuple.Tuple3;

/** Round-trip and fuzz properties of the filter parser (and the evaluator behind it). */
class FilterProperties {
  private static final ResourceType USER = SchemaRegistry.builtIn().user();
  private static final ObjectNode ALICE;

  static {
    try {
      ALICE =
          (ObjectNode)
              new ObjectMapper()
                  .readTree(
                      "{\"userName\":\"alice\",\"active\":true,\"emails\":[{\"value\":\"a@x.org\","
                          + "\"type\":\"work\"}],\"meta\":{\"lastModified\":\"2011-05-13T04:42:34Z\"}}");
    } catch (Exception e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** RFC 7644 examples and IdP filters: the seeds that mutations start from. */
  private static final List<String> CORPUS =
      List.of(
          "userName eq \"bjensen\"",
          "name.familyName co \"O'Malley\"",
          "urn:ietf:params:scim:schemas:core:2.0:User:userName sw \"J\"",
          "title pr and userType eq \"Employee\"",
          "meta.lastModified gt \"2011-05-13T04:42:34Z\"",
          "userType ne \"Employee\" and not (emails co \"example.com\" or emails.value co \"example.org\")",
          "emails[type eq \"work\" and value co \"@example.com\"] or ims[type eq \"xmpp\" and value co \"@foo.com\"]",
          "id eq \"g\" and members[value eq \"u\"]",
          "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq \"m\"",
          "n ge -1.5e3 and b eq true and c eq null and s eq \"\\u00e9\\n\\\"\"");

  // ---------------------------------------------------------------- round trip

  // Edge cases of a recursive tree arbitrary are costly to enumerate and add little here.
  @Property(tries = 1000, edgeCases = EdgeCasesMode.NONE)
  void parse_ofToString_isTheSameFilter(@ForAll("filters") Filter f) {
    Filter back = FilterParser.parse(f.toString());
    if (!back.equals(f)) {
      throw new AssertionError(
          "printed "
              + ascii(f.toString())
              + "\nre-parsed "
              + ascii(back.toString())
              + "\nexpected tree "
              + ascii(tree(f))
              + "\nactual tree "
              + ascii(tree(back)));
    }
  }

  private static String ascii(String s) {
    StringBuilder b = new StringBuilder();
    for (char c : s.toCharArray()) {
      b.append(c < 0x20 || c > 0x7e ? String.format("\\u%04x", (int) c) : String.valueOf(c));
    }
    return b.toString();
  }

  private static String tree(Filter f) {
    return switch (f) {
      case Filter.And a -> "And(" + tree(a.left()) + ", " + tree(a.right()) + ")";
      case Filter.Or o -> "Or(" + tree(o.left()) + ", " + tree(o.right()) + ")";
      case Filter.Not n -> "Not(" + tree(n.inner()) + ")";
      case Filter.ValuePath v -> "VP(" + v.path() + ", " + tree(v.filter()) + ")";
      case Filter.Present p -> "Pr(" + p.path() + ")";
      case Filter.Compare c ->
          "Cmp("
              + c.path()
              + " "
              + c.op()
              + " "
              + c.value().getClass().getSimpleName()
              + ":"
              + c.value()
              + ")";
    };
  }

  @Provide
  Arbitrary<Filter> filters() {
    return filter(4, false);
  }

  @SuppressWarnings("unchecked") // frequencyOf takes a generic array of weighted choices
  private Arbitrary<Filter> filter(int depth, boolean inValuePath) {
    if (depth == 0) {
      return leaf();
    }
    Arbitrary<Filter> sub = Arbitraries.lazy(() -> filter(depth - 1, inValuePath));
    List<Tuple.Tuple2<Integer, Arbitrary<? extends Filter>>> choices = new ArrayList<>();
    choices.add(Tuple.of(4, leaf()));
    choices.add(Tuple.of(2, Combinators.combine(sub, sub).as(Filter.And::new)));
    choices.add(Tuple.of(2, Combinators.combine(sub, sub).as(Filter.Or::new)));
    choices.add(Tuple.of(1, sub.map(Filter.Not::new)));
    if (!inValuePath) {
      Arbitrary<Filter> inner = Arbitraries.lazy(() -> filter(depth - 1, true));
      choices.add(Tuple.of(1, Combinators.combine(paths(), inner).as(Filter.ValuePath::new)));
    }
    return Arbitraries.frequencyOf(choices.toArray(Tuple.Tuple2[]::new));
  }

  private Arbitrary<Filter> leaf() {
    Arbitrary<Filter> present = paths().map(Filter.Present::new);
    Arbitrary<Filter> compare =
        Combinators.combine(paths(), Arbitraries.of(CompareOp.class), values())
            .as(Filter.Compare::new);
    return Arbitraries.frequencyOf(Tuple.of(1, present), Tuple.of(4, compare));
  }

  private Arbitrary<AttrPath> paths() {
    Arbitrary<String> schema =
        Arbitraries.of(
                "urn:ietf:params:scim:schemas:core:2.0:User",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                "urn:x:y-1")
            .injectNull(0.7);
    Arbitrary<String> sub = names().injectNull(0.6);
    return Combinators.combine(schema, names(), sub).as(AttrPath::new);
  }

  private Arbitrary<String> names() {
    Arbitrary<String> random =
        Combinators.combine(
                Arbitraries.chars().range('a', 'z').range('A', 'Z'),
                Arbitraries.strings()
                    .withCharRange('a', 'z')
                    .withCharRange('A', 'Z')
                    .withCharRange('0', '9')
                    .withChars('-', '_')
                    .ofMaxLength(10))
            .as((c, s) -> c + s);
    // Attribute names that are also keywords must still round-trip.
    Arbitrary<String> tricky =
        Arbitraries.of("not", "and", "or", "pr", "eq", "true", "null", "$ref", "urn", "value");
    return Arbitraries.frequencyOf(Tuple.of(5, random), Tuple.of(1, tricky));
  }

  private Arbitrary<JsonNode> values() {
    Arbitrary<JsonNode> text = Arbitraries.strings().all().ofMaxLength(20).map(TextNode::valueOf);
    Arbitrary<JsonNode> ints = Arbitraries.integers().map(IntNode::valueOf);
    Arbitrary<JsonNode> longs =
        Arbitraries.longs().filter(l -> l != (int) (long) l).map(LongNode::valueOf);
    Arbitrary<JsonNode> decimals =
        Combinators.combine(
                Arbitraries.bigIntegers()
                    .between(
                        java.math.BigInteger.valueOf(-1_000_000_000_000L),
                        java.math.BigInteger.valueOf(1_000_000_000_000L)),
                Arbitraries.integers().between(-12, 12).filter(s -> s != 0))
            .as(
                (unscaled, scale) ->
                    (JsonNode) DecimalNode.valueOf(new BigDecimal(unscaled, scale)));
    Arbitrary<JsonNode> literals =
        Arbitraries.of(BooleanNode.TRUE, BooleanNode.FALSE, NullNode.getInstance());
    return Arbitraries.frequencyOf(
        Tuple.of(5, text),
        Tuple.of(2, ints),
        Tuple.of(1, longs),
        Tuple.of(2, decimals),
        Tuple.of(1, literals));
  }

  // ---------------------------------------------------------------- fuzzing

  @Property(tries = 3000)
  void parse_randomText_returnsOrThrowsInvalidFilter(@ForAll("noise") String text) {
    assertParsesOrRejects(text);
  }

  @Property(tries = 3000)
  void parse_mutatedFilter_returnsOrThrowsInvalidFilter(@ForAll("mutants") String text) {
    assertParsesOrRejects(text);
  }

  @Property(tries = 500, edgeCases = EdgeCasesMode.NONE)
  void parse_mutatedGeneratedFilter_returnsOrThrowsInvalidFilter(
      @ForAll("filters") Filter f,
      @ForAll("edits") List<Tuple3<Integer, Integer, Character>> edits) {
    assertParsesOrRejects(mutate(f.toString(), edits));
  }

  /** Parse either fails with invalidFilter or yields a filter that prints and re-parses equal. */
  private static void assertParsesOrRejects(String text) {
    Filter f;
    try {
      f = FilterParser.parse(text);
    } catch (ScimException e) {
      assertThat(e.scimType()).isEqualTo(ScimType.INVALID_FILTER);
      assertThat(e.status()).isEqualTo(400);
      return;
    }
    assertThat(FilterParser.parse(f.toString())).isEqualTo(f);
    // The evaluator, too, may only answer or reject with invalidFilter.
    try {
      FilterEvaluator.matches(f, ALICE, USER);
    } catch (ScimException e) {
      assertThat(e.scimType()).isEqualTo(ScimType.INVALID_FILTER);
    }
  }

  @Provide
  Arbitrary<String> noise() {
    return Arbitraries.strings()
        .withChars(" ()[]\"\\.:-+$_eqntopradsgwlucfE0123456789\u00e9\u0000\t")
        .ofMaxLength(60);
  }

  @Provide
  Arbitrary<String> mutants() {
    return Combinators.combine(Arbitraries.of(CORPUS), edits()).as(FilterProperties::mutate);
  }

  @Provide
  Arbitrary<List<Tuple3<Integer, Integer, Character>>> edits() {
    Arbitrary<Character> chars =
        Arbitraries.of(
            ' ', '(', ')', '[', ']', '"', '\\', '.', ':', '-', 'e', 'n', 'o', 't', 'u', '1');
    return Combinators.combine(
            Arbitraries.integers().between(0, 3), Arbitraries.integers().between(0, 10_000), chars)
        .as(Tuple::of)
        .list()
        .ofMinSize(1)
        .ofMaxSize(4);
  }

  /** Applies edits: 0 delete a char, 1 insert, 2 replace, 3 duplicate the tail from there. */
  private static String mutate(String s, List<Tuple3<Integer, Integer, Character>> edits) {
    StringBuilder b = new StringBuilder(s);
    for (Tuple3<Integer, Integer, Character> e : edits) {
      int at = b.isEmpty() ? 0 : e.get2() % b.length();
      switch (e.get1()) {
        case 0 -> {
          if (!b.isEmpty()) {
            b.deleteCharAt(at);
          }
        }
        case 1 -> b.insert(at, e.get3().charValue());
        case 2 -> {
          if (!b.isEmpty()) {
            b.setCharAt(at, e.get3());
          }
        }
        default -> b.append(b.substring(at));
      }
    }
    return b.toString();
  }
}
