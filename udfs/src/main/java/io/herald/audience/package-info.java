/** Who a campaign reaches: audience and segment matching over a user's devices. */
package io.herald.audience;
