package io.scimd.server.service;

import io.scimd.core.error.ScimException;
import io.scimd.core.filter.Filter;
import io.scimd.core.path.AttrPath;
import io.scimd.core.schema.ResolvedPath;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.Returned;
import org.jspecify.annotations.Nullable;

/**
 * Which attributes a filter may name on a resource type, and what a filter means on one type of a
 * search across all types. A filter may name only attributes the type defines, and none that is
 * never returned (a password hash must not be probed by {@code password sw "$"}): either answers
 * 400 {@code invalidFilter}.
 */
final class FilterRules {
  private FilterRules() {}

  /** A filter restricted to one resource type: constantly true, constantly false, or a filter. */
  sealed interface Scoped {
    record Always() implements Scoped {}

    record Never() implements Scoped {}

    record Of(Filter filter) implements Scoped {}
  }

  private static final Scoped ALWAYS = new Scoped.Always();
  private static final Scoped NEVER = new Scoped.Never();

  /**
   * {@code f} as it evaluates on resources of {@code type} in a search across types: RFC 7644
   * §3.4.2.1 says "for filtered attributes that are not part of a particular resource type, the
   * service provider SHALL treat the attribute as if there is no attribute value", so a comparison
   * or presence test on such an attribute is false, and {@code or}/{@code not} around it still
   * select that type's resources. An attribute the type defines but never returns is still refused.
   *
   * @throws ScimException 400 {@code invalidFilter} naming a never-returned attribute of the type
   */
  static Scoped scope(ResourceType type, Filter f) {
    return scope(type, f, null);
  }

  private static Scoped scope(ResourceType type, Filter f, @Nullable AttrPath parent) {
    return switch (f) {
      case Filter.Compare c -> defined(type, c.path(), parent) ? new Scoped.Of(c) : NEVER;
      case Filter.Present p -> defined(type, p.path(), parent) ? new Scoped.Of(p) : NEVER;
      case Filter.And a -> {
        Scoped l = scope(type, a.left(), parent);
        Scoped r = scope(type, a.right(), parent);
        if (l instanceof Scoped.Never || r instanceof Scoped.Never) {
          yield NEVER;
        }
        if (l instanceof Scoped.Of lf && r instanceof Scoped.Of rf) {
          yield new Scoped.Of(new Filter.And(lf.filter(), rf.filter()));
        }
        yield l instanceof Scoped.Always ? r : l;
      }
      case Filter.Or o -> {
        Scoped l = scope(type, o.left(), parent);
        Scoped r = scope(type, o.right(), parent);
        if (l instanceof Scoped.Always || r instanceof Scoped.Always) {
          yield ALWAYS;
        }
        if (l instanceof Scoped.Of lf && r instanceof Scoped.Of rf) {
          yield new Scoped.Of(new Filter.Or(lf.filter(), rf.filter()));
        }
        yield l instanceof Scoped.Never ? r : l;
      }
      case Filter.Not n ->
          switch (scope(type, n.inner(), parent)) {
            case Scoped.Always always -> NEVER;
            case Scoped.Never never -> ALWAYS;
            case Scoped.Of of -> new Scoped.Of(new Filter.Not(of.filter()));
          };
      case Filter.ValuePath v -> {
        if (!defined(type, v.path(), null)) {
          yield NEVER;
        }
        yield switch (scope(type, v.filter(), v.path())) {
          case Scoped.Never never -> NEVER;
          // Some value matches a condition that holds for every value: the attribute has a value.
          case Scoped.Always always -> new Scoped.Of(new Filter.Present(v.path()));
          case Scoped.Of of -> new Scoped.Of(new Filter.ValuePath(v.path(), of.filter()));
        };
      }
    };
  }

  /** Whether {@code type} defines the path; a defined but never-returned one is refused. */
  private static boolean defined(ResourceType type, AttrPath path, @Nullable AttrPath parent) {
    AttrPath full =
        parent == null ? path : new AttrPath(parent.schema(), parent.attribute(), path.attribute());
    if (type.resolve(full).isEmpty()) {
      return false;
    }
    checkPath(type, path, parent);
    return true;
  }

  /**
   * Refuses a filter that names an attribute of no schema of the type, or one that is never
   * returned.
   *
   * @throws ScimException 400 {@code invalidFilter}
   */
  static void checkFilterable(ResourceType type, Filter f) {
    checkFilterable(type, f, null);
  }

  private static void checkFilterable(ResourceType type, Filter f, @Nullable AttrPath parent) {
    switch (f) {
      case Filter.Compare c -> checkPath(type, c.path(), parent);
      case Filter.Present p -> checkPath(type, p.path(), parent);
      case Filter.And a -> {
        checkFilterable(type, a.left(), parent);
        checkFilterable(type, a.right(), parent);
      }
      case Filter.Or o -> {
        checkFilterable(type, o.left(), parent);
        checkFilterable(type, o.right(), parent);
      }
      case Filter.Not n -> checkFilterable(type, n.inner(), parent);
      case Filter.ValuePath v -> {
        checkPath(type, v.path(), null);
        checkFilterable(type, v.filter(), v.path());
      }
    }
  }

  /** Refuses one path of a filter, inside the value path {@code parent} when given. */
  private static void checkPath(ResourceType type, AttrPath path, @Nullable AttrPath parent) {
    AttrPath full =
        parent == null ? path : new AttrPath(parent.schema(), parent.attribute(), path.attribute());
    ResolvedPath r =
        type.resolve(full)
            .orElseThrow(
                () ->
                    ScimException.invalidFilter(
                        "the filter names "
                            + ScimException.quote(type.spell(full))
                            + ", which is no attribute of "
                            + type.name()));
    if ((r.attribute() != null && r.attribute().returned() == Returned.NEVER)
        || (r.sub() != null && r.sub().returned() == Returned.NEVER)) {
      throw ScimException.invalidFilter(
          "the filter names \""
              + type.spell(full)
              + "\", which is never returned and cannot be filtered on");
    }
  }
}
