package io.scimd.sync.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelErrorCode;
import dev.cel.common.CelIssue;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.CelKind;
import dev.cel.common.types.CelType;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.common.values.CelByteString;
import dev.cel.common.values.NullValue;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import io.scimd.core.schema.Attribute;
import io.scimd.core.schema.AttributeType;
import io.scimd.core.schema.SchemaUrns;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The CEL side of mappings (docs/decisions/0018-mapping-with-cel.md): one environment per variable
 * set, built once; expressions compiled and type-checked when a mapping is saved; programs
 * evaluated over a {@link JsonView} of the source.
 *
 * <p>What an expression sees: {@code resource}, the source resource as a {@code map(string, dyn)};
 * the same under the resource type's name in lower case ({@code user}, {@code group}); and for
 * User, {@code enterprise}, the Enterprise extension's attributes (an empty map when the user has
 * none), so that {@code enterprise.department} need not spell the URN. CEL's standard functions and
 * macros ({@code has}, {@code exists}, {@code filter}, {@code map}), optional values ({@code
 * user.?nickName.orValue(user.userName)}) and the string extension ({@code lowerAscii}, {@code
 * split}, {@code join}, {@code replace}) are available; nothing else: no I/O, no clock, no
 * reflection.
 *
 * <p>Limits, so that no expression can run away: its text is at most {@link #MAX_LENGTH} code
 * points and parses to at most {@link #MAX_NODES} nodes nested at most {@link #MAX_DEPTH} deep, and
 * each comprehension runs at most {@link #MAX_ITERATIONS} times. CEL has no loops or recursion
 * beyond comprehensions, so these bound the work of one evaluation.
 */
final class Expressions {
  static final int MAX_LENGTH = 2_000;
  static final int MAX_NODES = 500;
  static final int MAX_DEPTH = 32;
  static final int MAX_ITERATIONS = 1_000;

  private static final CelOptions OPTIONS =
      CelOptions.current()
          .enableOptionalSyntax(true)
          .maxExpressionCodePointSize(MAX_LENGTH)
          .maxParseExpressionNodeCount(MAX_NODES)
          .maxParseRecursionDepth(MAX_DEPTH)
          .comprehensionMaxIterations(MAX_ITERATIONS)
          .build();

  private static final Map<String, Cel> ENVIRONMENTS = new ConcurrentHashMap<>();

  private Expressions() {}

  /** A compiled expression and the type CEL inferred for its result. */
  record Compiled(CelRuntime.Program program, CelType resultType, boolean user) {}

  /** The variable that names the resource in expressions over {@code resourceType}. */
  static String variable(String resourceType) {
    String v = resourceType.toLowerCase(java.util.Locale.ROOT);
    return v.matches("[a-z_][a-z0-9_]*") && !v.equals("resource") ? v : "resource";
  }

  /**
   * Compiles {@code text} for resources of {@code resourceType}.
   *
   * @throws MappingException naming {@code where} and each error's line and column
   */
  static Compiled compile(String text, String resourceType, String where) {
    boolean user = resourceType.equalsIgnoreCase("User");
    Cel cel =
        ENVIRONMENTS.computeIfAbsent(
            variable(resourceType) + (user ? "+ext" : ""), k -> build(resourceType, user));
    CelAbstractSyntaxTree ast;
    try {
      ast = cel.compile(text).getAst();
    } catch (CelValidationException e) {
      List<String> problems = new ArrayList<>();
      for (CelIssue issue : e.getErrors()) {
        problems.add(
            where
                + ": expression does not compile at line "
                + issue.getSourceLocation().getLine()
                + ", column "
                + (issue.getSourceLocation().getColumn() + 1)
                + ": "
                + issue.getMessage());
      }
      if (problems.isEmpty()) {
        problems.add(where + ": expression does not compile: " + e.getMessage());
      }
      throw new MappingException(problems);
    }
    try {
      return new Compiled(cel.createProgram(ast), ast.getResultType(), user);
    } catch (CelEvaluationException e) {
      throw MappingException.of(where + ": expression cannot be prepared: " + e.getMessage());
    }
  }

  private static Cel build(String resourceType, boolean user) {
    var b =
        CelFactory.standardCelBuilder()
            .setOptions(OPTIONS)
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .addCompilerLibraries(CelExtensions.optional(), CelExtensions.strings())
            .addRuntimeLibraries(CelExtensions.optional(), CelExtensions.strings())
            .addVar("resource", MapType.create(SimpleType.STRING, SimpleType.DYN));
    String v = variable(resourceType);
    if (!v.equals("resource")) {
      b.addVar(v, MapType.create(SimpleType.STRING, SimpleType.DYN));
    }
    if (user) {
      b.addVar("enterprise", MapType.create(SimpleType.STRING, SimpleType.DYN));
    }
    return b.build();
  }

  /**
   * Whether CEL's inferred {@code type} can be written to {@code leaf} ({@code multiValued} for the
   * slot); null when it can (or only evaluation can tell, {@code dyn}), else why not.
   */
  static @Nullable String checkResultType(CelType type, Attribute leaf, boolean multiValued) {
    CelKind kind = type.kind();
    if (kind == CelKind.LIST) {
      if (!multiValued) {
        return "the expression gives a list ("
            + type.name()
            + "), but "
            + leaf.name()
            + " is single-valued";
      }
      CelType elem =
          ((ListType) type).hasElemType() ? ((ListType) type).elemType() : SimpleType.DYN;
      return checkResultType(elem, leaf, false);
    }
    AttributeType inferred =
        switch (kind) {
          case STRING -> AttributeType.STRING;
          case BOOL -> AttributeType.BOOLEAN;
          case INT, UINT -> AttributeType.INTEGER;
          case DOUBLE -> AttributeType.DECIMAL;
          case BYTES -> AttributeType.BINARY;
          case TIMESTAMP -> AttributeType.DATE_TIME;
          case MAP, STRUCT -> AttributeType.COMPLEX;
          default -> null; // dyn, any, null, optional, type parameters: evaluation decides
        };
    if (inferred == null) {
      return null;
    }
    if (kind == CelKind.DURATION || kind == CelKind.TYPE) {
      return "the expression gives a " + type.name() + ", which no SCIM attribute holds";
    }
    if (Values.assignable(inferred, leaf.type())
        || (inferred == AttributeType.DATE_TIME && leaf.type() == AttributeType.STRING)) {
      return null;
    }
    return "the expression gives "
        + Values.article(type.name())
        + " "
        + type.name()
        + ", but "
        + leaf.name()
        + " is "
        + Values.article(leaf.type().wire())
        + " "
        + leaf.type().wire();
  }

  /**
   * Evaluates {@code c} over {@code source}: the result as JSON, or null for no value (null, an
   * empty optional, or an expression that read an attribute the source does not have).
   *
   * @throws MappingException naming {@code where} when evaluation fails otherwise (a type error
   *     only evaluation could see, a comprehension over its limit)
   */
  static @Nullable JsonNode evaluate(Compiled c, ObjectNode source, String variable, String where) {
    Map<String, Object> vars = new HashMap<>(4);
    JsonView.MapView view = new JsonView.MapView(source);
    vars.put("resource", view);
    vars.put(variable, view);
    if (c.user()) {
      JsonNode ext = source.get(SchemaUrns.ENTERPRISE_USER);
      vars.put("enterprise", ext instanceof ObjectNode o ? new JsonView.MapView(o) : Map.of());
    }
    Object result;
    try {
      result = c.program().eval(vars);
    } catch (CelEvaluationException e) {
      if (e.getErrorCode() == CelErrorCode.ATTRIBUTE_NOT_FOUND) {
        return null; // read an attribute the source lacks: absent in, absent out
      }
      throw MappingException.of(where + ": expression failed: " + e.getMessage());
    }
    return toJson(result, where);
  }

  private static @Nullable JsonNode toJson(@Nullable Object v, String where) {
    if (v == null || v instanceof NullValue) {
      return null;
    }
    if (v instanceof Optional<?> o) {
      return o.isPresent() ? toJson(o.get(), where) : null;
    }
    if (v instanceof String s) {
      return Values.NODES.textNode(s);
    }
    if (v instanceof Boolean b) {
      return Values.NODES.booleanNode(b);
    }
    if (v instanceof Long l) {
      return Values.NODES.numberNode(l);
    }
    if (v instanceof Integer i) {
      return Values.NODES.numberNode(i);
    }
    if (v instanceof Double d) {
      if (d.isNaN() || d.isInfinite()) {
        throw MappingException.of(
            where + ": the expression gives " + d + ", which JSON cannot hold");
      }
      return Values.NODES.numberNode(d);
    }
    if (v instanceof com.google.common.primitives.UnsignedLong u) {
      return Values.NODES.numberNode(u.bigIntegerValue());
    }
    if (v instanceof JsonView.MapView m) {
      return m.node.deepCopy();
    }
    if (v instanceof JsonView.ListView l) {
      return l.node.deepCopy();
    }
    if (v instanceof Map<?, ?> m) {
      ObjectNode o = Values.NODES.objectNode();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        JsonNode jv = toJson(e.getValue(), where);
        if (jv != null) {
          o.set(String.valueOf(e.getKey()), jv);
        }
      }
      return o;
    }
    if (v instanceof List<?> list) {
      ArrayNode a = Values.NODES.arrayNode(list.size());
      for (Object e : list) {
        JsonNode jv = toJson(e, where);
        if (jv != null) {
          a.add(jv);
        }
      }
      return a;
    }
    if (v instanceof CelByteString bytes) {
      return Values.NODES.textNode(Base64.getEncoder().encodeToString(bytes.toByteArray()));
    }
    if (v instanceof Instant t) {
      return Values.NODES.textNode(t.toString());
    }
    if (v instanceof com.google.protobuf.Timestamp t) {
      return Values.NODES.textNode(Instant.ofEpochSecond(t.getSeconds(), t.getNanos()).toString());
    }
    throw MappingException.of(
        where + ": the expression gives a " + v.getClass().getSimpleName() + ", which is not JSON");
  }
}
