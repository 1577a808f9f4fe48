/** The Herald dataflow ({@link io.herald.job.HeraldJob}) and its entry point ({@link io.herald.job.HeraldMain}). */
package io.herald.job;
