/**
 * The {@code scim} target type: another SCIM 2.0 service provider (a SCIM application, AWS IAM
 * Identity Center, Entra ID) kept in step with the directory by writing each changed resource's
 * current state, so a change delivered twice has the effect of delivering it once.
 */
@NullMarked
package io.scimd.sync.scim;

import org.jspecify.annotations.NullMarked;
