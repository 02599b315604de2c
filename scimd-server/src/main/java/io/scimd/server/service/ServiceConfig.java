package io.scimd.server.service;

import io.scimd.core.filter.FilterParser;
import io.scimd.core.resource.UnknownAttributePolicy;
import io.scimd.server.limits.Rate;
import io.scimd.store.ScanLimits;

/**
 * The protocol limits and policies the service enforces and {@code /ServiceProviderConfig}
 * publishes, so the two can never disagree. Those SCIM has a field for are published there ({@code
 * bulk.maxOperations}, {@code bulk.maxPayloadSize}, {@code filter.maxResults}); the others in the
 * scimd extension {@link #LIMITS} of the same document.
 *
 * @param defaultPageSize count when a list request gives none
 * @param maxPageSize larger counts are capped to this (RFC 7644 §3.4.2.4); {@code
 *     filter.maxResults}
 * @param bulkMaxOperations more operations in one bulk request answer 413
 * @param maxPayloadSize bytes; a larger request body answers 413 (bulk and every other request)
 * @param unknownAttributes what happens to attributes no schema defines
 * @param maxQueryCandidates the most resources one query may examine one by one when the store
 *     cannot answer its filter or sort from an index; more answer 400 {@code tooMany} ({@link
 *     ScanLimits}). Not published: {@code filter.maxResults} is the most resources a response
 *     returns (RFC 7643 §5), which is {@code maxPageSize}
 * @param maxConcurrentEvaluations how many such queries with many candidates may run at once on
 *     this node; another answers 503 with {@code Retry-After}
 * @param maxFilterLength the most characters of a {@code filter} parameter; a longer one answers
 *     400 {@code invalidFilter}
 * @param maxFilterDepth the deepest a filter may nest parentheses, {@code not (...)} and value
 *     filters {@code [...]} ({@link FilterParser#nestingDepth}), at most {@link
 *     FilterParser#MAX_DEPTH}; deeper answers 400 {@code invalidFilter}
 * @param maxPatchOperations the most operations of one PATCH request (in a bulk operation too);
 *     more answer 413, as too many bulk operations do
 * @param rateLimit how many requests each client may send (enforced by the HTTP layer before the
 *     service sees the request; published here so that clients can pace themselves), or {@link
 *     Rate#OFF}
 */
