/** Personalisation: per-locale ICU MessageFormat templates rendered with a user's attributes. */
package io.herald.personalise;
