package io.scimd.server.clients;

import io.scimd.store.Credentials.Kind;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.zip.CRC32;

/**
 * The secrets scimd issues: bearer tokens ({@code scimd_...}) and OAuth client secrets ({@code
 * scimds_...}). Each is a recognisable prefix, 40 random base62 characters (238 bits) and a 6
 * character base62 CRC32 of the rest, as GitHub's {@code ghp_} tokens are: a secret scanner finds a
 * leaked one by its prefix and tells it from a look-alike by its checksum ({@code
 * scimds?_[0-9A-Za-z]{46}}), and scimd refuses a mistyped one without asking the database.
 *
 * <p>Stored only as their SHA-256 (hex). A plain hash is enough here because the secret has 238
 * bits of entropy: there is nothing to brute-force, and lookup by hash makes verification
 * independent of the secret's bytes. Tokens of other shapes still authenticate by their hash: those
 * issued before this format, and a {@code SCIMD_BOOTSTRAP_TOKEN} an operator chose.
 */
public final class Tokens {
  /** The shortest bootstrap token accepted: 32 characters, about 190 bits as base64url. */
  public static final int MIN_LENGTH = 32;

  /** The prefix of a bearer token. */
  public static final String BEARER_PREFIX = "scimd_";

  /** The prefix of an OAuth client secret. */
  public static final String SECRET_PREFIX = "scimds_";

  private static final String BASE62 =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  private static final int RANDOM_CHARS = 40;
  private static final int CHECKSUM_CHARS = 6;
  private static final int HINT_CHARS = 4;
  private static final SecureRandom RANDOM = new SecureRandom();

  private Tokens() {}

  /** A new bearer token. */
  public static String generate() {
    return generate(Kind.BEARER);
  }

  /** A new secret of that kind: prefix, random part, checksum. */
  public static String generate(Kind kind) {
    StringBuilder b = new StringBuilder(prefix(kind));
    for (int i = 0; i < RANDOM_CHARS; i++) {
      b.append(BASE62.charAt(RANDOM.nextInt(BASE62.length())));
    }
    return b.append(checksum(b)).toString();
  }

  /** {@code scimd_} or {@code scimds_}. */
  public static String prefix(Kind kind) {
    return kind == Kind.BEARER ? BEARER_PREFIX : SECRET_PREFIX;
  }

  /**
   * Whether {@code token} may be a secret scimd issued or was given: false only for a token with
   * scimd's prefix whose shape or checksum is wrong (a typo, a truncated paste, a forgery), which
   * no stored hash can match.
   */
  public static boolean plausible(String token) {
    String prefix =
        token.startsWith(SECRET_PREFIX)
            ? SECRET_PREFIX
            : token.startsWith(BEARER_PREFIX) ? BEARER_PREFIX : null;
    if (prefix == null) {
      return true;
    }
    if (token.length() != prefix.length() + RANDOM_CHARS + CHECKSUM_CHARS) {
      return false;
    }
    for (int i = prefix.length(); i < token.length(); i++) {
      if (BASE62.indexOf(token.charAt(i)) < 0) {
        return false;
      }
    }
    int split = token.length() - CHECKSUM_CHARS;
    return checksum(token.substring(0, split)).equals(token.substring(split));
  }

  /**
   * What a listing shows of a secret: its prefix and the first few random characters, enough to
   * tell tokens apart, far too little to use.
   */
  public static String hint(String token) {
    String prefix =
        token.startsWith(SECRET_PREFIX)
            ? SECRET_PREFIX
            : token.startsWith(BEARER_PREFIX) ? BEARER_PREFIX : "";
    int end = Math.min(token.length() / 4, prefix.length() + HINT_CHARS);
    return token.substring(0, Math.max(end, 0)) + "...";
  }

  /** The stored form of {@code token}: lower-case hex SHA-256 of its UTF-8 bytes. */
  public static String hash(String token) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  private static String checksum(CharSequence text) {
    CRC32 crc = new CRC32();
    crc.update(text.toString().getBytes(StandardCharsets.US_ASCII));
    long v = crc.getValue();
    char[] out = new char[CHECKSUM_CHARS];
    for (int i = CHECKSUM_CHARS - 1; i >= 0; i--) {
      out[i] = BASE62.charAt((int) (v % 62));
      v /= 62;
    }
    return new String(out);
  }
}
