/**
 * How clients reach the server: the listening connector, HTTPS from PEM files (reloaded when they
 * change), the proxies whose forwarding headers are believed, and the limits that keep slow or
 * numerous clients from holding the server.
 */
@NullMarked
package io.scimd.server.transport;

import org.jspecify.annotations.NullMarked;
