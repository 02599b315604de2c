/** The scimd server: its configuration, its startup and its command line. */
@NullMarked
package io.scimd.server;

import org.jspecify.annotations.NullMarked;
