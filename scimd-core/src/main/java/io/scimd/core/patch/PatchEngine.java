package io.scimd.core.patch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.filter.CompareOp;
import io.scimd.core.filter.Filter;
import io.scimd.core.filter.FilterEvaluator;
import io.scimd.core.path.AttrPath;
import io.scimd.core.schema.Attribute;
import io.scimd.core.schema.CaseInsensitive;
import io.scimd.core.schema.Mutability;
import io.scimd.core.schema.ResolvedPath;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.Schema;
import io.scimd.core.schema.Values;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Applies PATCH operations (RFC 7644 §3.5.2) in order to a copy of a resource. Either all apply or
 * the call throws and the input is untouched.
 *
 * <p>The rules, beyond the RFC's text where it leaves a choice:
 *
 * <ul>
 *   <li>The input is copied once per call; operations then change the copy in place, so a failing
 *       operation leaves nothing behind and a long list of operations costs no extra copies.
 *   <li>Names are resolved case-insensitively and written with the schema's spelling; extension
 *       attributes live under the extension's canonical URN key, which is dropped when it empties.
 *   <li>A JSON {@code null} value, or an empty array for a multi-valued attribute, unassigns (RFC
 *       7643 §2.5): {@code replace members []} empties the group.
 *   <li>{@code add} to a multi-valued attribute appends. A value whose {@code value} sub-attribute
 *       equals an existing one's (by that sub-attribute's {@code caseExact}) is the same value: its
 *       other sub-attributes merge into it instead of adding a duplicate. Values without a {@code
 *       value} sub-attribute are duplicates only when wholly equal.
 *   <li>{@code add}/{@code replace} on a single-valued complex attribute merges the sub-attributes
 *       given (RFC 7644 §3.5.2.3 "replace the sub-attributes specified").
 *   <li>A value filter that matches nothing: {@code remove} does nothing; {@code add}/{@code
 *       replace} of {@code attr[filter].sub}, and {@code add} of {@code attr[filter]}, create a
 *       value from the filter's {@code eq} terms (joined by {@code and}) plus what was given, since
 *       Entra sends {@code add emails[type eq "work"].value} to a user without a work email. A
 *       filter of other shape cannot describe a new value: {@code noTarget}. {@code replace} of
 *       {@code attr[filter]} with no match is {@code noTarget}, as RFC 7644 §3.5.2.3 says.
 *   <li>{@code attr.sub} on a multi-valued attribute without a filter addresses every value.
 *   <li>{@code remove} of a multi-valued attribute with a {@code value} removes only the values
 *       that match each given value's sub-attributes (Entra's member removal), never all.
 *   <li>Setting {@code primary: true} on one value clears it on the others (RFC 7643 §2.4); an
 *       operation that would leave two primary values is {@code invalidValue}.
 *   <li>A path naming a readOnly attribute or sub-attribute is {@code mutability}; readOnly
 *       sub-attributes inside a value object ({@code manager.displayName}) are dropped silently. An
 *       immutable attribute may be added while it has no value; changing or removing its value is
 *       {@code mutability}.
 *   <li>IdP quirks absorbed: booleans as the strings {@code "true"}/{@code "false"} in any case; a
 *       bare string for a complex attribute with a {@code value} sub-attribute ({@code manager:
 *       "<id>"}); a one-element array for a single-valued complex attribute ({@code manager:
 *       [{"value": "<id>"}]}); JSON text holding an object or array for a complex attribute
 *       (Entra's roles).
 * </ul>
 */
public final class PatchEngine {
  private static final ObjectMapper JSON_TEXT = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private PatchEngine() {}

  /**
   * @param attributes the resource's attributes in canonical form (no {@code id}/{@code meta})
   * @return the patched attributes, a new tree
   * @throws ScimException on the first operation that cannot apply
   */
  public static ObjectNode apply(
      ResourceType type, ObjectNode attributes, List<PatchOperation> ops) {
    ObjectNode doc = attributes.deepCopy();
    Run run = new Run(type, doc);
    for (int i = 0; i < ops.size(); i++) {
      try {
        run.operation(ops.get(i));
      } catch (ScimException e) {
        throw new ScimException(
            e.status(), e.scimType(), "Operations[" + i + "]: " + e.error().detail());
      }
    }
    return doc;
  }

  /** One call's state: the type and the copy being patched. */
  private static final class Run {
    private final ResourceType type;
    private final ObjectNode doc;

    Run(ResourceType type, ObjectNode doc) {
      this.type = type;
      this.doc = doc;
    }

    void operation(PatchOperation op) {
      PatchPath path = op.path();
      if (path != null) {
        target(op.op(), path, op.value());
        return;
      }
      if (op.op() == PatchOpType.REMOVE) {
        // RFC 7644 §3.5.2.2: a remove without path fails with noTarget.
        throw ScimException.noTarget("remove needs a \"path\" naming what to remove");
      }
      JsonNode value = op.value();
      if (value == null || !value.isObject()) {
        throw ScimException.invalidSyntax(
            op.op().wire()
                + " without \"path\" needs an object \"value\" whose keys are attribute"
                + " paths");
      }
      // RFC 7644 §3.5.2.1/§3.5.2.3: without path, each key of the value is a target of its own.
      for (Map.Entry<String, JsonNode> e : value.properties()) {
        if (e.getKey().equalsIgnoreCase("schemas")) {
          continue; // the message's schemas, not an attribute to patch
        }
        target(op.op(), PatchPath.parse(e.getKey()), e.getValue());
      }
    }

    private void target(PatchOpType op, PatchPath path, @Nullable JsonNode value) {
      ResolvedPath r =
          type.resolve(path.attribute())
              .orElseThrow(
                  () ->
                      ScimException.invalidPath(
                          ScimException.quote(path.spelledFor(type))
                              + " names no attribute of "
                              + type.name()));
      Attribute attr = r.attribute();
      if (attr == null) {
        if (path.valueFilter() != null) {
          throw ScimException.invalidPath(
              "'" + path.spelledFor(type) + "': an extension URN takes no value filter");
        }
        extension(op, r.schema(), value);
        return;
      }
      String name = display(r, attr, r.sub());
      if (attr.mutability() == Mutability.READ_ONLY) {
        throw ScimException.mutability("'" + name + "' is readOnly; the server sets it");
      }
      Filter filter = path.valueFilter();
      if (filter != null) {
        if (!attr.multiValued() || !attr.isComplex()) {
          throw ScimException.invalidPath(
              "'"
                  + path.spelledFor(type)
                  + "': a value filter needs a multi-valued complex"
                  + " attribute, and '"
                  + name
                  + "' is not one");
        }
        Attribute sub = null;
        String subName = path.subAttribute();
        if (subName != null) {
          sub =
              attr.sub(subName)
                  .orElseThrow(
                      () ->
                          ScimException.invalidPath(
                              "'"
                                  + path.spelledFor(type)
                                  + "': '"
                                  + name
                                  + "' has no sub-attribute '"
                                  + subName
                                  + "'"));
          checkNotReadOnly(sub, name + "." + sub.name());
        }
        filtered(
            op,
            r,
            attr,
            filter,
            sub,
            value,
            name + "[" + filter + "]" + (sub == null ? "" : "." + sub.name()));
        return;
      }
      Attribute sub = r.sub();
      if (sub == null) {
        whole(op, r, attr, value, name);
      } else {
        checkNotReadOnly(sub, name);
        if (attr.multiValued()) {
          filtered(op, r, attr, null, sub, value, name); // every value (no filter)
        } else {
          subAttribute(op, r, attr, sub, value, name);
        }
      }
    }

    // ---- whole extension: urn:...:enterprise:2.0:User --------------------------------------

    private void extension(PatchOpType op, Schema ext, @Nullable JsonNode value) {
      String urn = ext.id();
      if (op == PatchOpType.REMOVE || value == null || value.isNull()) {
        JsonNode current = CaseInsensitive.get(doc, urn);
        if (current instanceof ObjectNode o) {
          for (Attribute a : ext.attributes()) {
            if (present(CaseInsensitive.get(o, a.name())) != null
                && (a.mutability() == Mutability.IMMUTABLE
                    || a.mutability() == Mutability.READ_ONLY)) {
              throw ScimException.mutability(
                  "cannot remove "
                      + urn
                      + ": its attribute '"
                      + a.name()
                      + "' is "
                      + a.mutability().wire());
            }
          }
        }
        remove(doc, urn);
        return;
      }
      if (!value.isObject()) {
        throw ScimException.invalidValue(
            "'"
                + urn
                + "' must be an object of the extension's attributes, not "
                + PatchRequest.jsonType(value));
      }
      for (Map.Entry<String, JsonNode> e : value.properties()) {
        if (e.getKey().equalsIgnoreCase("schemas")) {
          continue; // repeated inside the extension by some clients: not an attribute to patch
        }
        target(op, PatchPath.parse(urn + ":" + e.getKey()), e.getValue());
      }
    }

    // ---- attr ---------------------------------------------------------------------------

    private void whole(
        PatchOpType op, ResolvedPath r, Attribute attr, @Nullable JsonNode value, String name) {
      if (op == PatchOpType.REMOVE) {
        removeWhole(r, attr, value, name);
        return;
      }
      if (value == null || value.isNull()) {
        removeWhole(r, attr, null, name); // RFC 7643 §2.5: null is unassigned
        return;
      }
      ObjectNode c = writable(r);
      JsonNode existing = present(CaseInsensitive.get(c, attr.name()));
      if (attr.multiValued()) {
        ArrayNode given = coerceMulti(attr, value, name);
        if (op == PatchOpType.REPLACE) {
          // RFC 7644 §3.5.2.3: replace of a multi-valued attribute replaces all its values.
          if (attr.mutability() == Mutability.IMMUTABLE
              && existing != null
              && !equalValue(attr, existing, given)) {
            throw immutable(name);
          }
          settlePrimary(attr, given, elements(given), name);
          if (given.isEmpty()) {
            remove(c, attr.name());
          } else {
            put(c, attr.name(), given);
          }
        } else {
          ArrayNode arr = arrayOf(existing);
          List<JsonNode> touched = new ArrayList<>(given.size());
          Map<String, ObjectNode> byValue = given.size() > 1 ? indexByValue(attr, arr) : null;
          for (JsonNode g : given) {
            touched.add(addValue(attr, arr, g, byValue, name));
          }
          settlePrimary(attr, arr, touched, name);
          if (!arr.isEmpty()) {
            put(c, attr.name(), arr);
          }
        }
      } else if (attr.isComplex()) {
        ObjectNode given = coerceComplex(attr, onlyElement(attr, value, name), name, true);
        ObjectNode obj = existing instanceof ObjectNode o ? o : NODES.objectNode();
        mergeInto(attr, obj, given, name);
        if (obj.isEmpty()) {
          remove(c, attr.name());
        } else {
          put(c, attr.name(), obj);
        }
      } else {
        JsonNode v = coerceSimple(attr, value, name);
        if (attr.mutability() == Mutability.IMMUTABLE
            && existing != null
            && !equalValue(attr, existing, v)) {
          throw immutable(name);
        }
        put(c, attr.name(), v);
      }
      prune(r, c);
    }

    private void removeWhole(
        ResolvedPath r, Attribute attr, @Nullable JsonNode value, String name) {
      ObjectNode c = container(r, false);
      if (c == null) {
        return;
      }
      JsonNode existing = present(CaseInsensitive.get(c, attr.name()));
      if (existing == null) {
        remove(c, attr.name());
        prune(r, c);
        return;
      }
      if (attr.multiValued() && value != null && !value.isNull()) {
        // Entra: {"op":"Remove","path":"members","value":[{"value":"<id>"}]} removes those only.
        ArrayNode patterns = coerceMulti(attr, value, name);
        if (existing instanceof ArrayNode arr) {
          for (int i = arr.size() - 1; i >= 0; i--) {
            JsonNode element = arr.get(i);
            for (JsonNode p : patterns) {
              if (matchesPattern(attr, p, element, name)) {
                if (attr.mutability() == Mutability.IMMUTABLE) {
                  throw immutable(name);
                }
                arr.remove(i);
                break;
              }
            }
          }
          if (arr.isEmpty()) {
            remove(c, attr.name());
          }
        }
      } else {
        if (attr.mutability() == Mutability.IMMUTABLE) {
          throw immutable(name);
        }
        remove(c, attr.name());
      }
      prune(r, c);
    }

    /**
     * Adds {@code g} to {@code arr} unless it is already there; returns the value now in it. {@code
     * byValue} indexes the complex values of {@code arr} by their folded text {@code value}, so
     * that adding m values to n costs O(n + m), not O(n·m); null when not applicable.
     */
    private JsonNode addValue(
        Attribute attr,
        ArrayNode arr,
        JsonNode g,
        @Nullable Map<String, ObjectNode> byValue,
        String name) {
      if (attr.isComplex() && g instanceof ObjectNode go) {
        Attribute valueSub = attr.sub("value").orElse(null);
        JsonNode gv = valueSub == null ? null : present(go.get(valueSub.name()));
        if (byValue != null && valueSub != null && gv != null && gv.isTextual()) {
          ObjectNode same = byValue.get(fold(valueSub, gv.textValue()));
          if (same != null) {
            mergeInto(attr, same, go, name);
            return same;
          }
        } else {
          for (JsonNode e : arr) {
            if (!(e instanceof ObjectNode eo)) {
              continue;
            }
            if (valueSub != null && gv != null) {
              JsonNode ev = present(CaseInsensitive.get(eo, valueSub.name()));
              if (ev != null && equalValue(valueSub, ev, gv)) {
                mergeInto(attr, eo, go, name);
                return eo;
              }
            } else if (equalValue(attr, eo, go)) {
              return eo;
            }
          }
        }
        if (attr.mutability() == Mutability.IMMUTABLE && !arr.isEmpty()) {
          throw immutable(name);
        }
        arr.add(go);
        if (byValue != null && valueSub != null && gv != null && gv.isTextual()) {
          byValue.put(fold(valueSub, gv.textValue()), go);
        }
        return go;
      }
      for (JsonNode e : arr) {
        if (equalValue(attr, e, g)) {
          return e;
        }
      }
      if (attr.mutability() == Mutability.IMMUTABLE && !arr.isEmpty()) {
        throw immutable(name);
      }
      arr.add(g);
      return g;
    }

    /**
     * The index for {@link #addValue}: when every existing value's {@code value} is text (or
     * absent), each by its folded text; else null and the slow, exact comparison is used.
     */
    private static @Nullable Map<String, ObjectNode> indexByValue(Attribute attr, ArrayNode arr) {
      Attribute valueSub = attr.isComplex() ? attr.sub("value").orElse(null) : null;
      if (valueSub == null || arr.size() < 8) {
        return null;
      }
      Map<String, ObjectNode> index = new HashMap<>(arr.size() * 2);
      for (JsonNode e : arr) {
        if (!(e instanceof ObjectNode eo)) {
          return null;
        }
        JsonNode v = present(CaseInsensitive.get(eo, valueSub.name()));
        if (v == null) {
          continue;
        }
        if (!v.isTextual()) {
          return null;
        }
        index.putIfAbsent(fold(valueSub, v.textValue()), eo);
      }
      return index;
    }

    // ---- attr.sub on a single-valued complex attribute ------------------------------------

    private void subAttribute(
        PatchOpType op,
        ResolvedPath r,
        Attribute attr,
        Attribute sub,
        @Nullable JsonNode value,
        String name) {
      if (op == PatchOpType.REMOVE || value == null || value.isNull()) {
        ObjectNode c = container(r, false);
        if (c == null || !(CaseInsensitive.get(c, attr.name()) instanceof ObjectNode obj)) {
          return;
        }
        if (present(CaseInsensitive.get(obj, sub.name())) != null) {
          if (isImmutable(attr, sub)) {
            throw immutable(name);
          }
          remove(obj, sub.name());
        }
        if (obj.isEmpty()) {
          remove(c, attr.name());
        }
        prune(r, c);
        return;
      }
      JsonNode v = coerceValue(sub, value, name);
      ObjectNode c = writable(r);
      ObjectNode obj =
          CaseInsensitive.get(c, attr.name()) instanceof ObjectNode o ? o : NODES.objectNode();
      JsonNode old = present(CaseInsensitive.get(obj, sub.name()));
      if (isImmutable(attr, sub) && old != null && !equalValue(sub, old, v)) {
        throw immutable(name);
      }
      put(obj, sub.name(), v);
      put(c, attr.name(), obj);
    }

    // ---- attr[filter], attr[filter].sub, and attr.sub over every value ---------------------

    private void filtered(
        PatchOpType op,
        ResolvedPath r,
        Attribute attr,
        @Nullable Filter filter,
        @Nullable Attribute sub,
        @Nullable JsonNode value,
        String name) {
      ObjectNode c = container(r, false);
      JsonNode existing = c == null ? null : present(CaseInsensitive.get(c, attr.name()));
      ArrayNode arr = existing instanceof ArrayNode a ? a : null;
      List<ObjectNode> hits = matching(r, attr, filter, arr);

      if (op == PatchOpType.REMOVE || value == null || value.isNull()) {
        if (c == null || arr == null || hits.isEmpty()) {
          return; // RFC 7644 §3.5.2.2: removing what is not there changes nothing
        }
        for (ObjectNode hit : hits) {
          if (sub == null) {
            if (attr.mutability() == Mutability.IMMUTABLE) {
              throw immutable(name);
            }
            removeIdentical(arr, hit);
          } else if (present(CaseInsensitive.get(hit, sub.name())) != null) {
            if (isImmutable(attr, sub)) {
              throw immutable(name);
            }
            remove(hit, sub.name());
            if (hit.isEmpty()) {
              removeIdentical(arr, hit);
            }
          }
        }
        if (arr.isEmpty()) {
          remove(c, attr.name());
        }
        prune(r, c);
        return;
      }

      List<JsonNode> touched = new ArrayList<>();
      if (sub == null) {
        JsonNode one = value.isArray() && value.size() == 1 ? value.get(0) : value;
        ObjectNode given = coerceComplex(attr, one, name, op == PatchOpType.ADD);
        if (hits.isEmpty()) {
          if (op == PatchOpType.REPLACE) {
            // RFC 7644 §3.5.2.3: a value filter that matches nothing is noTarget for replace.
            throw ScimException.noTarget("no value matches '" + name + "'; nothing to replace");
          }
          ObjectNode created = fromTerms(attr, filter, name);
          mergeInto(attr, created, stripNulls(given), name);
          touched.add(append(r, attr, created));
        } else if (op == PatchOpType.REPLACE) {
          if (given.isEmpty()) {
            throw ScimException.invalidValue("'" + name + "' needs a value with sub-attributes");
          }
          for (ObjectNode hit : hits) {
            checkImmutableReplaced(attr, hit, given, name);
            ObjectNode copy = given.deepCopy();
            replaceIdentical(Objects.requireNonNull(arr, "hits come from arr"), hit, copy);
            touched.add(copy);
          }
        } else {
          for (ObjectNode hit : hits) {
            mergeInto(attr, hit, given, name);
            touched.add(hit);
          }
        }
      } else {
        JsonNode v = coerceValue(sub, value, name);
        if (hits.isEmpty()) {
          ObjectNode created = fromTerms(attr, filter, name);
          created.set(sub.name(), v);
          touched.add(append(r, attr, created));
        } else {
          for (ObjectNode hit : hits) {
            JsonNode old = present(CaseInsensitive.get(hit, sub.name()));
            if (isImmutable(attr, sub) && old != null && !equalValue(sub, old, v)) {
              throw immutable(name);
            }
            put(hit, sub.name(), v);
            touched.add(hit);
          }
        }
      }
      ObjectNode container = writable(r);
      if (CaseInsensitive.get(container, attr.name()) instanceof ArrayNode now) {
        settlePrimary(attr, now, touched, name);
      }
    }

    private ObjectNode append(ResolvedPath r, Attribute attr, ObjectNode created) {
      ObjectNode c = writable(r);
      ArrayNode arr = arrayOf(present(CaseInsensitive.get(c, attr.name())));
      arr.add(created);
      put(c, attr.name(), arr);
      return created;
    }

    /**
     * The values of {@code arr} that {@code filter} matches; all object values when null. The
     * filter is compiled (and so validated) even when there is nothing to test.
     */
    private List<ObjectNode> matching(
        ResolvedPath r, Attribute attr, @Nullable Filter filter, @Nullable ArrayNode arr) {
      List<ObjectNode> hits = new ArrayList<>();
      if (filter == null) {
        if (arr != null) {
          for (JsonNode e : arr) {
            if (e instanceof ObjectNode o) {
              hits.add(o);
            }
          }
        }
        return hits;
      }
      // Evaluate through the public evaluator: each value alone, wrapped as a one-value resource,
      // against attr[filter]. One compiled predicate and one wrapper per operation; only the
      // wrapper's single slot changes.
      ObjectNode wrapper = NODES.objectNode();
      ArrayNode slot = NODES.arrayNode();
      slot.add(NODES.nullNode());
      AttrPath at;
      if (r.inExtension(type)) {
        ObjectNode ext = NODES.objectNode();
        ext.set(attr.name(), slot);
        wrapper.set(r.schema().id(), ext);
        at = new AttrPath(r.schema().id(), attr.name(), null);
      } else {
        wrapper.set(attr.name(), slot);
        at = new AttrPath(null, attr.name(), null);
      }
      Predicate<ObjectNode> test = FilterEvaluator.compile(new Filter.ValuePath(at, filter), type);
      if (arr != null) {
        for (JsonNode e : arr) {
          if (e instanceof ObjectNode o) {
            slot.set(0, o);
            if (test.test(wrapper)) {
              hits.add(o);
            }
          }
        }
      }
      return hits;
    }

    /**
     * A new value built from the filter's {@code eq} terms: {@code type eq "work"} becomes {@code
     * {"type":"work"}}.
     */
    private ObjectNode fromTerms(Attribute attr, @Nullable Filter filter, String name) {
      ObjectNode out = NODES.objectNode();
      if (filter != null && !collectTerms(attr, filter, out, name)) {
        throw ScimException.noTarget(
            "no value matches '"
                + name
                + "', and a new value can only be made from a filter of"
                + " 'eq' terms joined by 'and'");
      }
      return out;
    }

    private boolean collectTerms(Attribute attr, Filter f, ObjectNode out, String name) {
      return switch (f) {
        case Filter.Compare c -> {
          if (c.op() != CompareOp.EQ
              || c.path().schema() != null
              || c.path().subAttribute() != null
              || c.value().isNull()) {
            yield false;
          }
          Attribute sub =
              attr.sub(c.path().attribute())
                  .orElseThrow(
                      () ->
                          ScimException.invalidFilter(
                              "'"
                                  + name
                                  + "': "
                                  + attr.name()
                                  + " has no sub-attribute '"
                                  + c.path().attribute()
                                  + "'"));
          if (sub.mutability() != Mutability.READ_ONLY) {
            out.set(sub.name(), coerceValue(sub, c.value(), attr.name() + "." + sub.name()));
          }
          yield true;
        }
        case Filter.And a ->
            collectTerms(attr, a.left(), out, name) && collectTerms(attr, a.right(), out, name);
        case Filter.Or o -> false;
        case Filter.Not n -> false;
        case Filter.Present p -> false;
        case Filter.ValuePath v -> false;
      };
    }

    // ---- primary (RFC 7643 §2.4) ----------------------------------------------------------

    /**
     * After an operation touched {@code touched} values of {@code arr}: if one of them is now
     * primary, no other value is; if several are, the request is ambiguous.
     */
    private static void settlePrimary(
        Attribute attr, ArrayNode arr, List<JsonNode> touched, String name) {
      Attribute primary = attr.sub("primary").orElse(null);
      if (primary == null) {
        return;
      }
      JsonNode winner = null;
      for (JsonNode t : touched) {
        if (isTrue(t.get(primary.name()))) {
          if (winner != null && winner != t) {
            throw ScimException.invalidValue(
                "'" + name + "': only one value may have primary true (RFC 7643 §2.4)");
          }
          winner = t;
        }
      }
      if (winner == null) {
        return;
      }
      for (JsonNode e : arr) {
        if (e != winner && e instanceof ObjectNode o && isTrue(o.get(primary.name()))) {
          o.remove(primary.name());
        }
      }
    }

    private static boolean isTrue(@Nullable JsonNode n) {
      return n != null && n.isBoolean() && n.booleanValue();
    }

    private static List<JsonNode> elements(ArrayNode arr) {
      List<JsonNode> out = new ArrayList<>(arr.size());
      arr.forEach(out::add);
      return out;
    }

    // ---- containers -----------------------------------------------------------------------

    /** The object holding the attribute, created if missing: the resource or its extension's. */
    private ObjectNode writable(ResolvedPath r) {
      ObjectNode c = container(r, true);
      if (c == null) {
        throw new IllegalStateException("container(create=true) returned null");
      }
      return c;
    }

    /** The object holding the attribute: the resource, or its extension's object if present. */
    private @Nullable ObjectNode container(ResolvedPath r, boolean create) {
      if (!r.inExtension(type)) {
        return doc;
      }
      String urn = r.schema().id();
      JsonNode current = CaseInsensitive.get(doc, urn);
      if (current instanceof ObjectNode o) {
        put(doc, urn, o); // canonical key
        return o;
      }
      if (!create) {
        return null;
      }
      ObjectNode o = NODES.objectNode();
      put(doc, urn, o);
      return o;
    }

    /** Drops an extension object that no longer holds anything. */
    private void prune(ResolvedPath r, ObjectNode c) {
      if (c != doc && c.isEmpty()) {
        remove(doc, r.schema().id());
      }
    }

    private String display(ResolvedPath r, Attribute attr, @Nullable Attribute sub) {
      return (r.inExtension(type) ? r.schema().id() + ":" : "")
          + attr.name()
          + (sub == null ? "" : "." + sub.name());
    }
  }

  // ---- values --------------------------------------------------------------------------------

  /** The value for an attribute: an array when multi-valued, else one value. */
  static JsonNode coerceValue(Attribute a, JsonNode v, String name) {
    return a.multiValued() ? coerceMulti(a, v, name) : coerceSingle(a, v, name);
  }

  private static JsonNode coerceSingle(Attribute a, JsonNode v, String name) {
    return a.isComplex() ? coerceComplex(a, v, name, false) : coerceSimple(a, v, name);
  }

  /** A multi-valued attribute's values: an array, or one value standing for an array of it. */
  static ArrayNode coerceMulti(Attribute a, JsonNode v, String name) {
    JsonNode value = jsonText(a, v);
    ArrayNode out = NODES.arrayNode();
    if (value.isArray()) {
      for (JsonNode e : value) {
        if (e.isNull()) {
          throw ScimException.invalidValue("'" + name + "' holds a null value");
        }
        out.add(coerceSingle(a, e, name));
      }
    } else {
      out.add(coerceSingle(a, value, name));
    }
    return out;
  }

  /**
   * The value of a single-valued complex attribute given as a one-element array: its element. Entra
   * sends the manager so ({@code {"op":"Add","path":"manager","value":[{"$ref":null,
   * "value":"<id>"}]}}), and one value is the only thing it can mean. More elements than one name
   * no single value.
   */
  private static JsonNode onlyElement(Attribute a, JsonNode v, String name) {
    JsonNode value = jsonText(a, v);
    if (!value.isArray()) {
      return value;
    }
    if (value.size() != 1) {
      throw ScimException.invalidValue(
          "'"
              + name
              + "' is single-valued: give one object of sub-attributes, not an array of "
              + value.size()
              + " values");
    }
    return value.get(0);
  }

  /**
   * One complex value with canonical sub-attribute names, readOnly ones dropped. With {@code
   * keepNulls}, a null sub-attribute stays as a null (it unassigns when merged).
   */
  static ObjectNode coerceComplex(Attribute a, JsonNode v, String name, boolean keepNulls) {
    JsonNode value = jsonText(a, v);
    ObjectNode out = NODES.objectNode();
    if (value.isObject()) {
      for (Map.Entry<String, JsonNode> e : value.properties()) {
        Attribute sub =
            a.sub(e.getKey())
                .orElseThrow(
                    () ->
                        ScimException.invalidValue(
                            "'" + name + "' has no sub-attribute '" + e.getKey() + "'"));
        if (sub.mutability() == Mutability.READ_ONLY) {
          continue; // manager.displayName: the server's, ignored on input
        }
        JsonNode sv = e.getValue();
        if (sv.isNull()) {
          if (keepNulls) {
            out.set(sub.name(), sv);
          }
          continue;
        }
        out.set(sub.name(), coerceValue(sub, sv, name + "." + sub.name()));
      }
      return out;
    }
    Attribute valueSub = a.sub("value").orElse(null);
    if (value.isValueNode()
        && !value.isNull()
        && valueSub != null
        && valueSub.mutability() != Mutability.READ_ONLY) {
      // Entra sends the manager as a bare id: {"value": "<id>"} is meant.
      out.set(valueSub.name(), coerceValue(valueSub, value, name + "." + valueSub.name()));
      return out;
    }
    throw ScimException.invalidValue(
        "'" + name + "' must be an object of sub-attributes, not " + PatchRequest.jsonType(value));
  }

  /**
   * A simple value in canonical form, by the same rules POST and PUT follow ({@link Values}): a
   * PATCH and a POST of the same value get the same answer.
   */
  static JsonNode coerceSimple(Attribute a, JsonNode v, String name) {
    if (a.isComplex()) {
      return coerceComplex(a, v, name, false);
    }
    JsonNode c = Values.simple(a, v);
    if (c == null) {
      throw ScimException.invalidValue(Values.mismatch(a, v, name));
    }
    return c;
  }

  private static @Nullable BigDecimal decimal(JsonNode v) {
    if (v.isDouble() || v.isFloat()) {
      double d = v.doubleValue();
      if (!Double.isFinite(d) || Math.abs(d) > 9.0e15) {
        return null;
      }
      return BigDecimal.valueOf(d);
    }
    BigDecimal d = v.decimalValue();
    // Bound the size before anything scales it: 1e999999999 must not cost a giant BigInteger.
    return Math.abs((long) d.precision() - d.scale()) > 40 ? null : d;
  }

  /**
   * Entra may send a complex value as JSON text ({@code "[{\"value\":\"Admin\"}]"}): read it when
   * the attribute is complex and the text is an object or array.
   */
  private static JsonNode jsonText(Attribute a, JsonNode v) {
    if (!a.isComplex() || !v.isTextual()) {
      return v;
    }
    String s = v.textValue();
    int i = 0;
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
      i++;
    }
    if (i == s.length() || (s.charAt(i) != '{' && s.charAt(i) != '[')) {
      return v;
    }
    try {
      JsonNode parsed = JSON_TEXT.readTree(s);
      if (parsed != null && (parsed.isObject() || parsed.isArray())) {
        return parsed;
      }
    } catch (JsonProcessingException e) {
      // not JSON after all: keep it as text, the type check decides
    }
    return v;
  }

  private static ObjectNode stripNulls(ObjectNode o) {
    ObjectNode out = NODES.objectNode();
    for (Map.Entry<String, JsonNode> e : o.properties()) {
      if (!e.getValue().isNull()) {
        out.set(e.getKey(), e.getValue());
      }
    }
    return out;
  }

  /** Merges sub-attributes into {@code target}; a null unassigns. Enforces immutability. */
  private static void mergeInto(Attribute attr, ObjectNode target, ObjectNode given, String name) {
    for (Map.Entry<String, JsonNode> e : given.properties()) {
      Attribute sub = attr.sub(e.getKey()).orElse(null);
      if (sub == null) {
        continue; // cannot happen: given is coerced, its keys are attr's sub-attributes
      }
      JsonNode old = present(CaseInsensitive.get(target, sub.name()));
      JsonNode nv = e.getValue();
      if (nv.isNull()) {
        if (old != null) {
          if (isImmutable(attr, sub)) {
            throw immutable(name + "." + sub.name());
          }
          remove(target, sub.name());
        }
        continue;
      }
      if (isImmutable(attr, sub) && old != null && !equalValue(sub, old, nv)) {
        throw immutable(name + "." + sub.name());
      }
      put(target, sub.name(), nv);
    }
  }

  /** Replacing a whole value must keep its immutable sub-attributes as they are. */
  private static void checkImmutableReplaced(
      Attribute attr, ObjectNode old, ObjectNode next, String name) {
    for (Attribute sub : attr.subAttributes()) {
      if (!isImmutable(attr, sub)) {
        continue;
      }
      JsonNode o = present(CaseInsensitive.get(old, sub.name()));
      JsonNode n = present(next.get(sub.name()));
      if (o != null && (n == null || !equalValue(sub, o, n))) {
        throw immutable(name + "." + sub.name());
      }
    }
  }

  /** True when every sub-attribute of {@code pattern} equals {@code element}'s. */
  private static boolean matchesPattern(
      Attribute attr, JsonNode pattern, JsonNode element, String name) {
    if (!attr.isComplex()) {
      return equalValue(attr, pattern, element);
    }
    if (!(pattern instanceof ObjectNode p) || !(element instanceof ObjectNode e)) {
      return false;
    }
    if (p.isEmpty()) {
      throw ScimException.invalidValue(
          "'"
              + name
              + "': a value to remove must name a sub-attribute, such as {\"value\": \"...\"}");
    }
    for (Map.Entry<String, JsonNode> f : p.properties()) {
      Attribute sub = attr.sub(f.getKey()).orElse(null);
      JsonNode ev = present(CaseInsensitive.get(e, f.getKey()));
      if (sub == null || ev == null || !equalValue(sub, ev, f.getValue())) {
        return false;
      }
    }
    return true;
  }

  /** Text as the attribute compares it (RFC 7643 §2.2, {@link Values#comparable}). */
  private static String fold(Attribute a, String s) {
    return Values.comparable(a, s);
  }

  /** Equality as the attribute compares: strings by caseExact, numbers by value, complex by sub. */
  static boolean equalValue(Attribute a, JsonNode x, JsonNode y) {
    if (x.isTextual() && y.isTextual()) {
      return fold(a, x.textValue()).equals(fold(a, y.textValue()));
    }
    if (x.isNumber() && y.isNumber()) {
      BigDecimal dx = decimal(x);
      BigDecimal dy = decimal(y);
      return dx != null && dy != null ? dx.compareTo(dy) == 0 : x.equals(y);
    }
    if (x.isObject() && y.isObject() && a.isComplex()) {
      if (x.size() != y.size()) {
        return false;
      }
      for (Map.Entry<String, JsonNode> e : x.properties()) {
        JsonNode yv = CaseInsensitive.get((ObjectNode) y, e.getKey());
        if (yv == null) {
          return false;
        }
        Attribute sub = a.sub(e.getKey()).orElse(null);
        if (sub == null ? !e.getValue().equals(yv) : !equalValue(sub, e.getValue(), yv)) {
          return false;
        }
      }
      return true;
    }
    if (x.isArray() && y.isArray()) {
      return x.size() == y.size() && containsAll(a, x, y) && containsAll(a, y, x);
    }
    return x.equals(y);
  }

  private static boolean containsAll(Attribute a, JsonNode xs, JsonNode ys) {
    outer:
    for (JsonNode x : xs) {
      for (JsonNode y : ys) {
        if (equalValue(a, x, y)) {
          continue outer;
        }
      }
      return false;
    }
    return true;
  }

  private static boolean isImmutable(Attribute attr, Attribute sub) {
    return attr.mutability() == Mutability.IMMUTABLE || sub.mutability() == Mutability.IMMUTABLE;
  }

  private static void checkNotReadOnly(Attribute sub, String name) {
    if (sub.mutability() == Mutability.READ_ONLY) {
      throw ScimException.mutability("'" + name + "' is readOnly; the server sets it");
    }
  }

  private static ScimException immutable(String name) {
    return ScimException.mutability(
        "'"
            + name
            + "' is immutable: it can be set while it has no value, never changed or removed");
  }

  private static @Nullable JsonNode present(@Nullable JsonNode v) {
    return v == null || v.isNull() || v.isMissingNode() ? null : v;
  }

  private static ArrayNode arrayOf(@Nullable JsonNode existing) {
    if (existing instanceof ArrayNode a) {
      return a;
    }
    ArrayNode arr = NODES.arrayNode();
    if (existing != null) {
      arr.add(existing); // a single value where an array belongs: keep it as the first value
    }
    return arr;
  }

  private static void removeIdentical(ArrayNode arr, JsonNode element) {
    for (int i = 0; i < arr.size(); i++) {
      if (arr.get(i) == element) {
        arr.remove(i);
        return;
      }
    }
  }

  private static void replaceIdentical(ArrayNode arr, JsonNode element, JsonNode with) {
    for (int i = 0; i < arr.size(); i++) {
      if (arr.get(i) == element) {
        arr.set(i, with);
        return;
      }
    }
  }

  // ---- case-insensitive keys, canonical spelling on write ------------------------------------

  private static @Nullable String keyOf(ObjectNode o, String name) {
    if (o.has(name)) {
      return name;
    }
    for (Map.Entry<String, JsonNode> e : o.properties()) {
      if (e.getKey().equalsIgnoreCase(name)) {
        return e.getKey();
      }
    }
    return null;
  }

  private static void put(ObjectNode o, String name, JsonNode v) {
    String k = keyOf(o, name);
    if (k != null && !k.equals(name)) {
      o.remove(k);
    }
    o.set(name, v);
  }

  private static void remove(ObjectNode o, String name) {
    String k = keyOf(o, name);
    if (k != null) {
      o.remove(k);
    }
  }
}
