package io.scimd.server.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Bearer tokens: 32 random bytes, base64url; stored only as their SHA-256 (hex). A plain hash is
 * enough here because a generated token has 256 bits of entropy: there is nothing to brute-force,
 * and lookup by hash makes verification independent of the secret's bytes.
 */
public final class Tokens {
  /** The shortest bootstrap token accepted: 32 characters, about 190 bits as base64url. */
  public static final int MIN_LENGTH = 32;

  private static final SecureRandom RANDOM = new SecureRandom();

  private Tokens() {}

  /** A new random token. */
  public static String generate() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
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
}
