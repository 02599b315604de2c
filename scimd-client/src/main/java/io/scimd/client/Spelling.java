package io.scimd.client;

import io.scimd.core.path.AttrPath;
import io.scimd.core.schema.Attribute;
import io.scimd.core.schema.Schema;
import io.scimd.core.schema.SchemaRegistry;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Spells the attribute paths of a filter the way the RFC 7643 schemas do ({@code userName}, {@code
 * emails.value}, the enterprise extension's URN): names are case-insensitive (RFC 7643 §2.1), but
 * some service providers compare them exactly, so a client sends the schema's spelling. Names no
 * built-in schema has are sent as the core holds them, in lower case.
 */
final class Spelling {
  private static final Map<String, String> NAMES = new HashMap<>();

  static {
    for (Schema s : SchemaRegistry.builtIn().schemas()) {
      NAMES.putIfAbsent(s.id().toLowerCase(Locale.ROOT), s.id());
      for (Attribute a : s.attributes()) {
        add(a);
      }
    }
  }

  private Spelling() {}

  private static void add(Attribute a) {
    NAMES.putIfAbsent(a.name().toLowerCase(Locale.ROOT), a.name());
    for (Attribute sub : a.subAttributes()) {
      add(sub);
    }
  }

  private static String spell(String lower) {
    return NAMES.getOrDefault(lower, lower);
  }

  static String of(AttrPath path) {
    StringBuilder b = new StringBuilder();
    if (path.schema() != null) {
      b.append(spell(path.schema())).append(':');
    }
    b.append(spell(path.attribute()));
    if (path.subAttribute() != null) {
      b.append('.').append(spell(path.subAttribute()));
    }
    return b.toString();
  }
}
