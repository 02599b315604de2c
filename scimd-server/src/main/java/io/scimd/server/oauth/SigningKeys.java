package io.scimd.server.oauth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import io.scimd.store.OAuthRecords;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The keys that sign scimd's access tokens (ES256). Each node signs with a private key of its own,
 * kept in its data directory readable by its owner only, and publishes the public half in the store
 * ({@link OAuthRecords}): every node then verifies every node's tokens, and {@code /oauth/jwks}
 * lists them all. No private key is ever shared or stored in the database.
 *
 * <p>A key signs for {@code rotation}; the first token issued after that makes the next key (no
 * scheduler). A public key stays published for {@code rotation + tokenLifetime} after it was made:
 * no token it signed can be valid later, so older ones are pruned.
 */
final class SigningKeys {
  /** How often an unknown key id may send this node to the store for new keys. */
  private static final Duration RELOAD_AT_MOST_EVERY = Duration.ofSeconds(1);

  private final OAuthRecords records;
  private final Path file;
  private final Duration rotation;
  private final Duration tokenLifetime;
  private final InstantSource clock;
  private final Map<String, ECKey> published = new ConcurrentHashMap<>();
  private volatile Instant loaded = Instant.EPOCH;
  private @Nullable ECKey current;

  SigningKeys(
      OAuthRecords records,
      Path file,
      Duration rotation,
      Duration tokenLifetime,
      InstantSource clock) {
    this.records = records;
    this.file = file;
    this.rotation = rotation;
    this.tokenLifetime = tokenLifetime;
    this.clock = clock;
  }

  /** The key to sign with now: this node's, made anew when it has signed for {@code rotation}. */
  synchronized ECKey current() {
    Instant now = clock.instant();
    ECKey key = current;
    if (key == null) {
      key = read().orElse(null);
    }
    if (key == null || !made(key).plus(rotation).isAfter(now)) {
      key = generate(now);
      write(key);
    }
    if (current != key) {
      records.publishKey(key.getKeyID(), key.toPublicJWK().toJSONString(), made(key));
      records.pruneKeys(now.minus(rotation).minus(tokenLifetime).minus(tokenLifetime));
      published.put(key.getKeyID(), key.toPublicJWK());
      current = key;
    }
    return key;
  }

  /** The public key of {@code kid}, asking the store (at most once a second) when unknown. */
  Optional<ECKey> find(String kid) {
    ECKey key = published.get(kid);
    if (key == null && clock.instant().isAfter(loaded.plus(RELOAD_AT_MOST_EVERY))) {
      reload();
      key = published.get(kid);
    }
    if (key == null || !made(key).plus(rotation).plus(tokenLifetime).isAfter(clock.instant())) {
      return Optional.empty();
    }
    return Optional.of(key);
  }

  /** Every node's public keys that may have signed a token still valid: {@code /oauth/jwks}. */
  JWKSet jwks() {
    reload();
    Instant oldest = clock.instant().minus(rotation).minus(tokenLifetime);
    List<JWK> keys =
        published.values().stream()
            .filter(k -> made(k).isAfter(oldest))
            .sorted((a, b) -> made(a).compareTo(made(b)))
            .map(k -> (JWK) k)
            .toList();
    return new JWKSet(keys);
  }

  private void reload() {
    Instant now = clock.instant();
    for (OAuthRecords.PublishedKey k : records.keys(now.minus(rotation).minus(tokenLifetime))) {
      published.computeIfAbsent(
          k.kid(),
          kid -> {
            try {
              return ECKey.parse(k.jwk());
            } catch (ParseException e) {
              throw new IllegalStateException("a published signing key cannot be read: " + kid, e);
            }
          });
    }
    loaded = now;
  }

  private static Instant made(ECKey key) {
    Date iat = key.getIssueTime();
    return iat == null ? Instant.EPOCH : iat.toInstant();
  }

  private static ECKey generate(Instant now) {
    try {
      return new ECKeyGenerator(Curve.P_256)
          .keyID(UUID.randomUUID().toString())
          .keyUse(KeyUse.SIGNATURE)
          .algorithm(com.nimbusds.jose.JWSAlgorithm.ES256)
          .issueTime(Date.from(now))
          .generate();
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot make a signing key", e);
    }
  }

  private Optional<ECKey> read() {
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(ECKey.parse(Files.readString(file, StandardCharsets.UTF_8)));
    } catch (IOException | ParseException e) {
      throw new IllegalArgumentException(
          "the OAuth signing key "
              + file
              + " cannot be read ("
              + e.getMessage()
              + "); remove it and a new one is made",
          e);
    }
  }

  /** Writes the private key: a new file readable by its owner only, renamed into place. */
  private void write(ECKey key) {
    try {
      Path dir = file.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
      FileAttribute<?>[] ownerOnly =
          posix
              ? new FileAttribute<?>[] {
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))
              }
              : new FileAttribute<?>[0];
      Path tmp = Files.createTempFile(dir, ".oauth-signing", ".tmp", ownerOnly);
      try {
        Files.writeString(tmp, key.toJSONString(), StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the OAuth signing key " + file, e);
    }
  }
}
