/**
 * The operator's commands, packaged as {@code herald.jar} ({@code java -jar herald.jar --help}):
 * {@code run} (the job on an embedded Flink), {@code devices bootstrap}, {@code audience upload} and
 * {@code campaign} (create, estimate, fire, cancel, send, status, watch), each a picocli command that
 * reads the deployment's {@code herald.yaml} for the Kafka connection.
 */
package io.herald.job.cli;
