package io.herald.job.fanout;

import io.herald.experiment.Attribution;
import io.herald.job.functions.Descriptors;
import io.herald.model.ArmCounts;
import io.herald.model.CampaignStatus;
import io.herald.model.DeviceEvent;
import io.herald.model.SendRequest;
import org.apache.flink.streaming.api.operators.Output;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * What the fan-out writes: send requests (its main output), campaign status and released claims
 * (side outputs). Campaign-wide news is written by the first instance alone; every instance takes
 * the step it stands for.
 */
final class FanOutOutput {
    private final Output<StreamRecord<SendRequest>> output;
    private final boolean first;
    private final StreamRecord<SendRequest> request = new StreamRecord<>(null);

    /** @param instance this instance's index: the first ({@code 0}) writes campaign-wide status */
    FanOutOutput(Output<StreamRecord<SendRequest>> output, int instance) {
        this.output = output;
        this.first = instance == 0;
    }

    void request(SendRequest r) {
        output.collect(request.replace(r));
    }

    /** A status of this instance (its progress, its counts). */
    void status(CampaignStatus s) {
        output.collect(Descriptors.STATUS, new StreamRecord<>(s));
    }

    /** A status about the whole campaign: written once, by the first instance. */
    void campaignWide(CampaignStatus s) {
        if (first) {
            status(s);
        }
    }

    /** Something to count for a measured campaign's results. */
    void counted(Attribution.Counted c) {
        ArmCounts delta = ArmCounts.of(c.campaignId(), c.arm(), c.heldOut());
        switch (c.kind()) {
            case EXPOSED -> delta.exposed = 1;
            case OPENED -> delta.opened = 1;
            case CONVERTED -> {
                delta.converted = c.firstTime() ? 1 : 0;
                delta.conversions = 1;
                delta.value = c.value();
            }
        }
        output.collect(Descriptors.ARM_COUNTS, new StreamRecord<>(delta));
    }

    void releasedClaim(DeviceEvent release) {
        output.collect(Descriptors.RELEASED_CLAIMS, new StreamRecord<>(release));
    }
}
