/**
 * Herald's Kafka connection: raw-record sources, one exactly-once sink for every output topic, and
 * the {@link io.herald.kafka.AnswerLog} where deliveries record provider answers as they come.
 */
package io.herald.kafka;
