package io.scimd.sync.mapping;

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
      int d = distance(g, c.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        best = c;
        bestDistance = d;
      }
    }
    int allowed = Math.max(1, Math.min(g.length() - 1, (g.length() + 2) / 3));
    return best != null && bestDistance <= allowed ? best : null;
  }

  /** Levenshtein distance, two rows. */
  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
