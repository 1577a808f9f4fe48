package io.herald.campaign;

import io.herald.model.CampaignEvent;
import io.herald.model.StatusKind;
import java.util.Locale;

/**
 * A campaign's life as one parallel instance of the fan-out sees it: the states, what each campaign
 * event does in each of them, and the status it writes. Pure, so the fan-out and anything that
 * follows a campaign from outside (the sandbox's watcher) agree on it.
 *
 * <pre>
 *            create (replaces it)
 *            ┌──┐
 *  create ─► CREATED ──fire──► WALKING ──walk done──► DONE
 *              │                 │                     │
 *              └─────cancel──────┴──────cancel─────────┴──► CANCELLED
 * </pre>
 *
 * A pause and a resume leave the state as it is: a paused campaign is held wherever it is (its walks
 * and what its deliveries have not sent), a flag beside the state.
 *
 * A fire moves every instance to {@link State#WALKING} at once; each reaches {@link State#DONE} when
 * it has walked its own users. The campaign-wide part of the state, the same on every instance, is
 * {@link State#campaignWide()}: what the fan-out keeps in its broadcast state.
 */
public final class CampaignLife {
    private CampaignLife() {}

    /** Where a campaign is. */
    public enum State {
        /** Known and valid; nothing sent yet (estimates and transactional sends may run). */
        CREATED,
        /** Fired, campaign-wide: each instance is then {@link #WALKING} or {@link #DONE}. */
        FIRED,
        /** This instance is handing the campaign out to its users. */
        WALKING,
        /** This instance has handed the campaign out to all of its users. */
        DONE,
        /** Cancelled: nothing more of it starts toward a provider. */
        CANCELLED;

        /** The part every instance shares: {@link #WALKING} and {@link #DONE} are both {@link #FIRED}. */
        public State campaignWide() {
            return this == WALKING || this == DONE ? FIRED : this;
        }

        /** This instance's state, from the campaign-wide one and whether this instance still walks it. */
        public State onThisInstance(boolean walking) {
            return this == FIRED ? (walking ? WALKING : DONE) : this;
        }

        String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What an instance does about an event, besides moving to the next state. */
    public enum Action {
        NONE,
        /** Keep the (new) definition, forgetting anything prepared from an older one. */
        REMEMBER,
        /** Walk this instance's users and hand the campaign out. */
        WALK,
        /** Walk this instance's users and count what a fire would reach. */
        ESTIMATE,
        /** Hand the campaign out to the one user of a transactional send. */
        SEND,
        /** Stop the campaign's walks and tell the deliveries to start nothing more of it. */
        STOP,
        /** Walk this instance's users and hand the campaign out again where its last receipt failed. */
        RETRY,
        /** Hold the campaign's walks, and tell the deliveries to hold what waits of it. */
        PAUSE,
        /** Let the campaign's walks go on, and tell the deliveries to send what they held. */
        RESUME,
        /** Walk this instance's users again and hand a tested campaign's winner to those its test left out. */
        SEND_WINNER,
        /** Hand every arm and locale of the campaign to the app's seed users this instance holds. */
        SEND_TO_SEEDS
    }

    /** The outcome of one event: the next state (null: still unknown), the status to write (or none), what to do. */
    public static final class Step {
        public final State next;
        public final StatusKind status;
        public final String error;
        public final Action action;

        private Step(State next, StatusKind status, String error, Action action) {
            this.next = next;
            this.status = status;
            this.error = error;
            this.action = action;
        }

        @Override
        public String toString() {
            return next + " " + status + " " + action + (error == null ? "" : " (" + error + ")");
        }
    }

    /**
     * What {@code event} does to a campaign in state {@code current} on this instance (null: the
     * campaign is unknown).
     */
    public static Step on(State current, CampaignEvent.Type event) {
        String name = event.name().toLowerCase(Locale.ROOT);
        if (current == null) {
            return event == CampaignEvent.Type.CREATE
                    ? new Step(State.CREATED, null, null, Action.REMEMBER)
                    : new Step(null, StatusKind.REJECTED, name + " of an unknown campaign", Action.NONE);
        }
        State shared = current.campaignWide();
        switch (event) {
            case CREATE:
                return current == State.CREATED
                        ? new Step(State.CREATED, null, null, Action.REMEMBER)
                        : new Step(current, StatusKind.REJECTED, "campaign was already " + shared.wire(), Action.NONE);
            case FIRE:
                return current == State.CREATED
                        ? new Step(State.WALKING, StatusKind.FIRED, null, Action.WALK)
                        : new Step(
                                current,
                                StatusKind.IGNORED,
                                "fire of a campaign that is already " + shared.wire(),
                                Action.NONE);
            case CANCEL:
                return current == State.CANCELLED
                        ? new Step(
                                current,
                                StatusKind.IGNORED,
                                "cancel of a campaign that is already cancelled",
                                Action.NONE)
                        : new Step(State.CANCELLED, StatusKind.CANCELLED, null, Action.STOP);
            case ESTIMATE:
                return current == State.CANCELLED
                        ? new Step(current, StatusKind.REJECTED, "estimate of a cancelled campaign", Action.NONE)
                        : new Step(current, null, null, Action.ESTIMATE);
            case RETRY:
                return current == State.WALKING || current == State.DONE
                        ? new Step(current, null, null, Action.RETRY)
                        : new Step(
                                current,
                                StatusKind.REJECTED,
                                "retry of a campaign that is " + shared.wire()
                                        + (current == State.CREATED ? " and was never fired" : ""),
                                Action.NONE);
            case PAUSE:
            case RESUME:
                return current == State.CANCELLED
                        ? new Step(current, StatusKind.REJECTED, name + " of a cancelled campaign", Action.NONE)
                        : new Step(
                                current,
                                event == CampaignEvent.Type.PAUSE ? StatusKind.PAUSED : StatusKind.RESUMED,
                                null,
                                event == CampaignEvent.Type.PAUSE ? Action.PAUSE : Action.RESUME);
            case WINNER:
                return current == State.WALKING || current == State.DONE
                        ? new Step(current, null, null, Action.SEND_WINNER)
                        : new Step(
                                current,
                                StatusKind.REJECTED,
                                "winner of a campaign that is " + shared.wire()
                                        + (current == State.CREATED ? " and was never fired" : ""),
                                Action.NONE);
            case SEND:
                return current == State.CANCELLED
                        ? new Step(current, StatusKind.REJECTED, "send of a cancelled campaign", Action.NONE)
                        : new Step(current, null, null, Action.SEND);
            case TEST:
                return current == State.CANCELLED
                        ? new Step(current, StatusKind.REJECTED, "test of a cancelled campaign", Action.NONE)
                        : new Step(current, null, null, Action.SEND_TO_SEEDS);
            default:
                throw new IllegalArgumentException("unknown campaign event " + event);
        }
    }

    /** This instance has walked all of its users for a fire. */
    public static Step walkDone(State current) {
        if (current != State.WALKING) {
            throw new IllegalStateException("a walk ended in state " + current);
        }
        return new Step(State.DONE, StatusKind.FANNED_OUT, null, Action.NONE);
    }
}
