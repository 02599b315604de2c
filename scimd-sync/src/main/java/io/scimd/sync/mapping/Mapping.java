package io.scimd.sync.mapping;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.filter.Filter;
import io.scimd.core.filter.FilterEvaluator;
import io.scimd.core.patch.PatchPath;
import io.scimd.core.path.AttrPath;
import io.scimd.core.schema.Attribute;
import io.scimd.core.schema.CaseInsensitive;
import io.scimd.core.schema.Mutability;
import io.scimd.core.schema.ResolvedPath;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.Schema;
import io.scimd.core.schema.SchemaRegistry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * How one target sees our users and groups: for each resource type, which target attribute gets
 * which value. Compiled once from a declarative spec and checked against the source's and the
 * target's schemas, so a misspelt or mistyped attribute fails when the target is saved, naming the
 * attribute; {@link #apply} then does no parsing, no schema lookups and no reflection.
 *
 * <p>The spec is JSON:
 *
 * <pre>{@code
 * {
 *   "mode": "merge",
 *   "User": {
 *     "userName":    {"from": "emails[type eq \"work\"].value"},
 *     "displayName": {"expr": "user.name.givenName + ' ' + user.name.familyName"},
 *     "title":       {"value": "Staff"},
 *     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":
 *                    {"from": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"},
 *     "phoneNumbers": {"omit": true}
 *   },
 *   "Group": { "displayName": {"expr": "'app-' + group.displayName"} }
 * }
 * }</pre>
 *
 * <ul>
 *   <li>Keys under a resource type are target attribute paths: {@code attr}, {@code attr.sub},
 *       URN-qualified for extensions. Each maps to exactly one rule: {@code from} a source path
 *       ({@code attr}, {@code attr.sub}, {@code attr[filter]}, {@code attr[filter].sub}, parsed by
 *       the core's PATCH path and filter parsers), {@code expr} a CEL expression ({@link
 *       Expressions} says what it sees and its limits), {@code value} a JSON constant, or {@code
 *       omit: true}.
 *   <li>{@code mode} {@code "merge"} (the default): every source attribute that the target defines
 *       with the same name, type and plurality is passed through, then the rules are applied on
 *       top. {@code "replace"}: the target gets only what the rules write. Merge is the default
 *       because most mappings change two or three attributes and expect the rest to arrive.
 *   <li>Names are written as the schema spells them: {@code Username} is refused ("did you mean
 *       userName?") rather than silently normalised, because the same spec is read by people
 *       comparing it with the target's documentation. (Paths inside a value filter are matched
 *       case-insensitively, as RFC 7644 §3.4.2.2 filters are.)
 *   <li>A rule whose source is absent leaves the target attribute absent, also in merge mode (so
 *       {@code userName from emails[type eq "work"].value} for a user without a work email sends no
 *       userName, rather than the pass-through one). Values are fitted to the target attribute as
 *       {@link Values} says: several into one takes the {@code primary} one, else the first.
 *   <li>Never written: {@code id} and {@code meta} (the target assigns its own), read-only target
 *       attributes ({@code groups}), and Group {@code members}, which the delivery layer sends
 *       itself in the target's ids. {@code schemas} is computed: the target type's core schema and
 *       the extensions written.
 * </ul>
 *
 * <p>{@link #identity()} is the mapping of a target without one: merge with no rules against the
 * built-in User, Enterprise User and Group schemas, so the target receives every core and
 * enterprise attribute unchanged.
 *
 * <p>Immutable and safe to share between threads.
 */
public final class Mapping {
  /** Whether unmapped attributes pass through. */
  public enum Mode {
    MERGE,
    REPLACE
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Mapping IDENTITY =
      compile(JSON.createObjectNode(), SchemaRegistry.builtIn(), SchemaRegistry.builtIn());

  private final Mode mode;
  private final Map<String, TypeMapping> types; // lower-cased resource type name

  private Mapping(Mode mode, Map<String, TypeMapping> types) {
    this.mode = mode;
    this.types = Map.copyOf(types);
  }

  /**
   * The identity mapping: every User and Group with their core and enterprise attributes unchanged
   * (less {@code id}, {@code meta}, {@code groups} and {@code members}, see the class comment).
   */
  public static Mapping identity() {
    return IDENTITY;
  }

  /**
   * Parses and compiles {@code specJson}.
   *
   * @throws MappingException listing every problem, each naming its attribute
   */
  public static Mapping compile(String specJson, SchemaRegistry source, SchemaRegistry target) {
    JsonNode spec;
    try {
      spec = JSON.readTree(specJson);
    } catch (JsonProcessingException e) {
      throw MappingException.of("the mapping is not valid JSON: " + e.getOriginalMessage());
    }
    return compile(spec == null ? JSON.createObjectNode() : spec, source, target);
  }

  /**
   * Compiles {@code spec} for sources described by {@code source} and a target described by {@code
   * target} (the target's own {@code /Schemas} via {@link TargetSchemas#fromDiscovery}, or {@link
   * SchemaRegistry#builtIn()} when it publishes none).
   *
   * @throws MappingException listing every problem, each naming its attribute
   */
  public static Mapping compile(JsonNode spec, SchemaRegistry source, SchemaRegistry target) {
    List<String> problems = new ArrayList<>();
    if (!spec.isObject()) {
      throw MappingException.of("the mapping must be a JSON object, found " + Values.kind(spec));
    }
    Mode mode = Mode.MERGE;
    JsonNode modeNode = spec.get("mode");
    if (modeNode != null) {
      if (modeNode.isTextual() && modeNode.textValue().equals("merge")) {
        mode = Mode.MERGE;
      } else if (modeNode.isTextual() && modeNode.textValue().equals("replace")) {
        mode = Mode.REPLACE;
      } else {
        problems.add("mode: must be \"merge\" or \"replace\", found " + modeNode);
      }
    }
    Map<String, JsonNode> rulesByType = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : spec.properties()) {
      String key = e.getKey();
      if (key.equals("mode")) {
        continue;
      }
      Optional<ResourceType> s = source.resourceType(key);
      Optional<ResourceType> t = target.resourceType(key);
      if (s.isEmpty()) {
        List<String> names = source.resourceTypes().stream().map(ResourceType::name).toList();
        String hint = Names.closest(key, names);
        problems.add(
            key
                + ": not a resource type of the source (it has "
                + String.join(", ", names)
                + ")"
                + (hint == null ? "" : "; did you mean " + hint + "?"));
      } else if (!s.get().name().equals(key)) {
        problems.add(key + ": write the resource type as " + s.get().name());
      } else if (t.isEmpty()) {
        problems.add(key + ": the target has no resource type " + key);
      } else if (!e.getValue().isObject()) {
        problems.add(key + ": must be an object of target attribute -> rule");
      } else {
        rulesByType.put(s.get().name().toLowerCase(Locale.ROOT), e.getValue());
      }
    }
    Map<String, TypeMapping> types = new LinkedHashMap<>();
    for (ResourceType s : source.resourceTypes()) {
      Optional<ResourceType> t = target.resourceType(s.name());
      if (t.isEmpty()) {
        continue;
      }
      JsonNode rules = rulesByType.get(s.name().toLowerCase(Locale.ROOT));
      types.put(
          s.name().toLowerCase(Locale.ROOT),
          TypeMapping.compile(s, t.get(), mode, rules, problems));
    }
    if (!problems.isEmpty()) {
      throw new MappingException(problems);
    }
    return new Mapping(mode, types);
  }

  public Mode mode() {
    return mode;
  }

  /** Whether this mapping can map resources of that type (the target has the type). */
  public boolean handles(String resourceType) {
    return types.containsKey(resourceType.toLowerCase(Locale.ROOT));
  }

  public ObjectNode applyUser(ObjectNode user) {
    return apply("User", user);
  }

  public ObjectNode applyGroup(ObjectNode group) {
    return apply("Group", group);
  }

  /**
   * The target's form of {@code source}, a resource of {@code resourceType} in our canonical JSON.
   * {@code source} is not changed and not shared with the result.
   *
   * @throws IllegalArgumentException when the target has no such resource type ({@link #handles})
   * @throws MappingException when a value cannot be written to its target attribute (an expression
   *     result of the wrong type, or one that failed): the change cannot be delivered as mapped
   */
  public ObjectNode apply(String resourceType, ObjectNode source) {
    TypeMapping t = types.get(resourceType.toLowerCase(Locale.ROOT));
    if (t == null) {
      throw new IllegalArgumentException("the target has no resource type " + resourceType);
    }
    return t.apply(source);
  }

  // ------------------------------------------------------------------------------------ per type

  /** Where a value is written: under {@code extKey} if set, {@code name}, then {@code sub}. */
  record Slot(@Nullable String extKey, String name, @Nullable String sub) {
    void write(ObjectNode out, @Nullable JsonNode value) {
      ObjectNode base = out;
      if (extKey != null) {
        JsonNode e = out.get(extKey);
        if (e instanceof ObjectNode o) {
          base = o;
        } else if (value == null) {
          return;
        } else {
          base = out.putObject(extKey);
        }
      }
      if (sub == null) {
        if (value == null) {
          base.remove(name);
        } else {
          base.set(name, value);
        }
      } else {
        JsonNode parent = base.get(name);
        if (parent instanceof ObjectNode p) {
          if (value == null) {
            p.remove(sub);
            if (p.isEmpty()) {
              base.remove(name);
            }
          } else {
            p.set(sub, value);
          }
        } else if (value != null) {
          base.putObject(name).set(sub, value);
        }
      }
      if (extKey != null && base.isEmpty()) {
        out.remove(extKey);
      }
    }
  }

  /** A compiled rule: what it writes where. */
  sealed interface Rule permits FromRule, ExprRule, ConstantRule, OmitRule {
    Slot slot();
  }

  /** Copies a source path's value(s). */
  record FromRule(Slot slot, SourcePath source, Attribute leaf, boolean multi, String where)
      implements Rule {}

  record ExprRule(
      Slot slot,
      Expressions.Compiled expr,
      String variable,
      Attribute leaf,
      boolean multi,
      String where)
      implements Rule {}

  record ConstantRule(Slot slot, JsonNode value) implements Rule {}

  record OmitRule(Slot slot) implements Rule {}

  /**
   * A source path, resolved: the attribute under {@code extKey} if set, then either its {@code sub}
   * or, with a value filter, the elements that match and then their {@code subAfter}.
   */
  record SourcePath(
      @Nullable String extKey,
      String name,
      @Nullable String sub,
      @Nullable Predicate<JsonNode> filter,
      @Nullable String subAfter) {

    /** The value(s) at this path; for a single-valued target, the one chosen element's. */
    @Nullable JsonNode read(ObjectNode source, boolean multi) {
      JsonNode base = source;
      if (extKey != null) {
        base = CaseInsensitive.get(source, extKey);
        if (base == null) {
          return null;
        }
      }
      JsonNode n = CaseInsensitive.get(base, name);
      if (n == null || n.isNull()) {
        return null;
      }
      String leaf = filter != null ? subAfter : sub;
      if (!n.isArray()) {
        if (filter != null && !filter.test(n)) {
          return null;
        }
        return leaf == null ? n : CaseInsensitive.get(n, leaf);
      }
      if (!multi) {
        // Choose the element first (primary among the matching ones), then read its sub-attribute:
        // the sub-attribute's values no longer say which element was primary.
        JsonNode first = null;
        for (JsonNode e : n) {
          if (filter != null && !filter.test(e)) {
            continue;
          }
          if (e.isObject() && e.path("primary").asBoolean(false)) {
            first = e;
            break;
          }
          if (first == null) {
            first = e;
          }
        }
        return first == null || leaf == null ? first : CaseInsensitive.get(first, leaf);
      }
      if (filter == null && leaf == null) {
        return n;
      }
      ArrayNode out = Values.NODES.arrayNode();
      for (JsonNode e : n) {
        if (filter != null && !filter.test(e)) {
          continue;
        }
        JsonNode v = leaf == null ? e : CaseInsensitive.get(e, leaf);
        if (v != null && !v.isNull()) {
          out.add(v);
        }
      }
      return out;
    }
  }

  /** An attribute passed through unchanged in merge mode. */
  record PassThrough(@Nullable String sourceExt, String sourceName, Slot slot, Attribute leaf) {}

  /** One resource type's compiled mapping. */
  record TypeMapping(ResourceType target, List<PassThrough> passThrough, List<Rule> rules) {

    static TypeMapping compile(
        ResourceType source,
        ResourceType target,
        Mode mode,
        @Nullable JsonNode spec,
        List<String> problems) {
      List<Rule> rules = new ArrayList<>();
      Set<String> ruled = new HashSet<>(); // lower-cased top-level target keys with a rule
      if (spec != null) {
        for (Map.Entry<String, JsonNode> e : spec.properties()) {
          String where = source.name() + "." + e.getKey();
          try {
            Rule r = rule(source, target, e.getKey(), e.getValue(), where);
            rules.add(r);
            if (r.slot().sub() == null) {
              // A rule for name.givenName still lets the rest of name pass through.
              ruled.add(topKey(r.slot()));
            }
          } catch (MappingException ex) {
            problems.addAll(ex.problems());
          }
        }
      }
      List<PassThrough> pass = new ArrayList<>();
      if (mode == Mode.MERGE) {
        // externalId is a common attribute (RFC 7643 §3.1), in no schema's attribute list.
        Optional<ResolvedPath> ext = target.resolve(AttrPath.of("externalId"));
        if (ext.isPresent() && ext.get().attribute() != null && !ruled.contains("externalid")) {
          Attribute t = ext.get().attribute();
          pass.add(new PassThrough(null, t.name(), new Slot(null, t.name(), null), t));
        }
        for (Schema s : source.allSchemas()) {
          boolean core = s == source.schema();
          for (Attribute a : s.attributes()) {
            if (neverPassed(source, a)) {
              continue;
            }
            AttrPath p = core ? AttrPath.of(a.name()) : new AttrPath(s.id(), a.name(), null);
            Optional<ResolvedPath> r = target.resolve(p);
            if (r.isEmpty() || r.get().attribute() == null) {
              continue;
            }
            Attribute t = r.get().attribute();
            if (t.type() != a.type()
                || t.multiValued() != a.multiValued()
                || t.mutability() == Mutability.READ_ONLY) {
              continue;
            }
            Slot slot =
                new Slot(
                    r.get().inExtension(target) ? r.get().schema().id() : null, t.name(), null);
            if (!ruled.contains(topKey(slot))) {
              pass.add(new PassThrough(core ? null : s.id(), a.name(), slot, t));
            }
          }
        }
      }
      return new TypeMapping(target, List.copyOf(pass), List.copyOf(rules));
    }

    private static boolean neverPassed(ResourceType source, Attribute a) {
      String n = a.name();
      return n.equals("id")
          || n.equals("meta")
          || (source.name().equals("Group") && n.equals("members"))
          || a.mutability() == Mutability.READ_ONLY;
    }

    private static String topKey(Slot s) {
      return (s.extKey() == null ? "" : s.extKey().toLowerCase(Locale.ROOT) + ":")
          + s.name().toLowerCase(Locale.ROOT);
    }

    ObjectNode apply(ObjectNode source) {
      ObjectNode out = Values.NODES.objectNode();
      out.putArray("schemas").add(target.schema().id());
      for (PassThrough p : passThrough) {
        JsonNode base = source;
        if (p.sourceExt() != null) {
          base = CaseInsensitive.get(source, p.sourceExt());
          if (base == null) {
            continue;
          }
        }
        JsonNode v = CaseInsensitive.get(base, p.sourceName());
        if (v != null && !v.isNull()) {
          p.slot().write(out, fitPassed(v, p.leaf()));
        }
      }
      for (Rule r : rules) {
        JsonNode v =
            switch (r) {
              case FromRule f ->
                  Values.fit(f.source().read(source, f.multi()), f.leaf(), f.multi(), f.where());
              case ExprRule x ->
                  Values.fit(
                      Expressions.evaluate(x.expr(), source, x.variable(), x.where()),
                      x.leaf(),
                      x.multi(),
                      x.where());
              case ConstantRule c -> c.value().deepCopy();
              case OmitRule o -> null;
            };
        r.slot().write(out, v);
      }
      ArrayNode schemas = (ArrayNode) out.get("schemas");
      for (Map.Entry<String, JsonNode> e : out.properties()) {
        if (e.getKey().startsWith("urn:") && e.getValue().isObject()) {
          schemas.add(e.getKey());
        }
      }
      return out;
    }

    /**
     * A passed-through value, copied: complex values keep only the sub-attributes the target
     * defines. Fitting cannot fail here, as pass-through requires equal types.
     */
    private static @Nullable JsonNode fitPassed(JsonNode v, Attribute leaf) {
      if (!leaf.isComplex()) {
        return v.deepCopy();
      }
      return Values.fit(v.deepCopy(), leaf, leaf.multiValued(), leaf.name());
    }

    // -------------------------------------------------------------------------- rule compilation

    private static Rule rule(
        ResourceType source, ResourceType target, String key, JsonNode spec, String where) {
      Slot slot;
      Attribute leaf;
      boolean multi;
      {
        AttrPath path;
        try {
          path = AttrPath.parse(key);
        } catch (ScimException e) {
          throw MappingException.of(where + ": not a target attribute path: " + e.error().detail());
        }
        ResolvedPath r = resolve(target, path, key, where, "target");
        Attribute attr = r.attribute();
        if (attr == null) {
          throw MappingException.of(
              where + ": names the whole extension " + r.schema().id() + "; map its attributes");
        }
        if (attr.name().equals("id") || attr.name().equals("meta")) {
          throw MappingException.of(
              where + ": " + attr.name() + " is assigned by the target and cannot be mapped");
        }
        if (attr.mutability() == Mutability.READ_ONLY) {
          throw MappingException.of(
              where + ": " + attr.name() + " is read-only on the target and cannot be written");
        }
        if (target.name().equals("Group") && attr.name().equals("members")) {
          throw MappingException.of(
              where + ": members are sent by the delivery layer in the target's ids, not mapped");
        }
        if (r.sub() != null && attr.multiValued()) {
          throw MappingException.of(
              where
                  + ": "
                  + r.sub().name()
                  + " is a sub-attribute of the multi-valued "
                  + attr.name()
                  + ", which has no single element to write it to; map "
                  + attr.name()
                  + " as a whole, e.g. {\"expr\": \"[{'value': ..., 'type': 'work'}]\"}");
        }
        slot =
            new Slot(
                r.inExtension(target) ? r.schema().id() : null,
                attr.name(),
                r.sub() == null ? null : r.sub().name());
        leaf = r.target() == null ? attr : r.target();
        multi = r.sub() == null && attr.multiValued();
      }
      if (!spec.isObject()) {
        throw MappingException.of(
            where + ": a rule is an object with one of \"from\", \"expr\", \"value\", \"omit\"");
      }
      List<String> kinds = new ArrayList<>();
      for (Map.Entry<String, JsonNode> e : spec.properties()) {
        if (!List.of("from", "expr", "value", "omit").contains(e.getKey())) {
          String hint = Names.closest(e.getKey(), List.of("from", "expr", "value", "omit"));
          throw MappingException.of(
              where
                  + ": unknown rule key \""
                  + e.getKey()
                  + "\""
                  + (hint == null ? "" : "; did you mean \"" + hint + "\"?"));
        }
        kinds.add(e.getKey());
      }
      if (kinds.size() != 1) {
        throw MappingException.of(
            where
                + ": a rule has exactly one of \"from\", \"expr\", \"value\", \"omit\"; found "
                + (kinds.isEmpty() ? "none" : String.join(", ", kinds)));
      }
      JsonNode arg = spec.get(kinds.get(0));
      return switch (kinds.get(0)) {
        case "from" -> {
          if (!arg.isTextual()) {
            throw MappingException.of(where + ": \"from\" is a source attribute path in a string");
          }
          yield fromRule(source, slot, leaf, multi, arg.textValue(), where);
        }
        case "expr" -> {
          if (!arg.isTextual()) {
            throw MappingException.of(where + ": \"expr\" is a CEL expression in a string");
          }
          Expressions.Compiled c = Expressions.compile(arg.textValue(), source.name(), where);
          String problem = Expressions.checkResultType(c.resultType(), leaf, multi);
          if (problem != null) {
            throw MappingException.of(where + ": " + problem);
          }
          yield new ExprRule(slot, c, Expressions.variable(source.name()), leaf, multi, where);
        }
        case "value" -> {
          JsonNode v = Values.fit(arg, leaf, multi, where);
          if (v == null) {
            throw MappingException.of(
                where + ": a constant null writes nothing; use {\"omit\": true} to leave it out");
          }
          yield new ConstantRule(slot, v);
        }
        default -> {
          if (!arg.isBoolean() || !arg.booleanValue()) {
            throw MappingException.of(where + ": \"omit\" takes true");
          }
          yield new OmitRule(slot);
        }
      };
    }

    private static FromRule fromRule(
        ResourceType source, Slot slot, Attribute leaf, boolean multi, String text, String where) {
      PatchPath p;
      try {
        p = PatchPath.parse(text);
      } catch (ScimException e) {
        throw MappingException.of(
            where
                + ": source path \""
                + text
                + "\" "
                + stripPatchWording(e.error().detail(), text));
      }
      String s = text.strip();
      int open = s.indexOf('[');
      String attrText = open < 0 ? s : s.substring(0, open);
      ResolvedPath r = resolve(source, p.attribute(), attrText, where, "source");
      Attribute attr = r.attribute();
      if (attr == null) {
        throw MappingException.of(
            where
                + ": source names the whole extension "
                + r.schema().id()
                + "; map its attributes");
      }
      Predicate<JsonNode> filter = null;
      Attribute from = r.target() == null ? attr : r.target();
      String subAfter = null;
      Filter valueFilter = p.valueFilter();
      if (valueFilter != null) {
        try {
          filter =
              FilterEvaluator.compileValueFilter(
                  new Filter.ValuePath(p.attribute(), valueFilter), source);
        } catch (ScimException e) {
          throw MappingException.of(
              where
                  + ": source path \""
                  + text
                  + "\" has a bad value filter: "
                  + e.error().detail());
        }
        if (p.subAttribute() != null) {
          String given = s.substring(s.lastIndexOf(']') + 2);
          Optional<Attribute> sub = attr.sub(given);
          if (sub.isEmpty()) {
            String hint =
                Names.closest(given, attr.subAttributes().stream().map(Attribute::name).toList());
            throw MappingException.of(
                where
                    + ": source attribute "
                    + attr.name()
                    + " has no sub-attribute "
                    + given
                    + (hint == null ? "" : "; did you mean " + hint + "?"));
          }
          if (!sub.get().name().equals(given)) {
            throw MappingException.of(
                where
                    + ": source sub-attribute "
                    + given
                    + ": did you mean "
                    + sub.get().name()
                    + "?");
          }
          from = sub.get();
          subAfter = sub.get().name();
        }
      }
      if (!Values.assignable(from.type(), leaf.type())) {
        throw MappingException.of(
            where
                + ": type mismatch: source "
                + text
                + " is "
                + Values.article(from.type().wire())
                + " "
                + from.type().wire()
                + (from.isComplex() ? " (map one of its sub-attributes)" : "")
                + ", target "
                + leaf.name()
                + " is "
                + Values.article(leaf.type().wire())
                + " "
                + leaf.type().wire());
      }
      SourcePath path =
          new SourcePath(
              r.inExtension(source) ? r.schema().id() : null,
              attr.name(),
              valueFilter == null && r.sub() != null ? r.sub().name() : null,
              filter,
              subAfter);
      return new FromRule(slot, path, leaf, multi, where);
    }

    private static String stripPatchWording(String message, String text) {
      String prefix = "PATCH path " + ScimException.quote(text) + " ";
      return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
    }

    /**
     * Resolves {@code path} in {@code type} and insists on the schema's spelling.
     *
     * @param given the path as written, compared with the schema's spelling
     * @param side "source" or "target", for messages
     */
    private static ResolvedPath resolve(
        ResourceType type, AttrPath path, String given, String where, String side) {
      Optional<ResolvedPath> r = type.resolve(path);
      if (r.isEmpty()) {
        throw MappingException.of(where + ": " + unknown(type, path, given, side));
      }
      String spelled = type.spell(path);
      if (!spelled.equals(given.strip())) {
        throw MappingException.of(
            where
                + ": "
                + side
                + " attribute "
                + given.strip()
                + " is spelt "
                + spelled
                + " in the "
                + side
                + "'s schema: did you mean "
                + spelled
                + "?");
      }
      return r.get();
    }

    private static String unknown(ResourceType type, AttrPath path, String given, String side) {
      String sub = path.subAttribute();
      if (sub != null) {
        Optional<ResolvedPath> parent = type.resolve(path.withSubAttribute(null));
        if (parent.isPresent() && parent.get().attribute() != null) {
          Attribute a = parent.get().attribute();
          String hint =
              Names.closest(sub, a.subAttributes().stream().map(Attribute::name).toList());
          return "unknown "
              + side
              + " attribute "
              + given.strip()
              + ": "
              + a.name()
              + " has no sub-attribute "
              + sub
              + (hint == null ? "" : "; did you mean " + a.name() + "." + hint + "?");
        }
      }
      List<String> names = new ArrayList<>(List.of("id", "externalId", "meta"));
      Schema scope = null;
      if (path.schema() != null) {
        scope = type.schemaById(path.schema()).orElse(null);
      }
      for (Schema s : scope != null ? List.of(scope) : type.allSchemas()) {
        for (Attribute a : s.attributes()) {
          names.add(a.name());
        }
      }
      String hint = Names.closest(path.attribute(), names);
      String prefix = path.schema() != null && scope != null ? scope.id() + ":" : "";
      return "unknown "
          + side
          + " attribute "
          + given.strip()
          + " for "
          + type.name()
          + (path.schema() != null && scope == null
              ? " (" + type.name() + " has no schema " + path.schema() + ")"
              : "")
          + (hint == null ? "" : "; did you mean " + prefix + hint + "?");
    }
  }
}