public record ServiceConfig(
    int defaultPageSize,
    int maxPageSize,
    int bulkMaxOperations,
    int maxPayloadSize,
    UnknownAttributePolicy unknownAttributes,
    int maxQueryCandidates,
    int maxConcurrentEvaluations,
    int maxFilterLength,
    int maxFilterDepth,
    int maxPatchOperations,
    Rate rateLimit) {

  /**
   * The scimd extension of {@code /ServiceProviderConfig} (RFC 7643 §3.3: an extension's attributes
   * under its URN, the URN in {@code schemas}) that publishes the limits SCIM has no field for: a
   * filter's length and depth, a PATCH's operations, the size of any request body, and the client
   * rate limit.
   */
  public static final String LIMITS =
      "urn:scimd:params:scim:schemas:extension:limits:1.0:ServiceProviderConfig";

  public static final int DEFAULT_MAX_PAGE_SIZE = 1000;
  public static final int DEFAULT_BULK_MAX_OPERATIONS = 1000;
  public static final int DEFAULT_MAX_PAYLOAD_SIZE = 1_048_576;
  public static final int DEFAULT_MAX_FILTER_LENGTH = 10_000;
  public static final int DEFAULT_MAX_FILTER_DEPTH = 10;
  public static final int DEFAULT_MAX_PATCH_OPERATIONS = 1000;

  /** The largest {@code maxPayloadSize} accepted: a body is read into memory whole. */
  public static final int MAX_PAYLOAD_SIZE_CEILING = 256 * 1024 * 1024;

  public static final ServiceConfig DEFAULTS =
      new ServiceConfig(
          100,
          DEFAULT_MAX_PAGE_SIZE,
          DEFAULT_BULK_MAX_OPERATIONS,
          DEFAULT_MAX_PAYLOAD_SIZE,
          UnknownAttributePolicy.REJECT);

  /**
   * @throws IllegalArgumentException for a limit that cannot work (below 1, a page size above the
   *     maximum, a filter depth beyond what the parser can take), with a message for the operator
   */
  public ServiceConfig {
    atLeastOne("--max-results", maxPageSize);
    atLeastOne("the default page size", defaultPageSize);
    if (defaultPageSize > maxPageSize) {
      throw new IllegalArgumentException(
          "the default page size ("
              + defaultPageSize
              + ") is larger than --max-results ("
              + maxPageSize
              + ")");
    }
    atLeastOne("--bulk-max-operations", bulkMaxOperations);
    if (maxPayloadSize < 1024 || maxPayloadSize > MAX_PAYLOAD_SIZE_CEILING) {
      throw new IllegalArgumentException(
          "--max-payload-size must be between 1KiB and 256MiB, not " + maxPayloadSize + " bytes");
    }
    if (maxQueryCandidates < 1) {
      throw new IllegalArgumentException(
          "the most query candidates must be at least 1, not " + maxQueryCandidates);
    }
    if (maxConcurrentEvaluations < 1) {
      throw new IllegalArgumentException(
          "the most concurrent query evaluations must be at least 1, not "
              + maxConcurrentEvaluations);
    }
    atLeastOne("--max-filter-length", maxFilterLength);
    if (maxFilterDepth < 1 || maxFilterDepth > FilterParser.MAX_DEPTH) {
      throw new IllegalArgumentException(
          "--max-filter-depth must be between 1 and "
              + FilterParser.MAX_DEPTH
              + ", not "
              + maxFilterDepth);
    }
    atLeastOne("--max-patch-operations", maxPatchOperations);
  }

  private static void atLeastOne(String what, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(what + " must be at least 1, not " + value);
    }
  }

  /**
   * With the default query limits ({@link ScanLimits#DEFAULT_MAX_CANDIDATES}, {@link
   * ScanLimits#defaultConcurrency()}), filter and PATCH limits and client rate limit ({@link
   * Rate#DEFAULT}).
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
        ScanLimits.defaultConcurrency(),
        DEFAULT_MAX_FILTER_LENGTH,
        DEFAULT_MAX_FILTER_DEPTH,
        DEFAULT_MAX_PATCH_OPERATIONS,
        Rate.DEFAULT);
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
        maxConcurrentEvaluations,
        maxFilterLength,
        maxFilterDepth,
        maxPatchOperations,
        rateLimit);
  }

  /**
   * This configuration with other request limits: the page size cap ({@code filter.maxResults}; the
   * default page size shrinks to it when larger), the body size, the operations of a bulk request
   * and of a PATCH, a filter's length and depth.
   */
  public ServiceConfig withRequestLimits(
      int maxResults,
      int maxPayloadSize,
      int bulkMaxOperations,
      int maxPatchOperations,
      int maxFilterLength,
      int maxFilterDepth) {
    return new ServiceConfig(
        Math.min(defaultPageSize, Math.max(1, maxResults)),
        maxResults,
        bulkMaxOperations,
        maxPayloadSize,
        unknownAttributes,
        maxQueryCandidates,
        maxConcurrentEvaluations,
        maxFilterLength,
        maxFilterDepth,
        maxPatchOperations,
        rateLimit);
  }

  /** This configuration with another client rate limit ({@link Rate#OFF} for none). */
  public ServiceConfig withRateLimit(Rate rate) {
    return new ServiceConfig(
        defaultPageSize,
        maxPageSize,
        bulkMaxOperations,
        maxPayloadSize,
        unknownAttributes,
        maxQueryCandidates,
        maxConcurrentEvaluations,
        maxFilterLength,
        maxFilterDepth,
        maxPatchOperations,
        rate);
  }
}
