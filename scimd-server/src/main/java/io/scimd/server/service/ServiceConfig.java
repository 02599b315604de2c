package io.scimd.server.service;

import io.scimd.core.resource.UnknownAttributePolicy;
import io.scimd.store.ScanLimits;

/**
 * The protocol limits and policies the service enforces and {@code /ServiceProviderConfig}
 * publishes, so the two can never disagree.
 *
 * @param defaultPageSize count when a list request gives none
 * @param maxPageSize larger counts are capped to this (RFC 7644 §3.4.2.4)
 * @param bulkMaxOperations more operations in one bulk request answer 413
 * @param maxPayloadSize bytes; a larger request body answers 413 (bulk and every other request)
 * @param unknownAttributes what happens to attributes no schema defines
 * @param maxQueryCandidates the most resources one query may examine one by one when the store
 *     cannot answer its filter or sort from an index; more answer 400 {@code tooMany} ({@link
 *     ScanLimits}). Not published: {@code filter.maxResults} is the most resources a response
 *     returns (RFC 7643 §5), which is {@code maxPageSize}
 * @param maxConcurrentEvaluations how many such queries with many candidates may run at once on
 *     this node; another answers 503 with {@code Retry-After}
 */
public record ServiceConfig(
    int defaultPageSize,
    int maxPageSize,
    int bulkMaxOperations,
    int maxPayloadSize,
    UnknownAttributePolicy unknownAttributes,
    int maxQueryCandidates,
    int maxConcurrentEvaluations) {

  public static final ServiceConfig DEFAULTS =
      new ServiceConfig(100, 1000, 1000, 1_048_576, UnknownAttributePolicy.REJECT);

  /**
   * @throws IllegalArgumentException for a query limit below 1
   */
  public ServiceConfig {
    if (maxQueryCandidates < 1) {
      throw new IllegalArgumentException(
          "the most query candidates must be at least 1, not " + maxQueryCandidates);
    }
    if (maxConcurrentEvaluations < 1) {
      throw new IllegalArgumentException(
          "the most concurrent query evaluations must be at least 1, not "
              + maxConcurrentEvaluations);
    }
  }

  /**
   * With the default query limits ({@link ScanLimits#DEFAULT_MAX_CANDIDATES}, {@link
   * ScanLimits#defaultConcurrency()}).
   */
  public ServiceConfig(
      int defaultPageSize,
      int maxPageSize,
      int bulkMaxOperations,
      int maxPayloadSize,
      UnknownAttributePolicy unknownAttributes) {
    this(
        defaultPageSize,
        maxPageSize,
        bulkMaxOperations,
        maxPayloadSize,
        unknownAttributes,
        ScanLimits.DEFAULT_MAX_CANDIDATES,
        ScanLimits.defaultConcurrency());
  }

  /** This configuration with other query limits. */
  public ServiceConfig withQueryLimits(int maxQueryCandidates, int maxConcurrentEvaluations) {
    return new ServiceConfig(
        defaultPageSize,
        maxPageSize,
        bulkMaxOperations,
        maxPayloadSize,
        unknownAttributes,
        maxQueryCandidates,
        maxConcurrentEvaluations);
  }
}
