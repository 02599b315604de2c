package io.scimd.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Set;
import java.util.function.UnaryOperator;

/** The checks every {@link TargetType} makes of the settings it is given, with the same words. */
public final class Settings {
  private Settings() {}

  /**
   * Refuses a setting not in {@code known}, naming it and the ones there are.
   *
   * @param kind what the settings are of, for the message ({@code webhook}, {@code stream})
   * @param shown how an unknown name is shown (clipped, for names a caller may make long)
   */
  public static void onlyKnown(
      ObjectNode settings, Set<String> known, String kind, UnaryOperator<String> shown) {
    for (Iterator<String> it = settings.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!known.contains(f)) {
        throw new IllegalArgumentException(
            "unknown "
                + kind
                + " setting '"
                + shown.apply(f)
                + "': use "
                + String.join(", ", known.stream().sorted().toList()));
      }
    }
  }

  /** {@link #onlyKnown(ObjectNode, Set, String, UnaryOperator)} showing names as given. */
  public static void onlyKnown(ObjectNode settings, Set<String> known, String kind) {
    onlyKnown(settings, known, kind, UnaryOperator.identity());
  }

  /**
   * A whole number from 1 to {@code max}, or {@code dflt} when the setting is absent.
   *
   * @throws IllegalArgumentException naming the setting and the range
   */
  public static long positive(ObjectNode settings, String field, long dflt, long max) {
    JsonNode n = settings.get(field);
    if (n == null || n.isNull()) {
      return dflt;
    }
    if (!n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() < 1 || n.asLong() > max) {
      throw new IllegalArgumentException("'" + field + "' must be a whole number from 1 to " + max);
    }
    return n.asLong();
  }
}
