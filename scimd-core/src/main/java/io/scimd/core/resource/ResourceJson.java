package io.scimd.core.resource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.schema.Attribute;
import io.scimd.core.schema.CaseInsensitive;
import io.scimd.core.schema.CommonAttributes;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.Schema;
import io.scimd.core.schema.SchemaExtension;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The wire form of a stored resource (RFC 7643 §3): {@code schemas}, {@code id}, {@code
 * externalId}, the attributes in schema order (core, then each extension under its URN), then
 * {@code meta}.
 *
 * <p>{@code returned: never} and writeOnly attributes ({@code password}) are dropped here, at any
 * depth, so that no caller can leak them by forgetting {@link Projection#apply}. Timestamps are
 * written in UTC with exactly six fraction digits ({@code 2026-12-01T09:05:38.123456Z}): delta
 * syncs page on {@code meta.lastModified gt ...} and need sub-second precision, and a fixed width
 * sorts as text in time order. Finer precision is truncated to microseconds.
 */
public final class ResourceJson {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

  private ResourceJson() {}

  /**
   * Renders a resource. {@code attributes} is in canonical form, as {@link ResourceValidator}
   * returns it; any {@code id}, {@code meta} or {@code schemas} in it is ignored, as are keys the
   * schema does not define. {@code location} is the resource's absolute URL, if known.
   */
  public static ObjectNode render(
      ResourceType type, String id, Meta meta, ObjectNode attributes, @Nullable String location) {
    ObjectNode out = F.objectNode();
    ArrayNode schemas = out.putArray("schemas");
    schemas.add(type.schema().id());
    out.put("id", id);
    JsonNode externalId = attributes.get(CommonAttributes.EXTERNAL_ID.name());
    if (externalId != null && !externalId.isNull()) {
      out.set(CommonAttributes.EXTERNAL_ID.name(), externalId.deepCopy());
    }
    copy(type.schema(), attributes, out);
    for (SchemaExtension e : type.extensions()) {
      JsonNode ext = CaseInsensitive.get(attributes, e.schema().id());
      if (ext instanceof ObjectNode eo) {
        ObjectNode o = F.objectNode();
        copy(e.schema(), eo, o);
        if (!o.isEmpty()) {
          out.set(e.schema().id(), o);
          schemas.add(e.schema().id());
        }
      }
    }
    ObjectNode m = out.putObject("meta");
    m.put("resourceType", meta.resourceType());
    m.put("created", time(meta.created()));
    m.put("lastModified", time(meta.lastModified()));
    if (location != null) {
      m.put("location", location);
    }
    m.put("version", meta.etag());
    return out;
  }

  /** An instant as SCIM dateTime text, UTC, microseconds: {@code 2026-12-01T09:05:38.123456Z}. */
  public static String time(Instant t) {
    return TIME.format(t);
  }

  private static void copy(Schema s, ObjectNode from, ObjectNode to) {
    for (Attribute a : s.attributes()) {
      if (Projection.never(a)) {
        continue;
      }
      JsonNode v = from.get(a.name());
      if (v == null || v.isNull()) {
        continue;
      }
      JsonNode c = clean(a, v);
      if (c != null) {
        to.set(a.name(), c);
      }
    }
  }

  /** A copy of {@code v} without never-returned sub-attributes. */
  private static @Nullable JsonNode clean(Attribute a, JsonNode v) {
    if (!a.isComplex() || !hasNeverSub(a)) {
      return v.deepCopy();
    }
    if (v.isArray()) {
      ArrayNode out = F.arrayNode(v.size());
      for (JsonNode el : v) {
        JsonNode c = cleanOne(a, el);
        if (c != null) {
          out.add(c);
        }
      }
      return out.isEmpty() ? null : out;
    }
    return cleanOne(a, v);
  }

  private static @Nullable JsonNode cleanOne(Attribute a, JsonNode v) {
    if (!v.isObject()) {
      return null;
    }
    ObjectNode out = F.objectNode();
    for (Map.Entry<String, JsonNode> e : v.properties()) {
      Attribute sub = a.sub(e.getKey()).orElse(null);
      if (sub != null && !Projection.never(sub)) {
        out.set(sub.name(), e.getValue().deepCopy());
      }
    }
    return out.isEmpty() ? null : out;
  }

  private static boolean hasNeverSub(Attribute a) {
    for (Attribute sub : a.subAttributes()) {
      if (Projection.never(sub)) {
        return true;
      }
    }
    return false;
  }
}
