/**
 * Self-contained HTML reports of the demo and the bench: tables and charts drawn as inline SVG, so a
 * report opens anywhere, offline, with no script.
 */
package io.herald.report;
