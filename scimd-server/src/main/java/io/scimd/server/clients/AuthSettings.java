package io.scimd.server.clients;

import io.scimd.server.limits.Rate;

/**
 * How clients authenticate: the rules {@link ClientAdmin} applies to their credentials.
 *
 * @param maxTokensPerClient the most live bearer tokens (and, separately, client secrets) one
 *     client may hold, the ones a rotation is phasing out included
 * @param authFailureLimit how many failed authentications one client address may make before its
 *     requests without a known token answer 429 ({@link Rate#OFF}: never)
 */
public record AuthSettings(int maxTokensPerClient, Rate authFailureLimit) {
  public static final AuthSettings DEFAULTS =
      new AuthSettings(ClientAdmin.DEFAULT_MAX_LIVE, Rate.DEFAULT_AUTH_FAILURES);

  /**
   * @throws IllegalArgumentException with a message for the operator when a value is unusable
   */
  public AuthSettings {
    if (maxTokensPerClient < 1 || maxTokensPerClient > 100) {
      throw new IllegalArgumentException(
          "--max-tokens-per-client must be between 1 and 100, not " + maxTokensPerClient);
    }
  }
}
