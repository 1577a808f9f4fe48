package io.herald.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.budget.BudgetAccount;
import io.herald.budget.Demand;
import io.herald.budget.SendBudget;
import io.netty.channel.DefaultEventLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The slots on a clock the test moves: what goes when, whatever the machine's speed. */
class RateSlotsTest {
    private static final long MS = 1_000_000;

    private final DefaultEventLoop loop = new DefaultEventLoop();
    private final AtomicLong clock = new AtomicLong(1_000 * MS);
    private final List<String> went = new ArrayList<>();

    @AfterEach
    void stop() {
        loop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
    }

    private RateSlots slots(double perSecond) {
        return new RateSlots(new RateLimiter(perSecond, 1), loop, clock::get);
    }

    private RateSlots.Waiter waiter(String name) {
        return waiter(name, () -> true);
    }

    private RateSlots.Waiter waiter(String name, BooleanSupplier waiting) {
        return new RateSlots.Waiter() {
            @Override
            public boolean stillWaiting() {
                return waiting.getAsBoolean();
            }

            @Override
            public void go() {
                synchronized (went) {
                    went.add(name);
                }
            }
        };
    }

    private void advance(long ms, RateSlots slots) {
        clock.addAndGet(ms * MS);
        slots.wake();
    }

    @Test
    void attemptsGoAtTheRateAndNoFaster() {
        RateSlots slots = slots(100);
        for (int i = 0; i < 150; i++) {
            slots.take(waiter("n" + i), false);
        }
        assertThat(went).hasSize(1);
        for (int step = 0; step < 100; step++) {
            advance(10, slots);
        }
        // One at once, then one per 10 ms for a second.
        assertThat(went).hasSize(101);
        assertThat(went.get(100)).isEqualTo("n100");
        assertThat(slots.waiting()).isEqualTo(49);
    }

    @Test
    void aQuietSpellSavesUpOnlyABurst() {
        RateSlots slots = slots(1000);
        advance(10_000, slots);
        for (int i = 0; i < 100; i++) {
            slots.take(waiter("n" + i), false);
        }
        assertThat(went).hasSize((int) (1000 * RateSlots.BURST_SECONDS));
    }

    @Test
    void urgentAttemptsOvertakeBulkOnesStillWaiting() {
        RateSlots slots = slots(100);
        slots.take(waiter("bulk0"), false);
        for (int i = 1; i <= 5; i++) {
            slots.take(waiter("bulk" + i), false);
        }
        slots.take(waiter("urgent"), true);
        advance(10, slots);
        advance(10, slots);
        assertThat(went).containsExactly("bulk0", "urgent", "bulk1");
    }

    @Test
    void aNewShareAppliesToTheNextSlotNotAfterTheOnesPromised() {
        RateSlots slots = slots(10);
        for (int i = 0; i < 11; i++) {
            slots.take(waiter("n" + i), false);
        }
        assertThat(went).hasSize(1);
        slots.share(1000);
        advance(10, slots);
        assertThat(went)
                .as("at 10 a second the tenth would go a second from now")
                .hasSize(11);
    }

    @Test
    void oneThatStoppedWaitingTakesNoSlot() {
        RateSlots slots = slots(100);
        slots.take(waiter("first"), false);
        slots.take(waiter("cancelled", () -> false), false);
        slots.take(waiter("next"), false);
        advance(10, slots);
        assertThat(went).containsExactly("first", "next");
    }

    @Test
    void withoutALimitEveryoneGoesAtOnce() {
        RateSlots slots = slots(Double.POSITIVE_INFINITY);
        for (int i = 0; i < 1000; i++) {
            slots.take(waiter("n" + i), false);
        }
        assertThat(went).hasSize(1000);
    }

    @Test
    void theDemandSaysWhatWentAndWhetherAnyoneWaited() {
        RateSlots slots = slots(100);
        slots.take(waiter("a"), false);
        advance(250, slots);
        Demand quiet = slots.demand(clock.get());
        assertThat(quiet.waiting()).isFalse();
        assertThat(quiet.sentPerSecond()).isEqualTo(4.0); // one in a quarter of a second

        for (int i = 0; i < 10; i++) {
            slots.take(waiter("b" + i), false);
        }
        clock.addAndGet(60 * MS); // the rest have waited 60 ms, more than a report's patience
        Demand busy = slots.demand(clock.get());
        assertThat(busy.waiting()).isTrue();
        assertThat(slots.demand(clock.get() + 1).waiting())
                .as("still waiting at the next report")
                .isTrue();
    }

    @Test
    void theRoomIsASecondOfTheRateLessWhatWaits_andUnboundedWithoutALimit() {
        RateSlots slots = slots(100);
        assertThat(slots.room(1.0)).isEqualTo(100);
        for (int i = 0; i < 31; i++) {
            slots.take(waiter("n" + i), false);
        }
        assertThat(slots.room(1.0)).as("one went at once, 30 wait").isEqualTo(70);
        slots.share(20);
        assertThat(slots.room(1.0))
                .as("a smaller share: no room until the queue is under a second of it")
                .isZero();
        assertThat(slots(Double.POSITIVE_INFINITY).room(1.0)).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void anInstancesRoomCountsItsBudgetedAccountsAndTheUnbudgetedAppsOnceTheySend() {
        AccountSlots accounts =
                new AccountSlots(Map.of("news", new SendBudget(BudgetAccount.fcmProject("p"), 200)), 2, 10, loop);
        assertThat(accounts.room(1.0)).as("an even share, 100 a second").isEqualTo(100);
        accounts.forApp("other").take(waiter("unbudgeted"), false);
        assertThat(accounts.room(1.0)).isEqualTo(Integer.MAX_VALUE);
        assertThat(AccountSlots.unbudgeted(10, loop).room(1.0)).isEqualTo(Integer.MAX_VALUE);
    }
}
