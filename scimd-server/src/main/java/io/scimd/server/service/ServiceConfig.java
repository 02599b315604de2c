package io.scimd.server.service;

import io.scimd.core.resource.UnknownAttributePolicy;

/**
 * The protocol limits and policies the service enforces and {@code /ServiceProviderConfig}
 * publishes, so the two can never disagree.
 *
 * @param defaultPageSize count when a list request gives none
 * @param maxPageSize larger counts are capped to this (RFC 7644 §3.4.2.4)
 * @param bulkMaxOperations more operations in one bulk request answer 413
 * @param maxPayloadSize bytes; a larger request body answers 413 (bulk and every other request)
 * @param unknownAttributes what happens to attributes no schema defines
 */
public record ServiceConfig(
    int defaultPageSize,
    int maxPageSize,
    int bulkMaxOperations,
    int maxPayloadSize,
    UnknownAttributePolicy unknownAttributes) {

  public static final ServiceConfig DEFAULTS =
      new ServiceConfig(100, 1000, 1000, 1_048_576, UnknownAttributePolicy.REJECT);
}
