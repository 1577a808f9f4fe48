/** The fan-out's keyed state: one compact value per user, and how it is written. */
package io.herald.job.state;
