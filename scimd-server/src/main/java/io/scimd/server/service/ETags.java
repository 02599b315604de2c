package io.scimd.server.service;

import io.scimd.core.resource.Meta;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Matching of {@code If-Match} / {@code If-None-Match} header values against a resource's version
 * (RFC 7644 §3.14, RFC 9110 §13.1). Forgiving on purpose: clients echo our weak tag {@code W/"7"}
 * as it is, strip the {@code W/}, or send a list; a tag matches when its opaque part equals the
 * version, whether weak or strong. {@code *} matches any existing resource.
 */
final class ETags {
  private ETags() {}

  static boolean matches(String header, Meta meta) {
    String current = Long.toString(meta.version());
    for (String part : header.split(",")) {
      String tag = part.trim();
      if (tag.equals("*")) {
        return true;
      }
      if (tag.toUpperCase(Locale.ROOT).startsWith("W/")) {
        tag = tag.substring(2).trim();
      }
      if (tag.length() >= 2 && tag.startsWith("\"") && tag.endsWith("\"")) {
        tag = tag.substring(1, tag.length() - 1);
      }
      if (tag.equals(current)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Throws 412 unless {@code ifMatch} is absent or matches (RFC 7644 §3.14), and 400 {@code
   * invalidValue} when it is empty: RFC 9110 §13.1.1 makes If-Match {@code *} or a list of
   * entity-tags, so an empty one names no version to check, and writing unchecked would drop the
   * client's precondition without a word.
   */
  static void checkIfMatch(@Nullable String ifMatch, String type, String id, Meta meta) {
    if (ifMatch != null && ifMatch.replace(",", "").isBlank()) {
      throw io.scimd.core.error.ScimException.invalidValue(
          "If-Match is empty: give the ETag the resource must have (such as W/\"3\"), or *, or leave"
              + " the header out");
    }
    if (ifMatch != null && !matches(ifMatch, meta)) {
      throw io.scimd.core.error.ScimException.preconditionFailed(
          type
              + " "
              + id
              + " is at version "
              + meta.etag()
              + ", not "
              + io.scimd.core.error.ScimException.quote(ifMatch.trim())
              + ": read it again and retry");
    }
  }
}
