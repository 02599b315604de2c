package io.scimd.core.resource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.path.AttrPath;
import io.scimd.core.schema.Attribute;
import io.scimd.core.schema.CommonAttributes;
import io.scimd.core.schema.Mutability;
import io.scimd.core.schema.ResolvedPath;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.Returned;
import io.scimd.core.schema.Schema;
import io.scimd.core.schema.SchemaExtension;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The {@code attributes} / {@code excludedAttributes} narrowing of RFC 7644 §3.4.2.5 and §3.9,
 * applied with the {@code returned} characteristic: {@code always} attributes are always there,
 * {@code never} ones never, {@code request} ones only when asked for.
 *
 * <p>Rules, where the RFC leaves room:
 *
 * <ul>
 *   <li>{@code attributes} given: only the named attributes plus the {@code returned: always} ones
 *       ({@code id}); {@code schemas} is always there and lists the core schema plus the extensions
 *       that still have attributes in the response. A sub-attribute path ({@code name.givenName},
 *       {@code emails.value}) narrows the complex attribute, in every value of a multi-valued one.
 *       An extension URN alone selects the extension's {@code default} attributes ({@code request}
 *       ones must be named one by one).
 *   <li>{@code excludedAttributes}: removes attributes or sub-attributes from the set, never a
 *       {@code returned: always} one.
 *   <li>Both given (RFC 7644 says a client should send one): {@code attributes} selects, then
 *       {@code excludedAttributes} removes.
 *   <li>Names that resolve to no attribute of the type are ignored (the RFC is silent). {@code
 *       attributes} made only of unknown names still narrows, to the {@code always} attributes: the
 *       client asked for a small response, never for everything.
 *   <li>{@code returned: never} and writeOnly values ({@code password}) never appear, even when
 *       named. Keys unknown to the schema are dropped.
 *   <li>Matching is case-insensitive; output keys use the canonical spelling.
 * </ul>
 */
public record Projection(List<AttrPath> attributes, List<AttrPath> excludedAttributes) {
  public static final Projection DEFAULT = new Projection(List.of(), List.of());

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  public Projection {
    attributes = List.copyOf(attributes);
    excludedAttributes = List.copyOf(excludedAttributes);
  }

  /**
   * The most names one {@code attributes} or {@code excludedAttributes} list may hold. Every
   * attribute and sub-attribute of a User with the enterprise extension is about 100 paths, each
   * also writable with its schema URN; applying a list costs O(names) for every resource returned,
   * and a {@code .search} naming 60,000 attributes kept a core busy for seconds per page.
   */
  public static final int MAX_PATHS = 200;

  /**
   * Parses the comma-separated query parameters; either may be null or blank.
   *
   * @throws ScimException {@code invalidPath} for a malformed path; {@code invalidValue} for a list
   *     of more than {@value #MAX_PATHS} names
   */
  public static Projection parse(@Nullable String attributes, @Nullable String excludedAttributes) {
    List<AttrPath> a = paths("attributes", attributes);
    List<AttrPath> x = paths("excludedAttributes", excludedAttributes);
    return a.isEmpty() && x.isEmpty() ? DEFAULT : new Projection(a, x);
  }

  private static List<AttrPath> paths(String parameter, @Nullable String csv) {
    if (csv == null || csv.isBlank()) {
      return List.of();
    }
    List<String> parts = new ArrayList<>();
    int start = 0;
    while (start <= csv.length()) {
      int comma = csv.indexOf(',', start);
      int end = comma < 0 ? csv.length() : comma;
      String part = csv.substring(start, end).trim();
      if (!part.isEmpty()) {
        parts.add(part);
      }
      start = end + 1;
    }
    if (parts.size() > MAX_PATHS) {
      throw ScimException.invalidValue(
          parameter
              + " names "
              + parts.size()
              + " attributes; at most "
              + MAX_PATHS
              + " may be named in one request: name fewer (a complex attribute stands for all its"
              + " sub-attributes, an extension URN for its attributes)");
    }
    List<AttrPath> out = new ArrayList<>(parts.size());
    for (String part : parts) {
      out.add(AttrPath.parse(part));
    }
    return out;
  }

