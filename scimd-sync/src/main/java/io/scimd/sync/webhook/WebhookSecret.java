package io.scimd.sync.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A Standard Webhooks signing secret: {@code whsec_} and the base64 of 24 to 64 random bytes. A
 * delivery is signed {@code v1,<base64 HMAC-SHA256(id.timestamp.body)>}; while a secret rotates the
 * old and the new one each sign it, and the receiver accepts either.
 */
public final class WebhookSecret {
  private static final String PREFIX = "whsec_";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final byte[] key;

  private WebhookSecret(byte[] key) {
    this.key = key.clone();
  }

  /**
   * Reads a secret in {@code whsec_<base64>} form.
   *
   * @throws IllegalArgumentException naming the rule it breaks (never repeating the secret)
   */
  public static WebhookSecret parse(String text) {
    if (!text.startsWith(PREFIX)) {
      throw new IllegalArgumentException(
          "a webhook secret starts with 'whsec_' followed by base64 (Standard Webhooks); leave it"
              + " out and scimd makes one");
    }
    byte[] key;
    try {
      key = Base64.getDecoder().decode(text.substring(PREFIX.length()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("a webhook secret's part after 'whsec_' must be base64");
    }
    if (key.length < 24 || key.length > 64) {
      throw new IllegalArgumentException(
          "a webhook secret must hold 24 to 64 bytes (it holds " + key.length + ")");
    }
    return new WebhookSecret(key);
  }

  /** A new random secret, in {@code whsec_} form. */
  public static String generate() {
    byte[] key = new byte[32];
    RANDOM.nextBytes(key);
    return PREFIX + Base64.getEncoder().encodeToString(key);
  }

  /** The {@code v1,...} signature of one delivery. */
  public String sign(String id, long timestamp, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
      return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  /** The {@code webhook-signature} header: one signature per secret, space-separated. */
  public static String header(List<WebhookSecret> secrets, String id, long timestamp, byte[] body) {
    StringBuilder out = new StringBuilder();
    for (WebhookSecret s : secrets) {
      if (!out.isEmpty()) {
        out.append(' ');
      }
      out.append(s.sign(id, timestamp, body));
    }
    return out.toString();
  }

  @Override
  public String toString() {
    return "WebhookSecret[redacted]";
  }
}
