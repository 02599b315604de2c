/**
 * What an operator sees of a running scimd: its metrics (Micrometer, scraped by Prometheus at
 * {@code /metrics}), its logging setup ({@code --log-format}, {@code --log-level}) and its
 * readiness (docs/decisions/0023-observability.md).
 */
@NullMarked
package io.scimd.server.observe;

import org.jspecify.annotations.NullMarked;
