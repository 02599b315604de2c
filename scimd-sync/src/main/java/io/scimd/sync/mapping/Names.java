package io.scimd.sync.mapping;

import io.scimd.core.schema.EditDistance;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** "Did you mean": the closest of the names a schema knows to a name it does not. */
final class Names {
  private Names() {}

  /**
   * The candidate nearest to {@code given} by edit distance over lower-cased text, when it is near
   * enough to be a typo (at most about a third of the name's letters wrong, and at least one
   * right); null otherwise.
   */
  static @Nullable String closest(String given, Iterable<String> candidates) {
    String g = given.toLowerCase(Locale.ROOT);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String c : candidates) {
      int d = EditDistance.levenshtein(g, c.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        best = c;
        bestDistance = d;
      }
    }
    int allowed = Math.max(1, Math.min(g.length() - 1, (g.length() + 2) / 3));
    return best != null && bestDistance <= allowed ? best : null;
  }
}
