package io.scimd.server.service;

import io.scimd.core.error.ScimException;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.Semaphore;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * One-way storage of the writeOnly {@code password} attribute (RFC 7643 §4.1.1: the service
 * provider should not store it in clear). The stored value is a salted PBKDF2-HMAC-SHA512 hash,
 * {@code $pbkdf2-sha512$<iterations>$<salt>$<hash>} (base64), kept under the same {@code password}
 * key: {@code returned: never} keeps it out of every response, and the service rejects filters and
 * sorts on returned-never attributes, so the hash can never be probed through a query.
 */
final class Passwords {
  /** The attribute that holds the password, and then its hash (RFC 7643 §4.1.1). */
  static final String ATTRIBUTE = "password";

  static final String PREFIX = "$pbkdf2-sha512$";
  // OWASP 2023 guidance for PBKDF2-HMAC-SHA512.
  private static final int ITERATIONS = 210_000;
  private static final SecureRandom RANDOM = new SecureRandom();

  /**
   * How many derivations run at once on this node: half the processors, at least one. A derivation
   * is a third of a second of CPU that never yields its carrier thread; requests run on virtual
   * threads, one carrier per core, so unbounded parallel hashing (two bulk requests full of
   * passwords) would stall every other request, {@code /health} included. Waiters unmount.
   */
  private static final Semaphore DERIVING =
      new Semaphore(Math.max(1, Runtime.getRuntime().availableProcessors() / 2), true);

  private Passwords() {}

  static boolean isHash(String s) {
    return s.startsWith(PREFIX);
  }

  static String hash(String clear) {
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    byte[] h = derive(clear, salt, ITERATIONS);
    Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
    return PREFIX + ITERATIONS + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(h);
  }

  /** Whether {@code clear} is the password behind {@code stored}; false for malformed hashes. */
  static boolean verify(String clear, String stored) {
    if (!isHash(stored)) {
      return false;
    }
    String[] parts = stored.substring(PREFIX.length()).split("\\$");
    if (parts.length != 3) {
      return false;
    }
    try {
      int iterations = Integer.parseInt(parts[0]);
      byte[] salt = Base64.getDecoder().decode(parts[1]);
      byte[] expected = Base64.getDecoder().decode(parts[2]);
      return java.security.MessageDigest.isEqual(expected, derive(clear, salt, iterations));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static byte[] derive(String clear, byte[] salt, int iterations) {
    try {
      DERIVING.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ScimException.unavailable("interrupted while waiting to hash a password");
    }
    try {
      PBEKeySpec spec = new PBEKeySpec(clear.toCharArray(), salt, iterations, 512);
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA512").generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("PBKDF2WithHmacSHA512 is part of every JDK", e);
    } finally {
      DERIVING.release();
    }
  }
}
