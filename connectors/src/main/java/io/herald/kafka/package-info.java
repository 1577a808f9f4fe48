/** Herald's Kafka connection: raw-record sources and one exactly-once sink for every output topic. */
package io.herald.kafka;
