/**
 * Operators that talk to an {@code OperatorCoordinator} of their own (the delivery's send budgets,
 * the fan-out's fire guards): {@link io.herald.coordination.CoordinatedOperator} is what such an
 * operator offers, and {@link io.herald.coordination.CoordinatedFactory} wires each of its instances
 * to the one coordinator.
 */
package io.herald.coordination;
