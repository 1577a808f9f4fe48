package io.herald.job.fanout.walk;

import io.herald.model.Outcome;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The devices a retry (or its estimate) is for: the outcomes asked for, and once read from the
 * answers topic, the notification ids whose last answer had one of them.
 */
public final class RetryTargets {
    private final Set<Outcome> outcomes;
    private Set<String> notificationIds;

    public RetryTargets(Collection<Outcome> outcomes) {
        this.outcomes = Collections.unmodifiableSet(EnumSet.copyOf(outcomes));
    }

    /** The outcomes as checkpointed: names, sorted, joined by commas. */
    public String encode() {
        return outcomes.stream().map(Enum::name).sorted().collect(Collectors.joining(","));
    }

    public static RetryTargets decode(String names) {
        Set<Outcome> set = EnumSet.noneOf(Outcome.class);
        for (String n : names.split(",")) {
            set.add(Outcome.valueOf(n));
        }
        return new RetryTargets(set);
    }

    public Set<Outcome> outcomes() {
        return outcomes;
    }

    /** Whether an answer with {@code outcome} makes its device a target. */
    public boolean wants(Outcome outcome) {
        return outcomes.contains(outcome);
    }

    /** The targets, read: the notification ids to hand out again. */
    public void found(Set<String> ids) {
        notificationIds = Set.copyOf(ids);
    }

    boolean isEmpty() {
        return notificationIds == null || notificationIds.isEmpty();
    }

    boolean contains(String notificationId) {
        return notificationIds != null && notificationIds.contains(notificationId);
    }
}