  /**
   * The resource as it should be returned: a new tree, which shares the values it keeps whole with
   * {@code resource} (the caller's freshly rendered copy, discarded after). Copying them again was
   * a third of rendering a large group.
   */
  public ObjectNode apply(ResourceType type, ObjectNode resource) {
    Plan plan = new Plan(type, attributes, excludedAttributes);
    ObjectNode out = F.objectNode();
    ArrayNode schemas = out.putArray("schemas");
    schemas.add(type.schema().id());
    boolean[] extPresent = new boolean[type.extensions().size()];
    for (Map.Entry<String, JsonNode> e : resource.properties()) {
      String key = e.getKey();
      JsonNode v = e.getValue();
      if (key.equalsIgnoreCase("schemas") || v.isNull()) {
        continue;
      }
      int ext = extensionIndex(type, key);
      if (ext >= 0) {
        Schema s = type.extensions().get(ext).schema();
        ObjectNode eo = F.objectNode();
        for (Map.Entry<String, JsonNode> f : v.properties()) {
          Attribute a = s.attribute(f.getKey()).orElse(null);
          if (a != null) {
            emit(a, f.getValue(), plan.keep(s, true, a), eo);
          }
        }
        if (!eo.isEmpty()) {
          out.set(s.id(), eo);
          extPresent[ext] = true;
        }
        continue;
      }
      Attribute a = coreAttribute(type, key);
      if (a != null) {
        emit(a, v, plan.keep(type.schema(), false, a), out);
      }
    }
    for (int i = 0; i < extPresent.length; i++) {
      if (extPresent[i]) {
        schemas.add(type.extensions().get(i).schema().id());
      }
    }
    return out;
  }

  /**
   * Whether the top-level attribute would be in the response at all. The service asks this before
   * loading costly attributes: with {@code excludedAttributes=members} a group's members are never
   * read. The name may be URN-qualified, or an extension URN (any of its attributes).
   */
  public boolean includes(ResourceType type, String attributeName) {
    Optional<ResolvedPath> r;
    try {
      r = type.resolve(AttrPath.parse(attributeName));
    } catch (ScimException e) {
      return false;
    }
    if (r.isEmpty()) {
      return false;
    }
    Plan plan = new Plan(type, attributes, excludedAttributes);
    Schema s = r.get().schema();
    boolean ext = s != type.schema();
    Attribute a = r.get().attribute();
    if (a == null) {
      for (Attribute x : s.attributes()) {
        if (plan.keep(s, true, x) != null) {
          return true;
        }
      }
      return false;
    }
    return plan.keep(s, ext, a) != null;
  }

  private static int extensionIndex(ResourceType type, String key) {
    List<SchemaExtension> ext = type.extensions();
    for (int i = 0; i < ext.size(); i++) {
      if (ext.get(i).schema().id().equalsIgnoreCase(key)) {
        return i;
      }
    }
    return -1;
  }

  private static @Nullable Attribute coreAttribute(ResourceType type, String key) {
    Optional<Attribute> common = CommonAttributes.attribute(key);
    return common.isPresent() ? common.get() : type.schema().attribute(key).orElse(null);
  }

  private static void emit(Attribute a, JsonNode v, @Nullable Keep keep, ObjectNode out) {
    if (keep == null) {
      return;
    }
    JsonNode p = project(a, v, keep);
    if (p != null) {
      out.set(a.name(), p);
    }
  }

  private static @Nullable JsonNode project(Attribute a, JsonNode v, Keep keep) {
    if (!a.isComplex()) {
      return v;
    }
    if (keep == Keep.WHOLE && plainSubs(a)) {
      return v; // nothing to narrow: skip the per-value walk (large member lists)
    }
    if (v.isArray()) {
      ArrayNode out = F.arrayNode(v.size());
      for (JsonNode el : v) {
        JsonNode p = projectOne(a, el, keep);
        if (p != null) {
          out.add(p);
        }
      }
      return out.isEmpty() ? null : out;
    }
    return projectOne(a, v, keep);
  }

  private static @Nullable JsonNode projectOne(Attribute a, JsonNode v, Keep keep) {
    if (!v.isObject()) {
      return null; // not a complex value: nothing the schema can describe
    }
    ObjectNode out = F.objectNode();
    for (Map.Entry<String, JsonNode> e : v.properties()) {
      Attribute sub = a.sub(e.getKey()).orElse(null);
      if (sub != null && keep.keepsSub(sub) && !e.getValue().isNull()) {
        out.set(sub.name(), e.getValue());
      }
    }
    return out.isEmpty() ? null : out;
  }

