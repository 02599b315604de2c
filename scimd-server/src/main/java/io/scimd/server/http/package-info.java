/**
 * The HTTP adapter on Jetty 12 core: routing, authentication, and reading and writing SCIM JSON.
 */
@NullMarked
package io.scimd.server.http;

import org.jspecify.annotations.NullMarked;
