package io.scimd.access;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scimd.core.schema.ResourceType;
import io.scimd.store.AccessRecords;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Stored definitions, compiled once: a decision reads the application's row (one indexed read, so a
 * change saved on another node counts at once) and compiles its rules only when the definition is
 * new to this node. The key is the definition's text, not its version: an application deleted and
 * saved again under its name starts again at version 1, with other rules.
 */
public final class Applications {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_CACHED = 10_000;

  private record Compiled(String definition, Application application) {}

  private final Map<String, Compiled> compiled = new ConcurrentHashMap<>();

  /** The compiled form of a stored application. */
  public Application compile(AccessRecords.Application stored, ResourceType users) {
    String key = stored.tenant() + '\u0000' + stored.name();
    Compiled c = compiled.get(key);
    if (c != null && c.definition().equals(stored.definition())) {
      return c.application();
    }
    Application app = parse(stored.name(), stored.definition(), users);
    if (compiled.size() >= MAX_CACHED) {
      compiled.clear();
    }
    compiled.put(key, new Compiled(stored.definition(), app));
    return app;
  }

  /** A definition as stored (checked when it was saved, so its groups are ids). */
  static Application parse(String name, String definition, ResourceType users) {
    return Application.parse(name, json(definition), null, users);
  }

  static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
