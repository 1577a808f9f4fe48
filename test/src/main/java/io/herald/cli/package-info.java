/** The {@code ./herald} command line: run the job embedded, and the sandbox demo. */
package io.herald.cli;
