package io.scimd.core.resource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.schema.Attribute;
import io.scimd.core.schema.AttributeType;
import io.scimd.core.schema.CaseInsensitive;
import io.scimd.core.schema.CommonAttributes;
import io.scimd.core.schema.Mutability;
import io.scimd.core.schema.Precis;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.Schema;
import io.scimd.core.schema.SchemaExtension;
import io.scimd.core.schema.Values;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Turns what a client sent into a resource's attributes in canonical form, enforcing every
 * attribute characteristic of RFC 7643 §2.2/§7: names folded to the schema's spelling (attribute
 * names, sub-attribute names and extension URN keys are case-insensitive), {@code schemas} checked,
 * readOnly attributes ignored, immutable ones settable once, JSON types checked, required ones
 * present, canonical values, at most one {@code primary: true}. Collects every issue and reports
 * them together, by precedence.
 *
 * <p>The result never holds {@code id}, {@code meta} or {@code schemas}: those are the server's.
 * Its keys are the canonical names ({@link Attribute#name()}, the extension's {@link Schema#id()}),
 * core attributes first in schema order ({@code externalId} leading), then each extension object.
 *
 * <p>Decisions where the RFCs leave room (strict in what we emit, forgiving in what we accept):
 *
 * <ul>
 *   <li>{@code schemas} missing or empty is accepted. When present it must be an array of strings
 *       (else {@code invalidSyntax}) naming the core schema (else {@code invalidValue}); other URNs
 *       it lists that the type does not know are ignored when no attributes come under them (Entra
 *       adds a Microsoft group URN). An extension object in the body whose URN {@code schemas} does
 *       not list is accepted as if listed (RFC 7643 §3 says it must be listed; clients forget): the
 *       rendered {@code schemas} is derived from the extensions present, so it will list it.
 *   <li>An unknown attribute is, under {@link UnknownAttributePolicy#REJECT}, an {@code
 *       invalidValue} naming its path (the JSON is well-formed, the value does not fit the schema);
 *       under {@code IGNORE} it is dropped. It is never stored.
 *   <li>readOnly attributes and sub-attributes ({@code id}, {@code meta}, {@code groups}, {@code
 *       manager.displayName}) are dropped, not errors (RFC 7643 §7). {@code members.display} is
 *       immutable (RFC 7643 §2.4), not readOnly: it is kept.
 *   <li>JSON null and an empty array mean unassigned (RFC 7643 §2.5) and are dropped; so is an
 *       empty complex value.
 *   <li>A single value for a multi-valued attribute is wrapped into an array. A bare string for a
 *       single-valued complex attribute with a {@code value} sub-attribute becomes {@code {"value":
 *       ...}} (Entra sends {@code manager} as a bare id).
 *   <li>Simple values follow {@link Values}, the rules PATCH values follow too: booleans may arrive
 *       as the strings {@code "true"}/{@code "false"}, any case (Entra); {@code 3.0} is the integer
 *       3; a dateTime needs its seconds; binary must be base64.
 *   <li>The same attribute twice under different spellings ({@code userName} and {@code UserName})
 *       is ambiguous: {@code invalidSyntax}.
 *   <li>A URN-qualified key ({@code urn:...:enterprise:2.0:User:department}) at the top level is
 *       accepted as that attribute. A {@code schemas} key inside an extension object is ignored:
 *       the resource's own {@code schemas} is the one that counts.
 *   <li>writeOnly values ({@code password}) are kept in the result; on PUT an omitted one keeps the
 *       current value, since no client can read it back to send it again.
 *   <li>Immutable attributes (RFC 7643 §7, RFC 7644 §3.5.1): on PUT an omitted immutable value
 *       keeps the current one; a different value is {@code mutability}. After PATCH, removing one
 *       is {@code mutability} too. Immutable sub-attributes of a multi-valued attribute (Group
 *       {@code members.value}) make each value a whole: adding and removing members is allowed.
 *   <li>Identifiers ({@code userName}; {@link Precis}) must be what PRECIS's IdentifierClass allows
 *       (no control, invisible, unassigned or compatibility characters, no symbols beyond ASCII,
 *       not empty once trimmed), else {@code invalidValue} naming the code point; a value the
 *       resource already holds is kept (docs/decisions/0013-identifier-keys.md).
 *   <li>Issues are collected and thrown as one exception whose detail joins them with {@code "; "};
 *       its scimType is the most severe present: {@code invalidSyntax}, then {@code invalidValue},
 *       then {@code mutability}.
 * </ul>
 */
public final class ResourceValidator {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private final UnknownAttributePolicy unknownAttributes;

  public ResourceValidator(UnknownAttributePolicy unknownAttributes) {
    this.unknownAttributes = unknownAttributes;
  }

  /** For POST. @throws ScimException 400 naming every problem */
  public ObjectNode forCreate(ResourceType type, JsonNode body) {
    Issues issues = new Issues();
    Doc doc = read(type, body, issues);
    checkRequired(type, doc, issues);
    checkIdentifiers(type, doc, null, issues);
    issues.throwIfAny();
    return doc.write(type);
  }

  /**
   * For PUT: the body replaces every readWrite attribute; readOnly ones keep {@code current}'s
   * value; an immutable one may only be set if {@code current} has none, or to the same value
   * (omitted, it keeps {@code current}'s); an omitted writeOnly one keeps {@code current}'s.
   *
   * @throws ScimException 400 naming every problem
   */
  public ObjectNode forReplace(ResourceType type, ObjectNode current, JsonNode body) {
    Issues issues = new Issues();
    Doc doc = read(type, body, issues);
    keepImmutable(type, current, doc, true, issues);
    keepReadOnly(type, current, doc);
    keepWriteOnly(type, current, doc);
    checkRequired(type, doc, issues);
    checkIdentifiers(type, doc, current, issues);
    issues.throwIfAny();
    return doc.write(type);
  }

  /**
   * After PATCH: the result must still satisfy required, types and immutability. readOnly
   * attributes are {@code before}'s, whatever {@code after} holds.
   *
   * @throws ScimException 400 naming every problem
   */
  public ObjectNode checkPatched(ResourceType type, ObjectNode before, ObjectNode after) {
    Issues issues = new Issues();
    Doc doc = read(type, after, issues);
    keepImmutable(type, before, doc, false, issues);
    keepReadOnly(type, before, doc);
    checkRequired(type, doc, issues);
    checkIdentifiers(type, doc, before, issues);
    issues.throwIfAny();
    return doc.write(type);
  }

  // ---------------------------------------------------------------- reading the body

  private Doc read(ResourceType type, JsonNode body, Issues issues) {
    if (!(body instanceof ObjectNode obj)) {
      issues.syntax("the request body must be a JSON object holding the resource");
      issues.throwIfAny();
      throw new IllegalStateException("unreachable");
    }
    Doc doc = new Doc();
    for (Map.Entry<String, JsonNode> e : obj.properties()) {
      String key = e.getKey();
      JsonNode v = e.getValue();
      if (key.equalsIgnoreCase("schemas")) {
        checkSchemas(type, v, issues);
        continue;
      }
      Optional<SchemaExtension> ext = type.extension(key);
      if (ext.isPresent()) {
        readExtension(type, ext.get().schema(), v, doc, issues);
        continue;
      }
      Schema s = type.schema();
      String name = key;
      String shown = key; // the key as errors name it: with the schema's canonical URN
      if (key.regionMatches(true, 0, "urn:", 0, 4)) {
        // A URN-qualified attribute name: the URN ends at the last ':' (RFC 7644 §3.10).
        int colon = key.lastIndexOf(':');
        s = type.schemaById(key.substring(0, colon)).orElse(null);
        name = key.substring(colon + 1);
        if (s != null) {
          shown = s.id() + ":" + name;
        }
      }
      Attribute a = s == null ? null : lookup(type, s, name);
      if (s == null || a == null) {
        unknown(type, shown, issues);
        continue;
      }
      put(type, doc, s, a, v, issues);
    }
    return doc;
  }

  private static @Nullable Attribute lookup(ResourceType type, Schema s, String name) {
    if (s == type.schema()) {
      Optional<Attribute> common = CommonAttributes.attribute(name);
      if (common.isPresent()) {
        return common.get();
      }
    }
    return s.attribute(name).orElse(null);
  }

  private void readExtension(ResourceType type, Schema s, JsonNode v, Doc doc, Issues issues) {
    if (v.isNull()) {
      return; // unassigned, RFC 7643 §2.5
    }
    if (!v.isObject()) {
      issues.value(
          "'"
              + s.id()
              + "' must be a JSON object holding the extension's attributes, got "
              + Values.describe(v));
      return;
    }
    for (Map.Entry<String, JsonNode> e : v.properties()) {
      if (e.getKey().equalsIgnoreCase("schemas")) {
        continue; // some clients repeat schemas inside the extension: the resource's is the one
      }
      Attribute a = s.attribute(e.getKey()).orElse(null);
      if (a == null) {
        unknown(type, s.id() + ":" + e.getKey(), issues);
      } else {
        put(type, doc, s, a, e.getValue(), issues);
      }
    }
  }

  private void put(ResourceType type, Doc doc, Schema s, Attribute a, JsonNode v, Issues issues) {
    if (a.mutability() == Mutability.READ_ONLY) {
      return; // RFC 7643 §7: readOnly values in a request are ignored
    }
    String path = s == type.schema() ? a.name() : s.id() + ":" + a.name();
    JsonNode c = value(a, v, path, issues);
    if (c != null && doc.values(type, s).putIfAbsent(a, c) != null) {
      issues.syntax(
          "attribute '" + path + "' is given more than once (names are case-insensitive)");
    }
  }

  private static void checkSchemas(ResourceType type, JsonNode v, Issues issues) {
    if (v.isNull()) {
      return;
    }
    if (!v.isArray()) {
      issues.syntax("'schemas' must be an array of schema URNs");
      return;
    }
    if (v.isEmpty()) {
      return; // forgiving: as if missing
    }
    boolean core = false;
    for (JsonNode u : v) {
      if (!u.isTextual()) {
        issues.syntax("'schemas' must hold only strings (schema URNs), got " + Values.describe(u));
        continue;
      }
      String urn = u.textValue();
      if (urn.equalsIgnoreCase(type.schema().id())) {
        core = true;
      }
      // An unknown URN with no attributes under it changes nothing, so it is ignored: Entra lists
      // its own http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/Group beside the
      // core URN. Attributes under an unknown URN still meet the unknown-attribute policy.
    }
    if (!core) {
      issues.value("'schemas' must include " + type.schema().id());
    }
  }

  private void unknown(ResourceType type, String path, Issues issues) {
    if (unknownAttributes == UnknownAttributePolicy.REJECT) {
      issues.value("unknown attribute '" + path + "' for resource type " + type.name());
    }
  }

  /** The canonical value, or null when it is unassigned, dropped or wrong (then an issue). */
  private @Nullable JsonNode value(Attribute a, JsonNode v, String path, Issues issues) {
    if (v.isNull()) {
      return null; // RFC 7643 §2.5: null is unassigned
    }
    if (a.multiValued()) {
      ArrayNode out = F.arrayNode();
      if (v.isArray()) {
        for (JsonNode el : v) {
          JsonNode c = single(a, el, path, issues);
          if (c != null) {
            out.add(c);
          }
        }
      } else {
        JsonNode c = single(a, v, path, issues); // forgiving: one value for a multi-valued one
        if (c != null) {
          out.add(c);
        }
      }
      if (out.isEmpty()) {
        return null; // RFC 7643 §2.5: an empty array is unassigned
      }
      if (a.isComplex()) {
        checkPrimary(a, out, path, issues);
      }
      return out;
    }
    if (v.isArray()) {
      return wrong(a, v, path, issues);
    }
    return single(a, v, path, issues);
  }

  private @Nullable JsonNode single(Attribute a, JsonNode v, String path, Issues issues) {
    if (v.isNull()) {
      return null;
    }
    if (a.type() == AttributeType.COMPLEX) {
      return complex(a, v, path, issues);
    }
    JsonNode c = Values.simple(a, v);
    if (c == null) {
      return wrong(a, v, path, issues);
    }
    return a.type() == AttributeType.STRING || a.type() == AttributeType.REFERENCE
        ? text(a, c, path, issues)
        : c;
  }

  private @Nullable JsonNode complex(Attribute a, JsonNode v, String path, Issues issues) {
    JsonNode obj = v;
    if (!v.isObject()) {
      // Entra sends the enterprise manager as a bare id: take it as the value sub-attribute.
      if (v.isTextual() && !a.multiValued() && a.sub("value").isPresent()) {
        obj = F.objectNode().set("value", v);
      } else {
        return wrong(a, v, path, issues);
      }
    }
    Map<Attribute, JsonNode> subs = new IdentityHashMap<>();
    for (Map.Entry<String, JsonNode> e : obj.properties()) {
      Attribute sub = a.sub(e.getKey()).orElse(null);
      if (sub == null) {
        if (unknownAttributes == UnknownAttributePolicy.REJECT) {
          issues.value("unknown sub-attribute '" + path + "." + e.getKey() + "'");
        }
        continue;
      }
      if (sub.mutability() == Mutability.READ_ONLY) {
        continue; // RFC 7643 §7
      }
      String subPath = path + "." + sub.name();
      JsonNode c = value(sub, e.getValue(), subPath, issues);
      if (c != null && subs.putIfAbsent(sub, c) != null) {
        issues.syntax(
            "sub-attribute '" + subPath + "' is given more than once (names are case-insensitive)");
      }
    }
    if (subs.isEmpty()) {
      return null; // nothing assigned
    }
    ObjectNode out = F.objectNode();
    for (Attribute sub : a.subAttributes()) {
      JsonNode c = subs.get(sub);
      if (c != null) {
        out.set(sub.name(), c);
      }
    }
    return out;
  }

  private static @Nullable JsonNode text(Attribute a, JsonNode v, String path, Issues issues) {
    String s = v.textValue();
    if (a.required() && s.isBlank()) {
      issues.value("required attribute '" + path + "' must not be blank");
      return v;
    }
    List<String> allowed = a.canonicalValues();
    if (allowed.isEmpty()) {
      return v;
    }
    for (String c : allowed) {
      if (c.equalsIgnoreCase(s)) {
        return c.equals(s) ? v : TextNode.valueOf(c); // fold to the canonical spelling
      }
    }
    issues.value("'" + path + "' is " + ScimException.quote(s) + " but must be one of " + allowed);
    return null;
  }

  private static void checkPrimary(Attribute a, ArrayNode values, String path, Issues issues) {
    if (a.sub("primary").isEmpty()) {
      return;
    }
    int n = 0;
    for (JsonNode el : values) {
      JsonNode p = el.get("primary");
      if (p != null && p.booleanValue()) {
        n++;
      }
    }
    if (n > 1) {
      issues.value(
          "'"
              + path
              + "' has "
              + n
              + " values with primary true; at most one may be primary"
              + " (RFC 7643 §2.4)");
    }
  }

  private static @Nullable JsonNode wrong(Attribute a, JsonNode v, String path, Issues issues) {
    issues.value(Values.mismatch(a, v, path));
    return null;
  }

  // ---------------------------------------------------------------- checks against the result

  private static void checkRequired(ResourceType type, Doc doc, Issues issues) {
    required(type.schema(), doc.core, "", issues);
    for (SchemaExtension e : type.extensions()) {
      Map<Attribute, JsonNode> m = doc.ext.get(e.schema());
      if (m == null || m.isEmpty()) {
        if (e.required()) {
          issues.value(
              "the extension "
                  + e.schema().id()
                  + " is required for "
                  + type.name()
                  + " resources");
        }
        continue;
      }
      required(e.schema(), m, e.schema().id() + ":", issues);
    }
  }

  private static void required(
      Schema s, Map<Attribute, JsonNode> values, String prefix, Issues issues) {
    for (Attribute a : s.attributes()) {
      JsonNode v = values.get(a);
      if (v == null) {
        if (a.required() && a.mutability() != Mutability.READ_ONLY) {
          issues.value("required attribute '" + prefix + a.name() + "' is missing");
        }
      } else if (a.isComplex() && a.mutability() != Mutability.READ_ONLY) {
        if (v.isArray()) {
          for (JsonNode el : v) {
            requiredSubs(a, el, prefix, issues);
          }
        } else {
          requiredSubs(a, v, prefix, issues);
        }
      }
    }
  }

  /** Checked on the result, after immutable values are carried over from the current resource. */
  private static void requiredSubs(Attribute a, JsonNode value, String prefix, Issues issues) {
    for (Attribute sub : a.subAttributes()) {
      if (sub.required() && sub.mutability() != Mutability.READ_ONLY && !value.has(sub.name())) {
        issues.value(
            "required sub-attribute '" + prefix + a.name() + "." + sub.name() + "' is missing");
      }
    }
  }

  /**
   * Identifiers ({@link Precis#appliesTo}: {@code userName}, and unique, not caseExact strings of
   * custom schemas) must be what PRECIS's IdentifierClass allows (RFC 8264 §4.2, RFC 8265 §3.3;
   * docs/decisions/0013-identifier-keys.md), so that no invisible or look-alike character makes a
   * second account of one name. A value {@code current} already holds is kept as it is: it was
   * accepted before this rule, and an unrelated change (Okta's {@code active: false}) must not fail
   * on it.
   */
  private static void checkIdentifiers(
      ResourceType type, Doc doc, @Nullable ObjectNode current, Issues issues) {
    for (Schema s : type.allSchemas()) {
      Map<Attribute, JsonNode> values = s == type.schema() ? doc.core : doc.ext.get(s);
      if (values == null) {
        continue;
      }
      JsonNode held =
          current == null
              ? null
              : s == type.schema() ? current : CaseInsensitive.get(current, s.id());
      for (Attribute a : s.attributes()) {
        JsonNode v = values.get(a);
        if (v == null || !Precis.appliesTo(a)) {
          continue;
        }
        String path = s == type.schema() ? a.name() : s.id() + ":" + a.name();
        for (JsonNode one : v.isArray() ? v : List.of(v)) {
          if (!one.isTextual() || (a.required() && one.textValue().isBlank())) {
            continue; // a blank required value is reported as such
          }
          String why = Precis.problem(one.textValue());
          if (why != null && !holds(held, a, one.textValue())) {
            issues.value(
                "'"
                    + path
                    + "' "
                    + ScimException.quote(one.textValue())
                    + " is not a valid identifier (PRECIS, RFC 8264 §4.2): "
                    + why);
          }
        }
      }
    }
  }

  /** Whether {@code holder} (a resource or extension object) has {@code text} as a value of a. */
  private static boolean holds(@Nullable JsonNode holder, Attribute a, String text) {
    JsonNode v = holder == null ? null : CaseInsensitive.get(holder, a.name());
    if (v == null) {
      return false;
    }
    for (JsonNode one : v.isArray() ? v : List.of(v)) {
      if (one.isTextual() && one.textValue().equals(text)) {
        return true;
      }
    }
    return false;
  }

  /** Copies {@code current}'s readOnly attributes: the client cannot set them, nor clear them. */
  private static void keepReadOnly(ResourceType type, ObjectNode current, Doc doc) {
    for (Schema s : type.allSchemas()) {
      JsonNode obj = s == type.schema() ? current : CaseInsensitive.get(current, s.id());
      if (!(obj instanceof ObjectNode)) {
        continue;
      }
      for (Attribute a : s.attributes()) {
        if (a.mutability() == Mutability.READ_ONLY) {
          JsonNode cur = present(CaseInsensitive.get(obj, a.name()));
          if (cur != null) {
            doc.values(type, s).put(a, cur.deepCopy());
          }
        }
      }
    }
  }

  /**
   * Copies {@code current}'s writeOnly values the body omits. A client never reads them back (RFC
   * 7643 §7), so it cannot echo them in a PUT: Okta updates profiles by PUT without the password,
   * and that must not clear it. A value in the body replaces it as usual.
   */
  private static void keepWriteOnly(ResourceType type, ObjectNode current, Doc doc) {
    for (Schema s : type.allSchemas()) {
      JsonNode obj = s == type.schema() ? current : CaseInsensitive.get(current, s.id());
      if (!(obj instanceof ObjectNode)) {
        continue;
      }
      for (Attribute a : s.attributes()) {
        if (a.mutability() == Mutability.WRITE_ONLY) {
          JsonNode cur = present(CaseInsensitive.get(obj, a.name()));
          if (cur != null) {
            doc.values(type, s).putIfAbsent(a, cur.deepCopy());
          }
        }
      }
    }
  }

  /**
   * RFC 7643 §7 immutable: may be set when {@code current} has no value, never changed. With {@code
   * keepOmitted} (PUT) an omitted value keeps {@code current}'s; without (PATCH) omitting it is a
   * removal, which is a change.
   */
  private static void keepImmutable(
      ResourceType type, ObjectNode current, Doc doc, boolean keepOmitted, Issues issues) {
    for (Schema s : type.allSchemas()) {
      JsonNode obj = s == type.schema() ? current : CaseInsensitive.get(current, s.id());
      if (!(obj instanceof ObjectNode)) {
        continue;
      }
      String prefix = s == type.schema() ? "" : s.id() + ":";
      for (Attribute a : s.attributes()) {
        if (a.mutability() == Mutability.IMMUTABLE) {
          JsonNode cur = present(CaseInsensitive.get(obj, a.name()));
          if (cur == null) {
            continue;
          }
          Map<Attribute, JsonNode> m = doc.values(type, s);
          JsonNode next = m.get(a);
          if (next == null) {
            if (keepOmitted) {
              m.put(a, cur.deepCopy());
            } else {
              issues.mutability("'" + prefix + a.name() + "' is immutable and cannot be removed");
            }
          } else if (!same(a, cur, next)) {
            issues.mutability(
                "'" + prefix + a.name() + "' is immutable: it is already set and cannot change");
          }
        } else if (a.isComplex() && !a.multiValued() && hasImmutableSub(a)) {
          // Each value of a multi-valued attribute is a whole (members): only single-valued
          // complex attributes have sub-attributes to compare.
          if (!(CaseInsensitive.get(obj, a.name()) instanceof ObjectNode cur)) {
            continue;
          }
          Map<Attribute, JsonNode> m = doc.values(type, s);
          JsonNode next = m.get(a);
          ObjectNode merged = next instanceof ObjectNode o ? o : F.objectNode();
          for (Attribute sub : a.subAttributes()) {
            if (sub.mutability() != Mutability.IMMUTABLE) {
              continue;
            }
            JsonNode cs = present(CaseInsensitive.get(cur, sub.name()));
            if (cs == null) {
              continue;
            }
            JsonNode ns = merged.get(sub.name());
            String path = prefix + a.name() + "." + sub.name();
            if (ns == null) {
              if (keepOmitted) {
                merged.set(sub.name(), cs.deepCopy());
              } else {
                issues.mutability("'" + path + "' is immutable and cannot be removed");
              }
            } else if (!same(sub, cs, ns)) {
              issues.mutability("'" + path + "' is immutable: it is already set and cannot change");
            }
          }
          if (next == null && !merged.isEmpty()) {
            m.put(a, merged);
          }
        }
      }
    }
  }

  private static boolean hasImmutableSub(Attribute a) {
    for (Attribute sub : a.subAttributes()) {
      if (sub.mutability() == Mutability.IMMUTABLE) {
        return true;
      }
    }
    return false;
  }

  /**
   * Equal as SCIM values: strings as the attribute compares them ({@link Values#comparable}),
   * multi-valued ignoring order.
   */
  static boolean same(Attribute a, JsonNode x, JsonNode y) {
    if (a.multiValued() && x.isArray() && y.isArray()) {
      if (x.size() != y.size()) {
        return false;
      }
      outer:
      for (JsonNode xe : x) {
        for (JsonNode ye : y) {
          if (sameOne(a, xe, ye)) {
            continue outer;
          }
        }
        return false;
      }
      return true;
    }
    return sameOne(a, x, y);
  }

  private static boolean sameOne(Attribute a, JsonNode x, JsonNode y) {
    if (a.type() == AttributeType.COMPLEX && x.isObject() && y.isObject()) {
      for (Attribute sub : a.subAttributes()) {
        if (sub.mutability() == Mutability.READ_ONLY) {
          continue; // not the client's to set: not part of the value's identity here
        }
        JsonNode xs = present(CaseInsensitive.get(x, sub.name()));
        JsonNode ys = present(CaseInsensitive.get(y, sub.name()));
        if (xs == null || ys == null) {
          if (xs != ys) {
            return false;
          }
        } else if (!same(sub, xs, ys)) {
          return false;
        }
      }
      return true;
    }
    if (x.isTextual() && y.isTextual()) {
      return Values.comparable(a, x.textValue()).equals(Values.comparable(a, y.textValue()));
    }
    if (x.isNumber() && y.isNumber()) {
      return x.decimalValue().compareTo(y.decimalValue()) == 0;
    }
    return x.equals(y);
  }

  /** Null when unassigned (absent, null, or an empty array: RFC 7643 §2.5). */
  private static @Nullable JsonNode present(@Nullable JsonNode v) {
    if (v == null || v.isNull() || (v.isArray() && v.isEmpty())) {
      return null;
    }
    return v;
  }

  // ---------------------------------------------------------------- state

  /** The canonical values read so far, by attribute definition (identity: the registry's). */
  private static final class Doc {
    final Map<Attribute, JsonNode> core = new IdentityHashMap<>();
    final Map<Schema, Map<Attribute, JsonNode>> ext = new IdentityHashMap<>();

    Map<Attribute, JsonNode> values(ResourceType type, Schema s) {
      return s == type.schema() ? core : ext.computeIfAbsent(s, k -> new IdentityHashMap<>());
    }

    ObjectNode write(ResourceType type) {
      ObjectNode out = F.objectNode();
      JsonNode externalId = core.get(CommonAttributes.EXTERNAL_ID);
      if (externalId != null) {
        out.set(CommonAttributes.EXTERNAL_ID.name(), externalId);
      }
      writeAll(type.schema(), core, out);
      for (SchemaExtension e : type.extensions()) {
        Map<Attribute, JsonNode> m = ext.get(e.schema());
        if (m != null && !m.isEmpty()) {
          writeAll(e.schema(), m, out.putObject(e.schema().id()));
        }
      }
      return out;
    }

    private static void writeAll(Schema s, Map<Attribute, JsonNode> values, ObjectNode out) {
      for (Attribute a : s.attributes()) {
        JsonNode v = values.get(a);
        if (v != null) {
          out.set(a.name(), v);
        }
      }
    }
  }

  /** Issues by kind, reported together with the most severe kind's scimType. */
  private static final class Issues {
    private final List<String> syntax = new ArrayList<>();
    private final List<String> value = new ArrayList<>();
    private final List<String> mutability = new ArrayList<>();

    void syntax(String s) {
      syntax.add(s);
    }

    void value(String s) {
      value.add(s);
    }

    void mutability(String s) {
      mutability.add(s);
    }

    void throwIfAny() {
      if (syntax.isEmpty() && value.isEmpty() && mutability.isEmpty()) {
        return;
      }
      List<String> all = new ArrayList<>(syntax.size() + value.size() + mutability.size());
      all.addAll(syntax);
      all.addAll(value);
      all.addAll(mutability);
      String detail = String.join("; ", all);
      if (!syntax.isEmpty()) {
        throw ScimException.invalidSyntax(detail);
      }
      if (!value.isEmpty()) {
        throw ScimException.invalidValue(detail);
      }
      throw ScimException.mutability(detail);
    }
  }
}
