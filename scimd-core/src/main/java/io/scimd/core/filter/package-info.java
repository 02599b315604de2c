/** SCIM filters (RFC 7644 §3.4.2.2): the filter tree, its parser and its evaluator. */
@NullMarked
package io.scimd.core.filter;

import org.jspecify.annotations.NullMarked;
