/** How device events change a user's state: merges that tolerate late, reordered and repeated events. */
package io.herald.state;
