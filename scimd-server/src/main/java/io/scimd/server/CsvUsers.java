package io.scimd.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import io.scimd.core.path.AttrPath;
import io.scimd.core.schema.Attribute;
import io.scimd.core.schema.AttributeType;
import io.scimd.core.schema.ResolvedPath;
import io.scimd.core.schema.ResourceType;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Users from CSV for {@code scimd import --csv}: the header row names a SCIM attribute path per
 * column ({@code userName}, {@code name.givenName}, {@code emails[type eq "work"].value}, {@code
 * active}, {@code externalId}, an extension's {@code urn:...:User:employeeNumber}), each row is one
 * user; an empty cell sets nothing. Values are typed by the schema ({@code true}/{@code false} for
 * a boolean, digits for an integer). Parsed with jackson-dataformat-csv (RFC 4180 quoting). Rows
 * are handed on one at a time: a file of any length is never held in memory.
 */
final class CsvUsers {
  /** A column: an attribute path, with an optional {@code [type eq "x"]} value filter. */
  private static final Pattern COLUMN =
      Pattern.compile(
          "^(.*?)(?:\\[\\s*type\\s+eq\\s+\"([^\"]*)\"\\s*\\])?(?:\\.([A-Za-z][\\w$-]*))?$");

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  interface Rows {
    void accept(long line, ObjectNode user);
  }

  interface Problems {
    void accept(long line, String message);
  }

  private CsvUsers() {}

  /** One column of the header. */
  private record Column(String header, ResolvedPath path, @Nullable String typeFilter) {}

  static void read(Reader in, ResourceType users, Rows rows, Problems problems) {
    CsvMapper mapper = new CsvMapper();
    mapper.enable(CsvParser.Feature.WRAP_AS_ARRAY);
    try (MappingIterator<String[]> it =
        mapper.readerFor(String[].class).with(CsvSchema.emptySchema()).readValues(in)) {
      if (!it.hasNext()) {
        problems.accept(1, "the CSV file is empty: its first row must name the columns");
        return;
      }
      List<Column> columns = new ArrayList<>();
      boolean headerOk = true;
      for (String h : it.next()) {
        try {
          columns.add(column(users, h.strip()));
        } catch (IllegalArgumentException e) {
          problems.accept(1, "column \"" + h + "\": " + e.getMessage());
          headerOk = false;
        }
      }
      if (headerOk && columns.stream().noneMatch(c -> c.header().equalsIgnoreCase("userName"))) {
        problems.accept(1, "no userName column: each user needs one");
        headerOk = false;
      }
      if (!headerOk) {
        return;
      }
      long line = 1;
      while (it.hasNext()) {
        line++;
        String[] cells = it.next();
        if (cells.length == 1 && cells[0].isBlank()) {
          continue;
        }
        if (cells.length > columns.size()) {
          problems.accept(
              line, "the row has " + cells.length + " cells, the header names " + columns.size());
          continue;
        }
        ObjectNode user = NODES.objectNode();
        Set<String> schemas = new LinkedHashSet<>();
        schemas.add(users.schema().id());
        boolean ok = true;
        for (int i = 0; i < cells.length; i++) {
          String v = cells[i];
          if (v == null || v.isEmpty()) {
            continue;
          }
          Column c = columns.get(i);
          try {
            set(users, user, c, v, schemas);
          } catch (IllegalArgumentException e) {
            problems.accept(line, "field " + c.header() + ": " + e.getMessage());
            ok = false;
          }
        }
        if (ok) {
          ArrayNode s = NODES.arrayNode();
          schemas.forEach(s::add);
          user.set("schemas", s);
          rows.accept(line, user);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      if (e.getCause() instanceof IOException io) {
        problems.accept(0, "the CSV cannot be read: " + io.getMessage());
        return;
      }
      throw e;
    }
  }

  private static Column column(ResourceType users, String header) {
    Matcher m = COLUMN.matcher(header);
    if (header.isEmpty() || !m.matches()) {
      throw new IllegalArgumentException("not an attribute path");
    }
    String base = m.group(1);
    String filter = m.group(2);
    String sub = m.group(3);
    AttrPath path;
    try {
      path = AttrPath.parse(sub == null ? base : base + "." + sub);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not an attribute path: " + e.getMessage(), e);
    }
    Optional<ResolvedPath> resolved = users.resolve(path);
    if (resolved.isEmpty() || resolved.get().attribute() == null) {
      throw new IllegalArgumentException("no such attribute of " + users.name());
    }
    Attribute a = resolved.get().attribute();
    if (filter != null && (!a.multiValued() || a.sub("type").isEmpty())) {
      throw new IllegalArgumentException(
          "[type eq ...] needs a multi-valued attribute with a type");
    }
    if (a.isComplex() && resolved.get().sub() == null) {
      throw new IllegalArgumentException("name a sub-attribute, e.g. " + a.name() + ".value");
    }
    return new Column(header, resolved.get(), filter);
  }

  private static void set(
      ResourceType users, ObjectNode user, Column c, String text, Set<String> schemas) {
    ResolvedPath p = c.path();
    Attribute a = p.attribute();
    if (a == null) {
      throw new IllegalArgumentException("no such attribute");
    }
    ObjectNode container = user;
    if (p.inExtension(users)) {
      container = user.withObjectProperty(p.schema().id());
      schemas.add(p.schema().id());
    }
    Attribute sub = p.sub();
    if (a.multiValued()) {
      ArrayNode array = container.withArrayProperty(a.name());
      if (sub == null) {
        array.add(value(a, text));
        return;
      }
      ObjectNode element = null;
      String type = c.typeFilter();
      for (JsonNode e : array) {
        if (e instanceof ObjectNode o
            && (type == null || type.equals(o.path("type").asText(null)))) {
          element = o;
          break;
        }
      }
      if (element == null) {
        element = array.addObject();
        if (type != null) {
          element.put("type", type);
        }
      }
      element.set(sub.name(), value(sub, text));
    } else if (sub != null) {
      container.withObjectProperty(a.name()).set(sub.name(), value(sub, text));
    } else {
      container.set(a.name(), value(a, text));
    }
  }

  private static JsonNode value(Attribute a, String text) {
    AttributeType t = a.type();
    return switch (t) {
      case BOOLEAN -> {
        String v = text.strip().toLowerCase(Locale.ROOT);
        if (!v.equals("true") && !v.equals("false")) {
          throw new IllegalArgumentException("\"" + text + "\" is not true or false");
        }
        yield NODES.booleanNode(v.equals("true"));
      }
      case INTEGER -> {
        try {
          yield NODES.numberNode(Long.parseLong(text.strip()));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("\"" + text + "\" is not an integer", e);
        }
      }
      case DECIMAL -> {
        try {
          yield NODES.numberNode(new BigDecimal(text.strip()));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("\"" + text + "\" is not a number", e);
        }
      }
      default -> NODES.textNode(text);
    };
  }
}
