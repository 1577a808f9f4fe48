/** The YAML configuration of a Herald deployment. */
package io.herald.job.config;
