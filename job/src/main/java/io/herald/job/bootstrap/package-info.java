/** Turning a bulk export of devices into a savepoint the job starts from (Flink's State Processor API). */
package io.herald.job.bootstrap;
