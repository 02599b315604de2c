/** Files that hold a server's secrets: created and accepted readable by their owner only. */
@NullMarked
package io.scimd.server.files;

import org.jspecify.annotations.NullMarked;
