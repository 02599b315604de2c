package io.scimd.store.jdbc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.resource.Meta;
import io.scimd.core.resource.PooledJson;
import io.scimd.core.schema.Attribute;
import io.scimd.core.schema.Precis;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.Schema;
import java.time.Instant;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The JSON and time conversions of the store: one shared ObjectMapper, epoch microseconds. */
final class Docs {
  static final ObjectMapper MAPPER = PooledJson.mapper();

  private Docs() {}

  static ObjectNode parse(String doc) {
    try {
      return (ObjectNode) MAPPER.readTree(doc);
    } catch (JsonProcessingException | ClassCastException e) {
      throw new IllegalStateException("stored document is not a JSON object", e);
    }
  }

  static String write(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }

  /** The field of {@code node} named {@code name} in any case (RFC 7643 §2.1). */
  static @Nullable JsonNode field(JsonNode node, String name) {
    JsonNode exact = node.get(name);
    if (exact != null) {
      return exact;
    }
    Iterator<Map.Entry<String, JsonNode>> it = node.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().equalsIgnoreCase(name)) {
        return e.getValue();
      }
    }
    return null;
  }

  /** The text of a top-level string attribute, null when absent, null or not a string. */
  static @Nullable String text(JsonNode node, String name) {
    JsonNode v = field(node, name);
    return v != null && v.isTextual() ? v.asText() : null;
  }

  /**
   * The attribute whose key the {@code user_name_folded} column holds for resources of {@code rt}:
   * its core schema's {@code userName}, else its {@code agentUserName} (an Agent's identifier,
   * docs/decisions/0020-agents.md); null when it has neither. Only these two names: a column that
   * began holding another type's attribute would miss the rows written before.
   */
  static @Nullable Attribute identifier(ResourceType rt) {
    Schema core = rt.schema();
    return core.attribute("userName").or(() -> core.attribute("agentUserName")).orElse(null);
  }

  /** Whether {@code a}, of {@code rt}'s core schema, is the attribute of {@link #identifier}. */
  static boolean isIdentifier(ResourceType rt, Attribute a) {
    Attribute id = identifier(rt);
    return id != null && id.name().equalsIgnoreCase(a.name());
  }

  static String fold(String s) {
    return s.toLowerCase(Locale.ROOT);
  }

  /**
   * A not caseExact text as the store's columns hold it ({@code user_name_folded}, {@code
   * display_name_folded}, {@code unique_values.value_folded}): an identifier's PRECIS key ({@link
   * Precis#key}, the one the filter evaluator compares), else lower case.
   */
  static String columnKey(Attribute a, String s) {
    return Precis.appliesTo(a) ? Precis.key(s) : fold(s);
  }

  /** A {@code co}/{@code sw}/{@code ew} operand as {@link #columnKey} keys the column. */
  static String columnFragment(Attribute a, String s) {
    return Precis.appliesTo(a) ? Precis.fragment(s) : fold(s);
  }

  static long micros(Instant t) {
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
  }

  static Instant instant(long micros) {
    return Instant.ofEpochSecond(
        Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
  }

  /**
   * The resource as the filter evaluator reads it: attributes {@code n} plus {@code id} and {@code
   * meta}, added to {@code n} itself (a tree the caller owns and discards, or a copy).
   */
  static ObjectNode withIdAndMeta(ObjectNode n, String id, Meta meta) {
    n.put("id", id);
    ObjectNode m = n.putObject("meta");
    m.put("resourceType", meta.resourceType());
    m.put("created", meta.created().toString());
    m.put("lastModified", meta.lastModified().toString());
    m.put("version", meta.etag());
    return n;
  }
}
