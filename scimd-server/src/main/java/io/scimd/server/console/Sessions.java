package io.scimd.server.console;

import io.scimd.server.clients.Tokens;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The console's signed-in sessions, held in this node's memory: a random session id in an {@code
 * HttpOnly} cookie names one, the map keeps only the id's hash (a heap dump shows no usable
 * cookie). A session ends when signed out, after {@link #IDLE} without a request, and at the latest
 * {@link #ABSOLUTE} after sign-in. A restart signs everyone out; on several nodes a browser signs
 * in on each (the console is an operator's tool, not a public site).
 */
final class Sessions {
  /** How long a session lives without a request. */
  static final Duration IDLE = Duration.ofMinutes(30);

  /** How long a session lives at most. */
  static final Duration ABSOLUTE = Duration.ofHours(8);

  /** The most sessions kept; signing in beyond that drops the expired ones, then the oldest. */
  static final int MAX = 10_000;

  private static final SecureRandom RANDOM = new SecureRandom();

  /**
   * One signed-in person or token.
   *
   * @param tenant the tenant the pages show
   * @param principalId who acts, as the journal records it (a client's id, or an OIDC subject)
   * @param principalName the name pages show
   * @param credential the hash of the credential it signed in with, looked at again on every
   *     request: a revoked or expired one ends the session
   * @param csrf the token every form of this session posts back
   * @param ends when it ends at the latest, however busy: {@link #ABSOLUTE} after sign-in, or
   *     sooner for a session whose sign-in is to be made again (OIDC, {@link OidcSignIn#LIFETIME})
   */
  record Session(
      String tenant,
      String principalKind,
      String principalId,
      String principalName,
      String credential,
      String csrf,
      Instant started,
      Instant lastSeen,
      Instant ends) {

    Session seen(Instant now) {
      return new Session(
          tenant, principalKind, principalId, principalName, credential, csrf, started, now, ends);
    }

    /** Whether {@code given} is this session's CSRF token, compared in constant time. */
    boolean csrfMatches(@Nullable String given) {
      return given != null && Sessions.constantTimeEquals(csrf, given);
    }
  }

  private final ConcurrentHashMap<String, Session> byHash = new ConcurrentHashMap<>();
  private final InstantSource clock;

  Sessions(InstantSource clock) {
    this.clock = clock;
  }

  /** Starts a session and answers its id, the cookie's value (shown to nobody else). */
  String start(
      String tenant,
      String principalKind,
      String principalId,
      String principalName,
      String credential) {
    return start(tenant, principalKind, principalId, principalName, credential, ABSOLUTE);
  }

  /**
   * Starts a session that ends at the latest {@code lifetime} after now (never later than {@link
   * #ABSOLUTE}) and answers its id.
   */
  String start(
      String tenant,
      String principalKind,
      String principalId,
      String principalName,
      String credential,
      Duration lifetime) {
    if (byHash.size() >= MAX) {
      sweep();
    }
    String id = random();
    Instant now = clock.instant();
    byHash.put(
        Tokens.hash(id),
        new Session(
            tenant,
            principalKind,
            principalId,
            principalName,
            credential,
            random(),
            now,
            now,
            now.plus(lifetime.compareTo(ABSOLUTE) < 0 ? lifetime : ABSOLUTE)));
    return id;
  }

  /** The live session of the cookie value {@code id}, its idle time renewed; empty otherwise. */
  Optional<Session> find(@Nullable String id) {
    if (id == null || id.isEmpty() || id.length() > 100) {
      return Optional.empty();
    }
    String key = Tokens.hash(id);
    Instant now = clock.instant();
    Session s = byHash.get(key);
    if (s == null) {
      return Optional.empty();
    }
    if (expired(s, now)) {
      byHash.remove(key, s);
      return Optional.empty();
    }
    Session renewed = s.seen(now);
    byHash.replace(key, s, renewed);
    return Optional.of(renewed);
  }

  /** Ends the session of the cookie value {@code id}, if any. */
  void end(@Nullable String id) {
    if (id != null && !id.isEmpty() && id.length() <= 100) {
      byHash.remove(Tokens.hash(id));
    }
  }

  int size() {
    return byHash.size();
  }

  private boolean expired(Session s, Instant now) {
    return !now.isBefore(s.lastSeen().plus(IDLE)) || !now.isBefore(s.ends());
  }

  private void sweep() {
    Instant now = clock.instant();
    byHash.entrySet().removeIf(e -> expired(e.getValue(), now));
    while (byHash.size() >= MAX) {
      byHash.entrySet().stream()
          .min((a, b) -> a.getValue().started().compareTo(b.getValue().started()))
          .ifPresent(e -> byHash.remove(e.getKey(), e.getValue()));
    }
  }

  /** 256 random bits, base64url without padding. */
  static String random() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  static boolean constantTimeEquals(String a, String b) {
    return MessageDigest.isEqual(
        a.getBytes(java.nio.charset.StandardCharsets.UTF_8),
        b.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }
}
