package io.scimd.store;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.jspecify.annotations.Nullable;

/**
 * The audit trail's canonical encodings: of a journal entry, hashed with SHA-256 into the per
 * tenant hash chain, and of a checkpoint, which is what an Ed25519 key signs
 * (docs/decisions/0009-audit-trail.md).
 *
 * <p>Version 1 of the encoding is a sequence of fields, each either a string, written as the 4-byte
 * big-endian length of its UTF-8 bytes followed by those bytes (an absent string is the length
 * {@code 0xFFFFFFFF} and no bytes), or a 64-bit number, written as 8 big-endian bytes. Lengths make
 * the encoding unambiguous: no two different entries encode to the same bytes, however their texts
 * are chosen. An entry encodes as
 *
 * <pre>
 *   "scimd.journal.v1", tenant, seq, at, principal, principal_name, source (absent: no address),
 *   request_id, resource_type, resource_id, kind, change, prev_hash
 * </pre>
 *
 * where {@code at} is the entry's epoch microseconds, {@code change} the exact JSON text the
 * journal stores, and {@code prev_hash} the lowercase hex hash of the entry before (64 zeros before
 * the first, {@link #GENESIS}). The entry's hash is the lowercase hex SHA-256 of these bytes. A
 * checkpoint encodes as
 *
 * <pre>
 *   "scimd.checkpoint.v1", tenant, seq, hash, at
 * </pre>
 *
 * where {@code hash} is the hash of entry {@code seq} and {@code at} the epoch microseconds of the
 * signature. The version strings keep an entry's bytes from ever being a valid checkpoint's, and
 * name the encoding, so a later one can be told apart.
 */
public final class AuditHash {
  /** The {@code prev_hash} of a tenant's first entry: 64 zeros. */
  public static final String GENESIS = "0".repeat(64);

  private static final byte[] ENTRY_V1 = "scimd.journal.v1".getBytes(StandardCharsets.UTF_8);
  private static final byte[] CHECKPOINT_V1 =
      "scimd.checkpoint.v1".getBytes(StandardCharsets.UTF_8);
  private static final HexFormat HEX = HexFormat.of();

  private AuditHash() {}

  /** The hash of entry {@code r} chained to {@code prevHash} (the stored one is not consulted). */
  public static String entry(AuditRecord r, String prevHash) {
    return entry(
        r.tenant(),
        r.seq(),
        r.at(),
        r.principal(),
        r.principalName(),
        r.source(),
        r.requestId(),
        r.resourceType(),
        r.resourceId(),
        r.kind(),
        r.change(),
        prevHash);
  }

  /** The hash of the entry with these columns, chained to {@code prevHash}. */
  public static String entry(
      String tenant,
      long seq,
      long at,
      String principal,
      String principalName,
      @Nullable String source,
      String requestId,
      String resourceType,
      String resourceId,
      String kind,
      String change,
      String prevHash) {
    MessageDigest d = sha256();
    Sink s = d::update;
    string(s, ENTRY_V1);
    string(s, tenant);
    number(s, seq);
    number(s, at);
    string(s, principal);
    string(s, principalName);
    string(s, source);
    string(s, requestId);
    string(s, resourceType);
    string(s, resourceId);
    string(s, kind);
    string(s, change);
    string(s, prevHash);
    return HEX.formatHex(d.digest());
  }

  /**
   * The bytes a checkpoint's signature signs: head {@code hash} of {@code tenant} at {@code seq}.
   */
  public static byte[] checkpoint(String tenant, long seq, String hash, long at) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(128);
    Sink s = out::write;
    string(s, CHECKPOINT_V1);
    string(s, tenant);
    number(s, seq);
    string(s, hash);
    number(s, at);
    return out.toByteArray();
  }

  /** The lowercase hex SHA-256 of {@code bytes}: how a public key is named (its key id). */
  public static String sha256Hex(byte[] bytes) {
    return HEX.formatHex(sha256().digest(bytes));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  /** Where encoded bytes go: a digest or a buffer. */
  private interface Sink {
    void write(byte[] b, int off, int len);
  }

  private static void string(Sink s, @Nullable String text) {
    string(s, text == null ? null : text.getBytes(StandardCharsets.UTF_8));
  }

  private static void string(Sink s, byte @Nullable [] utf8) {
    int len = utf8 == null ? -1 : utf8.length; // -1 is 0xFFFFFFFF: absent
    byte[] b = {(byte) (len >>> 24), (byte) (len >>> 16), (byte) (len >>> 8), (byte) len};
    s.write(b, 0, 4);
    if (utf8 != null) {
      s.write(utf8, 0, utf8.length);
    }
  }

  private static void number(Sink s, long n) {
    byte[] b = new byte[8];
    for (int i = 7; i >= 0; i--) {
      b[i] = (byte) n;
      n >>>= 8;
    }
    s.write(b, 0, 8);
  }
}
