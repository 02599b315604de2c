package io.scimd.core.filter;

import io.scimd.core.path.AttrPath;
import java.util.function.Function;

/**
 * Prints a {@link Filter} as text that {@link FilterParser#parse} reads back to an equal filter,
 * with each attribute path spelt by {@code names}: the canonical lower-case form for the core's own
 * use ({@link Filter#toString()}), the schema's spelling for a client talking to a server that
 * compares names case-sensitively despite RFC 7643 §2.1.
 */
public final class FilterPrinter {
  private FilterPrinter() {}

  public static String print(Filter filter, Function<AttrPath, String> names) {
    StringBuilder out = new StringBuilder();
    print(filter, names, out);
    return out.toString();
  }

  private static void print(Filter f, Function<AttrPath, String> names, StringBuilder out) {
    switch (f) {
      case Filter.Compare c ->
          out.append(names.apply(c.path()))
              .append(' ')
              .append(c.op().token())
              .append(' ')
              .append(c.value());
      case Filter.Present p -> out.append(names.apply(p.path())).append(" pr");
      case Filter.And a -> {
        grouped(a.left(), a.left() instanceof Filter.Or, names, out);
        out.append(" and ");
        grouped(
            a.right(),
            a.right() instanceof Filter.Or || a.right() instanceof Filter.And,
            names,
            out);
      }
      case Filter.Or o -> {
        print(o.left(), names, out);
        out.append(" or ");
        grouped(o.right(), o.right() instanceof Filter.Or, names, out);
      }
      case Filter.Not n -> {
        out.append("not (");
        print(n.inner(), names, out);
        out.append(')');
      }
      case Filter.ValuePath v -> {
        out.append(names.apply(v.path())).append('[');
        print(v.filter(), names, out);
        out.append(']');
      }
    }
  }

  private static void grouped(
      Filter f, boolean parenthesise, Function<AttrPath, String> names, StringBuilder out) {
    if (parenthesise) {
      out.append('(');
    }
    print(f, names, out);
    if (parenthesise) {
      out.append(')');
    }
  }
}