  /** True when no sub-attribute of {@code a} is ever left out of a whole value. */
  private static boolean plainSubs(Attribute a) {
    for (Attribute sub : a.subAttributes()) {
      if (never(sub) || sub.returned() == Returned.REQUEST) {
        return false;
      }
    }
    return true;
  }

  /** RFC 7643 §7: returned never, and writeOnly values "SHALL NOT be returned". */
  static boolean never(Attribute a) {
    return a.returned() == Returned.NEVER || a.mutability() == Mutability.WRITE_ONLY;
  }

  /**
   * What is kept of an attribute that is in the response: {@code only} the named sub-attributes
   * (null: the default ones) {@code without} the excluded ones (null: none).
   */
  private record Keep(@Nullable Set<Attribute> only, @Nullable Set<Attribute> without) {
    static final Keep WHOLE = new Keep(null, null);

    boolean keepsSub(Attribute sub) {
      if (never(sub)) {
        return false;
      }
      if (sub.returned() == Returned.ALWAYS) {
        return true;
      }
      if (only != null ? !only.contains(sub) : sub.returned() == Returned.REQUEST) {
        return false;
      }
      return without == null || !without.contains(sub);
    }
  }

  /** The paths of one projection resolved against one resource type, by definition identity. */
  private static final class Plan {
    private final boolean narrowed;
    private final Map<Attribute, Sel> requested;
    private final Set<Schema> requestedExt;
    private final Map<Attribute, Sel> excluded;
    private final Set<Schema> excludedExt;

    Plan(ResourceType type, List<AttrPath> attributes, List<AttrPath> excludedAttributes) {
      narrowed = !attributes.isEmpty();
      requested = attributes.isEmpty() ? Map.of() : new IdentityHashMap<>();
      requestedExt = attributes.isEmpty() ? Set.of() : identitySet();
      excluded = excludedAttributes.isEmpty() ? Map.of() : new IdentityHashMap<>();
      excludedExt = excludedAttributes.isEmpty() ? Set.of() : identitySet();
      resolveAll(type, attributes, requested, requestedExt);
      resolveAll(type, excludedAttributes, excluded, excludedExt);
    }

    private static void resolveAll(
        ResourceType type, List<AttrPath> paths, Map<Attribute, Sel> attrs, Set<Schema> exts) {
      for (AttrPath p : paths) {
        Optional<ResolvedPath> r = type.resolve(p);
        if (r.isEmpty()) {
          continue; // unknown names are ignored
        }
        Attribute a = r.get().attribute();
        if (a == null) {
          exts.add(r.get().schema());
          continue;
        }
        Sel sel = attrs.computeIfAbsent(a, k -> new Sel());
        Attribute sub = r.get().sub();
        if (sub == null) {
          sel.whole = true;
        } else {
          sel.subs.add(sub);
        }
      }
    }

    /** How {@code a} (of schema {@code s}) appears in the response, or null when it does not. */
    @Nullable Keep keep(Schema s, boolean inExtension, Attribute a) {
      if (never(a)) {
        return null;
      }
      if (a.returned() == Returned.ALWAYS) {
        return Keep.WHOLE; // RFC 7644 §3.4.2.5: always returned, whatever the parameters
      }
      Set<Attribute> only = null;
      if (narrowed) {
        Sel sel = requested.get(a);
        if (sel != null) {
          only = sel.whole ? null : sel.subs;
        } else if (!(inExtension && requestedExt.contains(s) && a.returned() == Returned.DEFAULT)) {
          return null;
        }
      } else if (a.returned() == Returned.REQUEST) {
        return null;
      }
      if (inExtension && excludedExt.contains(s)) {
        return null;
      }
      Sel ex = excluded.get(a);
      if (ex != null && ex.whole) {
        return null;
      }
      if (only == null && ex == null) {
        return Keep.WHOLE;
      }
      Keep keep = new Keep(only, ex == null ? null : ex.subs);
      // Narrowed to no sub-attribute at all (attributes=emails.value&excludedAttributes=
      // emails.value): the attribute is not in the response, and includes() must say so.
      for (Attribute sub : a.subAttributes()) {
        if (keep.keepsSub(sub)) {
          return keep;
        }
      }
      return null;
    }

    private static <T> Set<T> identitySet() {
      return Collections.newSetFromMap(new IdentityHashMap<>());
    }
  }

  /** One attribute's selection: the whole of it, or some sub-attributes. */
  private static final class Sel {
    boolean whole;
    final Set<Attribute> subs = Collections.newSetFromMap(new IdentityHashMap<>());
  }
}
