/**
 * The data Herald moves and keeps: device events and the per-user state they build, campaigns and
 * their control events, send requests, receipts, dead letters and campaign status records.
 *
 * <p>Every type here is a Flink POJO (public no-argument constructor, public fields) so that Flink
 * serializes it with its own POJO serializer and state can evolve.
 */
package io.herald.model;
