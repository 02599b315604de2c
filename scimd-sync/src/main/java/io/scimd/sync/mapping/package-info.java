/**
 * What each target receives: a {@link io.scimd.sync.mapping.Mapping} from our User and Group into
 * the target's schema (source paths, constants and CEL expressions, checked against both schemas
 * when saved) and a {@link io.scimd.sync.mapping.TargetScope} saying which users and groups it
 * receives at all. Pure: no I/O, no store; the delivery layer and the preview call it.
 */
@NullMarked
package io.scimd.sync.mapping;

import org.jspecify.annotations.NullMarked;
