package io.scimd.sync;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals the secrets of targets (bearer tokens, OAuth client secrets, webhook secrets) before they
 * reach the store, with AES-256-GCM under a key the store never holds: someone who reads the
 * database, or a backup of it, does not learn them. Every node that delivers needs the same key.
 * Sealed form: a version byte, the 12-byte nonce, the ciphertext with its tag; the tenant and
 * target name are bound as associated data, so a sealed value cannot be moved to another target.
 */
public final class SecretBox {
  /** The length of a key, in bytes. */
  public static final int KEY_BYTES = 32;

  private static final byte VERSION = 1;
  private static final int NONCE_BYTES = 12;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SecretKeySpec key;

  public SecretBox(byte[] key) {
    if (key.length != KEY_BYTES) {
      throw new IllegalArgumentException("a hub key is " + KEY_BYTES + " bytes");
    }
    this.key = new SecretKeySpec(key.clone(), "AES");
  }

  /** A new random key. */
  public static byte[] newKey() {
    byte[] k = new byte[KEY_BYTES];
    RANDOM.nextBytes(k);
    return k;
  }

  public byte[] seal(byte[] plain, String context) {
    byte[] nonce = new byte[NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
      c.updateAAD(context.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      byte[] sealed = c.doFinal(plain);
      return ByteBuffer.allocate(1 + NONCE_BYTES + sealed.length)
          .put(VERSION)
          .put(nonce)
          .put(sealed)
          .array();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is part of every JDK", e);
    }
  }

  /**
   * @throws IllegalArgumentException when the value was sealed under another key or context (the
   *     nodes do not share one hub key), or is not a sealed value
   */
  public byte[] open(byte[] sealed, String context) {
    if (sealed.length < 1 + NONCE_BYTES + 16 || sealed[0] != VERSION) {
      throw new IllegalArgumentException("not a value sealed by scimd's hub");
    }
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, sealed, 1, NONCE_BYTES));
      c.updateAAD(context.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return c.doFinal(sealed, 1 + NONCE_BYTES, sealed.length - 1 - NONCE_BYTES);
    } catch (AEADBadTagException e) {
      throw new IllegalArgumentException(
          "the target's secrets were sealed with another hub key: give every node the same"
              + " --hub-key, or save the target's secrets again");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is part of every JDK", e);
    }
  }
}
