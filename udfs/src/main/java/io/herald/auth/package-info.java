/**
 * Who wrote a control record: records of the {@code campaigns} topic signed with a principal's key
 * (HMAC-SHA256, {@link io.herald.auth.SigningKey}), checked against the keys the deployment knows
 * ({@link io.herald.auth.SigningKeys}), which name the principal or say why not. Pure functions:
 * the keys' files are read by the job and the CLI.
 */
package io.herald.auth;
