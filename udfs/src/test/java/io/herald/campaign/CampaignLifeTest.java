package io.herald.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.campaign.CampaignLife.Action;
import io.herald.campaign.CampaignLife.State;
import io.herald.model.CampaignEvent.Type;
import io.herald.model.StatusKind;
import org.junit.jupiter.api.Test;

class CampaignLifeTest {
    @Test
    void aCampaignIsCreatedFiredWalkedAndDone() {
        CampaignLife.Step created = CampaignLife.on(null, Type.CREATE);
        assertThat(created.next).isEqualTo(State.CREATED);
        assertThat(created.action).isEqualTo(Action.REMEMBER);
        CampaignLife.Step fired = CampaignLife.on(State.CREATED, Type.FIRE);
        assertThat(fired.next).isEqualTo(State.WALKING);
        assertThat(fired.status).isEqualTo(StatusKind.FIRED);
        assertThat(fired.action).isEqualTo(Action.WALK);
        assertThat(fired.next.campaignWide()).isEqualTo(State.FIRED);
        CampaignLife.Step done = CampaignLife.walkDone(State.WALKING);
        assertThat(done.next).isEqualTo(State.DONE);
        assertThat(done.status).isEqualTo(StatusKind.FANNED_OUT);
        assertThat(State.FIRED.onThisInstance(true)).isEqualTo(State.WALKING);
        assertThat(State.FIRED.onThisInstance(false)).isEqualTo(State.DONE);
    }

    @Test
    void aSecondFireIsIgnoredWhereverTheWalkIs() {
        for (State s : new State[] {State.WALKING, State.DONE, State.CANCELLED}) {
            CampaignLife.Step again = CampaignLife.on(s, Type.FIRE);
            assertThat(again.status).isEqualTo(StatusKind.IGNORED);
            assertThat(again.action).isEqualTo(Action.NONE);
            assertThat(again.next).isEqualTo(s);
        }
        assertThat(CampaignLife.on(State.WALKING, Type.FIRE).error)
                .isEqualTo("fire of a campaign that is already fired");
    }

    @Test
    void aCancelStopsACampaignInAnyStateButCancelled() {
        for (State s : new State[] {State.CREATED, State.WALKING, State.DONE}) {
            CampaignLife.Step cancel = CampaignLife.on(s, Type.CANCEL);
            assertThat(cancel.next).isEqualTo(State.CANCELLED);
            assertThat(cancel.status).isEqualTo(StatusKind.CANCELLED);
            assertThat(cancel.action).isEqualTo(Action.STOP);
        }
        assertThat(CampaignLife.on(State.CANCELLED, Type.CANCEL).status).isEqualTo(StatusKind.IGNORED);
    }

    @Test
    void onlyACreatedCampaignCanBeReplaced_andEventsAboutUnknownOrCancelledOnesAreRejected() {
        assertThat(CampaignLife.on(State.CREATED, Type.CREATE).action).isEqualTo(Action.REMEMBER);
        assertThat(CampaignLife.on(State.DONE, Type.CREATE).error).isEqualTo("campaign was already fired");
        assertThat(CampaignLife.on(State.CANCELLED, Type.CREATE).error).isEqualTo("campaign was already cancelled");
        for (Type t : new Type[] {Type.FIRE, Type.ESTIMATE, Type.CANCEL, Type.SEND}) {
            CampaignLife.Step unknown = CampaignLife.on(null, t);
            assertThat(unknown.status).isEqualTo(StatusKind.REJECTED);
            assertThat(unknown.next).isNull();
        }
        assertThat(CampaignLife.on(State.CANCELLED, Type.SEND).status).isEqualTo(StatusKind.REJECTED);
        assertThat(CampaignLife.on(State.CANCELLED, Type.ESTIMATE).status).isEqualTo(StatusKind.REJECTED);
        assertThat(CampaignLife.on(State.DONE, Type.SEND).action).isEqualTo(Action.SEND);
        assertThat(CampaignLife.on(State.WALKING, Type.ESTIMATE).action).isEqualTo(Action.ESTIMATE);
    }

    @Test
    void statusKindsAreWrittenInLowerCase() {
        assertThat(StatusKind.FANNED_OUT.wire()).isEqualTo("fanned_out");
        assertThat(StatusKind.fromWire("progress")).isEqualTo(StatusKind.PROGRESS);
        assertThat(StatusKind.fromWire("nope")).isNull();
    }

    @Test
    void aRetryIsForAFiredCampaignOnly() {
        assertThat(CampaignLife.on(State.DONE, Type.RETRY).action).isEqualTo(Action.RETRY);
        assertThat(CampaignLife.on(State.WALKING, Type.RETRY).action).isEqualTo(Action.RETRY);
        assertThat(CampaignLife.on(State.CREATED, Type.RETRY).error)
                .isEqualTo("retry of a campaign that is created and was never fired");
        assertThat(CampaignLife.on(State.CANCELLED, Type.RETRY).status).isEqualTo(StatusKind.REJECTED);
        assertThat(CampaignLife.on(null, Type.RETRY).status).isEqualTo(StatusKind.REJECTED);
    }

    @Test
    void aPauseAndAResumeLeaveTheStateWhereItIs_butACancelledCampaignIsNeitherPausedNorResumed() {
        for (State s : new State[] {State.CREATED, State.WALKING, State.DONE}) {
            CampaignLife.Step pause = CampaignLife.on(s, Type.PAUSE);
            assertThat(pause.next).isEqualTo(s);
            assertThat(pause.status).isEqualTo(StatusKind.PAUSED);
            assertThat(pause.action).isEqualTo(Action.PAUSE);
            CampaignLife.Step resume = CampaignLife.on(s, Type.RESUME);
            assertThat(resume.next).isEqualTo(s);
            assertThat(resume.status).isEqualTo(StatusKind.RESUMED);
            assertThat(resume.action).isEqualTo(Action.RESUME);
        }
        CampaignLife.Step cancelled = CampaignLife.on(State.CANCELLED, Type.PAUSE);
        assertThat(cancelled.status).isEqualTo(StatusKind.REJECTED);
        assertThat(cancelled.error).isEqualTo("pause of a cancelled campaign");
        assertThat(CampaignLife.on(null, Type.RESUME).error).isEqualTo("resume of an unknown campaign");
    }
}
