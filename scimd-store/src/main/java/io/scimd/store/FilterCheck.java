package io.scimd.store;

import io.scimd.core.error.ScimException;
import io.scimd.core.filter.Filter;
import io.scimd.core.path.AttrPath;
import io.scimd.core.schema.ResourceType;

/**
 * Rejects a filter naming an attribute the type does not have, before any resource is read, so a
 * bad filter fails even when nothing would match. Stands in until the core evaluator's own
 * {@code validate} is on main.
 */
final class FilterCheck {
  private FilterCheck() {}

  static void validate(Filter f, ResourceType type) {
    check(f, type, null);
  }

  private static void check(Filter f, ResourceType type, AttrPath parent) {
    switch (f) {
      case Filter.Compare c -> resolve(c.path(), type, parent);
      case Filter.Present p -> resolve(p.path(), type, parent);
      case Filter.And a -> {
        check(a.left(), type, parent);
        check(a.right(), type, parent);
      }
      case Filter.Or o -> {
        check(o.left(), type, parent);
        check(o.right(), type, parent);
      }
      case Filter.Not n -> check(n.inner(), type, parent);
      case Filter.ValuePath v -> {
        resolve(v.path(), type, null);
        check(v.filter(), type, v.path());
      }
    }
  }

  private static void resolve(AttrPath path, ResourceType type, AttrPath parent) {
    AttrPath full =
        parent == null ? path : parent.withSubAttribute(path.subAttribute() == null ? path.attribute() : path.subAttribute());
    if (type.resolve(full).isEmpty()) {
      throw ScimException.invalidFilter(
          "the filter names '" + path + "', which is no attribute of " + type.name());
    }
  }
}
