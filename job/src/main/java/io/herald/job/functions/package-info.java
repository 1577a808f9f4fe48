/** The dataflow's stages, one small named function each, each tested with Flink's operator harnesses. */
package io.herald.job.functions;
