package io.scimd.sync.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cel.common.values.NullValue;
import java.util.AbstractList;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A resource's JSON as CEL reads it: a {@code map(string, dyn)} whose members are converted only
 * when an expression reaches them, so evaluating {@code user.name.givenName} converts two strings
 * and one map view, not the whole document. Read-only; JSON nulls read as absent members (RFC 7643
 * §2.5), so {@code has(user.nickName)} is false for {@code "nickName": null}.
 */
final class JsonView {
  private JsonView() {}

  /** The CEL value of a JSON node: string, bool, int (long), double, list or map. */
  static Object of(JsonNode n) {
    return switch (n.getNodeType()) {
      case STRING -> n.textValue();
      case BOOLEAN -> n.booleanValue();
      case NUMBER -> n.isIntegralNumber() && n.canConvertToLong() ? n.longValue() : n.doubleValue();
      case OBJECT -> new MapView((ObjectNode) n);
      case ARRAY -> new ListView((ArrayNode) n);
      case BINARY -> n.asText();
      case NULL, MISSING, POJO -> NullValue.NULL_VALUE;
    };
  }

  /** An object node as a CEL map. */
  static final class MapView extends AbstractMap<String, Object> {
    final ObjectNode node;

    MapView(ObjectNode node) {
      this.node = node;
    }

    @Override
    public @Nullable Object get(@Nullable Object key) {
      if (!(key instanceof String k)) {
        return null;
      }
      JsonNode v = node.get(k);
      return v == null || v.isNull() ? null : of(v);
    }

    @Override
    public boolean containsKey(@Nullable Object key) {
      if (!(key instanceof String k)) {
        return false;
      }
      JsonNode v = node.get(k);
      return v != null && !v.isNull();
    }

    @Override
    public Set<Entry<String, Object>> entrySet() {
      return new AbstractSet<>() {
        @Override
        public Iterator<Entry<String, Object>> iterator() {
          Iterator<Map.Entry<String, JsonNode>> it =
              node.properties().stream().filter(e -> !e.getValue().isNull()).iterator();
          return new Iterator<>() {
            @Override
            public boolean hasNext() {
              return it.hasNext();
            }

            @Override
            public Entry<String, Object> next() {
              Map.Entry<String, JsonNode> e = it.next();
              return new SimpleImmutableEntry<>(e.getKey(), of(e.getValue()));
            }
          };
        }

        @Override
        public int size() {
          int n = 0;
          for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isNull()) {
              n++;
            }
          }
          return n;
        }
      };
    }
  }

  /** An array node as a CEL list. */
  static final class ListView extends AbstractList<Object> {
    final ArrayNode node;

    ListView(ArrayNode node) {
      this.node = node;
    }

    @Override
    public Object get(int index) {
      return of(node.get(java.util.Objects.checkIndex(index, node.size())));
    }

    @Override
    public int size() {
      return node.size();
    }
  }
}
