package io.scimd.server.hub;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.scimd.store.Scope;
import io.scimd.sync.Hub;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Targets defined in a file (docs/decisions/0028-hub-more.md): a JSON or YAML list of target
 * definitions as the admin API takes them (or an object whose {@code targets} is that list), each
 * optionally naming its {@code tenant}. A value may be {@code {"$env": "VAR"}} or {@code {"$file":
 * "/path"}}, read from the environment or the file (its content without the final line break), so
 * the file itself holds no secret.
 *
 * <p>Applying it is all or nothing: every definition is checked first as the admin API checks it,
 * and one refused changes nothing (the message names the target and the setting). Targets the file
 * does not name are left alone; a target whose checked definition equals the saved one is not
 * written, so applying an unchanged file changes nothing.
 */
public final class TargetsFile {
  private static final YAMLMapper YAML =
      YAMLMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();

  private final Path file;
  private final Map<String, String> env;

  /**
   * @param env where {@code $env} values are read
   */
  public TargetsFile(Path file, Map<String, String> env) {
    this.file = file;
    this.env = Map.copyOf(env);
  }

  public Path file() {
    return file;
  }

  /**
   * Checks every definition of the file, then saves what changed.
   *
   * @param tenant the tenant of definitions that name none
   * @param principal who the journal says saved them
   * @param allowMadeSecrets whether scimd may make a secret a definition leaves out (a webhook's),
   *     shown in the answer; a server applying its file at start shows nothing, so it refuses
   * @throws IllegalArgumentException naming the file, the target and what to fix; nothing changed
   */
  public List<Hub.Applied> apply(
      Hub hub, String tenant, String principal, boolean allowMadeSecrets) {
    Map<String, List<ObjectNode>> byTenant = read(tenant);
    int definitions = byTenant.values().stream().mapToInt(List::size).sum();
    for (int attempt = 0; ; attempt++) {
      List<Hub.Planned> plan = plan(hub, byTenant, principal, allowMadeSecrets);
      try {
        return hub.commit(plan);
      } catch (Hub.ConcurrentChange e) {
        // Every node of a database starts with the same file: another one saved a target between
        // this plan and its commit. Planned again from what is stored now, what it saved is
        // unchanged (a file both apply changes nothing twice) and the rest is saved here. (Any
        // other failure, a database's, is thrown at once: planning again would not mend it.) The
        // other node saves the same targets in the same order, so this one may catch up with it
        // again; each time it did save one more, hence at most one more attempt per target.
        if (attempt >= definitions
            || plan.stream().anyMatch(p -> p.checked().shownOnce() != null)) {
          // (A secret scimd made may be saved by now: planned again, it would be shown to no one.)
          throw e;
        }
      }
    }
  }

  private List<Hub.Planned> plan(
      Hub hub, Map<String, List<ObjectNode>> byTenant, String principal, boolean allowMadeSecrets) {
    List<Hub.Planned> plan = new ArrayList<>();
    try {
      for (Map.Entry<String, List<ObjectNode>> e : byTenant.entrySet()) {
        plan.addAll(hub.plan(Scope.system(e.getKey(), principal), e.getValue()));
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
    if (!allowMadeSecrets) {
      for (Hub.Planned p : plan) {
        if (p.checked().shownOnce() != null) {
          throw new IllegalArgumentException(
              file
                  + ": target '"
                  + p.name()
                  + "': give its 'secret' (e.g. {\"$env\": \"CRM_WEBHOOK_SECRET\"}): one scimd"
                  + " made here would be shown to no one");
        }
      }
    }
    return plan;
  }

  /** The file's definitions by tenant, their {@code $env}/{@code $file} values read. */
  Map<String, List<ObjectNode>> read(String defaultTenant) {
    JsonNode root;
    try {
      root = YAML.readTree(Files.readString(file, StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          file + " is neither JSON nor YAML: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the targets file " + file + ": " + e, e);
    }
    if (root instanceof ObjectNode o && o.has("targets") && o.size() == 1) {
      root = o.get("targets");
    }
    if (!(root instanceof ArrayNode list)) {
      throw new IllegalArgumentException(
          file + " must hold a list of targets (or {\"targets\": [...]})");
    }
    Map<String, List<ObjectNode>> out = new LinkedHashMap<>();
    int i = 0;
    for (JsonNode item : list) {
      i++;
      if (!(item instanceof ObjectNode definition)) {
        throw new IllegalArgumentException(file + ": target #" + i + " is not an object");
      }
      String where =
          definition.path("name").isTextual()
              ? "target '" + definition.path("name").asText() + "'"
              : "target #" + i;
      ObjectNode resolved = (ObjectNode) resolve(definition, file + ": " + where, "");
      String tenant = defaultTenant;
      JsonNode t = resolved.remove("tenant");
      if (t != null) {
        if (!t.isTextual()) {
          throw new IllegalArgumentException(file + ": " + where + ": 'tenant' must be a name");
        }
        tenant = t.asText();
      }
      out.computeIfAbsent(tenant, k -> new ArrayList<>()).add(resolved);
    }
    return out;
  }

  /** The value with each {@code $env}/{@code $file} object replaced by what it names. */
  private JsonNode resolve(JsonNode v, String where, String path) {
    if (v instanceof ObjectNode o) {
      if (o.size() == 1 && (o.has("$env") || o.has("$file"))) {
        return JsonNodeFactory.instance.textNode(secret(o, where, path));
      }
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> f = it.next();
        out.set(
            f.getKey(),
            resolve(f.getValue(), where, path.isEmpty() ? f.getKey() : path + "." + f.getKey()));
      }
      return out;
    }
    if (v instanceof ArrayNode a) {
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      for (int i = 0; i < a.size(); i++) {
        out.add(resolve(a.get(i), where, path + "[" + i + "]"));
      }
      return out;
    }
    return v;
  }

  private String secret(ObjectNode o, String where, String path) {
    JsonNode envName = o.get("$env");
    if (envName != null) {
      if (!envName.isTextual() || envName.asText().isBlank()) {
        throw new IllegalArgumentException(
            where + ": '" + path + "': \"$env\" names an environment variable");
      }
      @Nullable String value = env.get(envName.asText());
      if (value == null || value.isEmpty()) {
        throw new IllegalArgumentException(
            where
                + ": '"
                + path
                + "': the environment variable "
                + envName.asText()
                + " is not set");
      }
      return value;
    }
    JsonNode name = o.get("$file");
    if (name == null || !name.isTextual() || name.asText().isBlank()) {
      throw new IllegalArgumentException(where + ": '" + path + "': \"$file\" names a file");
    }
    // A relative path is taken from the targets file's directory.
    Path dir = file.toAbsolutePath().getParent();
    Path secretFile = dir == null ? Path.of(name.asText()) : dir.resolve(name.asText());
    try {
      String value = Files.readString(secretFile, StandardCharsets.UTF_8);
      if (value.endsWith("\n")) {
        value = value.substring(0, value.length() - 1);
        if (value.endsWith("\r")) {
          value = value.substring(0, value.length() - 1);
        }
      }
      if (value.isEmpty()) {
        throw new IllegalArgumentException(
            where + ": '" + path + "': the file " + secretFile + " is empty");
      }
      return value;
    } catch (IOException e) {
      throw new IllegalArgumentException(
          where + ": '" + path + "': cannot read the file " + secretFile + " (" + e + ")", e);
    }
  }
}
