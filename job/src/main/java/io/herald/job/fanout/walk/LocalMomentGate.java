package io.herald.job.fanout.walk;

import io.herald.campaign.LocalTimeSchedule;
import io.herald.model.DeviceRecord;

/** A local-time schedule's walk of one moment takes the devices whose zone falls on that moment. */
final class LocalMomentGate implements DeviceGate {
    private final LocalTimeSchedule schedule;
    private final long moment;

    LocalMomentGate(LocalTimeSchedule schedule, long moment) {
        this.schedule = schedule;
        this.moment = moment;
    }

    @Override
    public Verdict judge(DeviceRecord device) {
        return schedule.slotOf(device.timezone) == moment ? Verdict.PASS : Verdict.SKIP;
    }
}
