/** How Herald's hot values are written for Flink's network and state: hand-made serializers on one skeleton. */
package io.herald.serde;
