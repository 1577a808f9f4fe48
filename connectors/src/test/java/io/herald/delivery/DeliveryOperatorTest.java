package io.herald.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.model.Answer;
import io.herald.model.Outcome;
import io.herald.model.Platform;
import io.herald.model.Receipt;
import io.herald.model.SendRequest;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.tasks.mailbox.Mail;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The delivery skeleton on Flink's operator harness, against a provider the test answers for: the
 * in-flight bound, cancels that overtake, answers already on record, and what a checkpoint holds.
 */
class DeliveryOperatorTest {
    /** Answers nothing by itself: the test completes each request's future. */
    static final class ScriptedProvider implements Provider {
        private static final long serialVersionUID = 1L;
        static final Map<String, List<CompletableFuture<ProviderReply>>> CALLS = new ConcurrentHashMap<>();
        static final Map<String, List<Attempt>> ATTEMPTS = new ConcurrentHashMap<>();
        final String key;

        ScriptedProvider(String key) {
            this.key = key;
            CALLS.put(key, new CopyOnWriteArrayList<>());
            ATTEMPTS.put(key, new CopyOnWriteArrayList<>());
        }

        @Override
        public String displayName() {
            return "Test";
        }

        @Override
        public String id() {
            return "test";
        }

        @Override
        public Platform platform() {
            return Platform.IOS;
        }

        @Override
        public Session connect(EventLoopGroup eventLoop, int instances) {
            return new Session() {
                @Override
                public boolean serves(String appId) {
                    return "app".equals(appId);
                }

                @Override
                public CompletableFuture<ProviderReply> send(Attempt attempt) {
                    CompletableFuture<ProviderReply> f = new CompletableFuture<>();
                    ATTEMPTS.get(key).add(attempt);
                    CALLS.get(key).add(f);
                    return f;
                }

                @Override
                public void close() {}
            };
        }

        List<CompletableFuture<ProviderReply>> calls() {
            return CALLS.get(key);
        }

        /** The attempts of {@link #calls()}, in the same order: the test says which were written. */
        List<Attempt> attempts() {
            return ATTEMPTS.get(key);
        }
    }

    private ScriptedProvider provider;
    private OneInputStreamOperatorTestHarness<SendRequest, Receipt> harness;

    private OneInputStreamOperatorTestHarness<SendRequest, Receipt> start(int maxInFlight, OperatorSubtaskState from)
            throws Exception {
        return start(maxInFlight, Concurrency.FIXED, from);
    }

    private OneInputStreamOperatorTestHarness<SendRequest, Receipt> start(
            int maxInFlight, Concurrency concurrency, OperatorSubtaskState from) throws Exception {
        var h = new OneInputStreamOperatorTestHarness<SendRequest, Receipt>(new DeliveryOperator(
                provider,
                new DeliverySettings(maxInFlight, concurrency, new RetryPolicy(5, 10_000, 10_000), 60_000, 0),
                null));
        h.setup();
        if (from != null) {
            h.initializeState(from);
        }
        h.open();
        return h;
    }

    @AfterEach
    void close() throws Exception {
        if (harness != null) {
            harness.close();
        }
    }

    private static SendRequest request(String campaign, String device) {
        SendRequest r = new SendRequest();
        r.campaignId = campaign;
        r.deviceId = device;
        r.userId = "u-" + device;
        r.notificationId = campaign + "/" + device;
        r.appId = "app";
        r.platform = Platform.IOS;
        r.firedAt = 1;
        return r;
    }

    private static ProviderReply answer(SendRequest r, Outcome outcome, int status) {
        return new ProviderReply(
                Receipt.of(
                        r,
                        outcome,
                        status,
                        outcome == Outcome.DELIVERED ? null : "Busy",
                        1,
                        System.currentTimeMillis()),
                0);
    }

    private void runMailbox() throws Exception {
        Optional<Mail> mail;
        while ((mail = harness.getTaskMailbox().tryTake(TaskMailbox.MIN_PRIORITY)).isPresent()) {
            mail.get().run();
        }
    }

    private List<Receipt> receipts() throws Exception {
        runMailbox();
        return harness.extractOutputValues();
    }

    @Test
    void noMoreThanMaxInFlightAreOut_theRestWaitsWithoutBlocking_andAReceiptStartsTheNext() throws Exception {
        provider = new ScriptedProvider("bound");
        harness = start(2, null);
        DeliveryRoom room = DeliveryRoom.of(harness.getOperator().getContainingTask());
        int[] woken = {0};
        room.onRoom(() -> woken[0]++);
        SendRequest a = request("c1", "a");
        harness.processElement(a, 1);
        assertThat(room.room(Platform.IOS)).isEqualTo(1);
        harness.processElement(request("c1", "b"), 1);
        assertThat(room.room(Platform.IOS)).isZero();
        assertThat(room.room(Platform.ANDROID))
                .as("no delivery for it in this task")
                .isEqualTo(Integer.MAX_VALUE);
        // The window is full: the third is taken and waits; processElement returns at once.
        harness.processElement(request("c1", "c"), 1);
        assertThat(provider.calls()).hasSize(2);
        assertThat(room.room(Platform.IOS)).isEqualTo(-1);
        // An answer's receipt frees a place: the waiting one starts, and the room is still none.
        provider.calls().get(0).complete(answer(a, Outcome.DELIVERED, 200));
        assertThat(receipts())
                .extracting(r -> r.notificationId + " " + r.outcome.wire())
                .containsExactly("c1/a delivered");
        assertThat(provider.calls()).hasSize(3);
        assertThat(woken[0]).as("no room yet, so the walker is not woken").isZero();
        provider.calls().get(1).complete(answer(a, Outcome.DELIVERED, 200));
        receipts();
        assertThat(room.room(Platform.IOS)).isEqualTo(1);
        assertThat(woken[0]).isEqualTo(1);
    }

    @Test
    void anAdaptiveWindowStartsBelowItsCeiling_andShrinksWhenTheProviderPushesBack() throws Exception {
        provider = new ScriptedProvider("adaptive");
        harness = start(10_000, Concurrency.ADAPTIVE, null);
        DeliveryRoom room = DeliveryRoom.of(harness.getOperator().getContainingTask());
        assertThat(room.room(Platform.IOS)).isEqualTo(Concurrency.INITIAL_ADAPTIVE);
        for (int i = 0; i < 40; i++) {
            harness.processElement(request("c1", "d" + i), 1);
        }
        // 40 answers of 503: a tenth off the window for each (the 40 wait for a retry, still in flight).
        for (int i = 0; i < 40; i++) {
            SendRequest r = provider.attempts().get(i).request();
            provider.calls().get(i).complete(answer(r, Outcome.FAILED, 503));
        }
        runMailbox();
        assertThat(room.room(Platform.IOS))
                .as("the window shrank to its least, 40 of it in use")
                .isEqualTo(Concurrency.MIN_ADAPTIVE - 40);
    }

    @Test
    void pastTheWindowAndItsQueueARequestIsNotSentAndSaysSo() throws Exception {
        provider = new ScriptedProvider("queue-full");
        harness = start(1, null);
        harness.processElement(request("c1", "a"), 1);
        harness.processElement(request("c1", "b"), 1);
        harness.processElement(request("c1", "c"), 1);
        assertThat(provider.calls()).hasSize(1);
        assertThat(receipts()).singleElement().satisfies(r -> {
            assertThat(r.notificationId).isEqualTo("c1/c");
            assertThat(r.outcome).isEqualTo(Outcome.FAILED);
            assertThat(r.reason).contains("queue was full");
        });
    }

    @Test
    void whatWaitsIsInTheCheckpointAndACancelReceiptsIt() throws Exception {
        provider = new ScriptedProvider("waiting");
        harness = start(1, null);
        harness.processElement(request("c1", "a"), 1);
        harness.processElement(request("c2", "b"), 1);
        OperatorSubtaskState checkpoint = harness.snapshot(1, 1);
        harness.processElement(SendRequest.control(SendRequest.Control.CANCEL, "c2"), 2);
        assertThat(receipts())
                .extracting(r -> r.notificationId + " " + r.outcome.wire())
                .containsExactly("c2/b cancelled");
        harness.close();

        provider = new ScriptedProvider("waiting-2");
        harness = start(1, checkpoint);
        assertThat(provider.calls())
                .as("c1/a starts again; c2/b waits for room")
                .hasSize(1);
        provider.calls().get(0).complete(answer(request("c1", "a"), Outcome.DELIVERED, 200));
        receipts();
        assertThat(provider.calls()).hasSize(2);
    }

    @Test
    void aCancelOvertakesTheBoundAndDropsWhatWaitsWithACancelledReceipt() throws Exception {
        provider = new ScriptedProvider("cancel");
        harness = start(2, null);
        SendRequest a = request("c1", "a");
        SendRequest b = request("c1", "b");
        harness.processElement(a, 1);
        harness.processElement(b, 1);
        // a failed for now: it waits 10 s for its retry. b is still at the provider.
        provider.calls().get(0).complete(answer(a, Outcome.FAILED, 503));
        harness.processElement(SendRequest.control(SendRequest.Control.CANCEL, "c1"), 2);
        assertThat(receipts())
                .extracting(r -> r.notificationId + " " + r.outcome.wire())
                .containsExactly("c1/a cancelled");
        // b's answer stands (it was sent); a new notification of c1 starts nothing.
        provider.calls().get(1).complete(answer(b, Outcome.DELIVERED, 200));
        harness.processElement(request("c1", "c"), 3);
        assertThat(receipts())
                .extracting(r -> r.notificationId + " " + r.outcome.wire())
                .containsExactly("c1/a cancelled", "c1/c cancelled", "c1/b delivered");
        assertThat(provider.calls()).hasSize(2);
    }

    @Test
    void aNotificationWhoseAnswerIsOnRecordGetsItsReceiptWithoutARequest() throws Exception {
        provider = new ScriptedProvider("answered");
        harness = start(2, null);
        SendRequest r = request("c1", "a");
        Receipt earlier = Receipt.of(r, Outcome.TOKEN_DEAD, 410, "Unregistered", 2, 1234);
        earlier.tokenInvalidAt = 99L;
        r.answer = Answer.of(earlier);
        r.token = "tok";
        harness.processElement(r, 1);
        assertThat(provider.calls()).isEmpty();
        assertThat(receipts()).singleElement().satisfies(x -> {
            assertThat(x.outcome).isEqualTo(Outcome.TOKEN_DEAD);
            assertThat(x.attempts).isEqualTo(2);
            assertThat(x.ackAt).isEqualTo(1234);
            assertThat(x.tokenInvalidAt).isEqualTo(99L);
            assertThat(x.token).isEqualTo("tok");
        });
    }

    @Test
    void whatIsInFlightAtACheckpointGoesOutAgainAfterARestore_andACancelIsRemembered() throws Exception {
        provider = new ScriptedProvider("restore");
        harness = start(5, null);
        harness.processElement(request("c1", "a"), 1);
        harness.processElement(request("c2", "b"), 1);
        harness.processElement(SendRequest.control(SendRequest.Control.CANCEL, "c2"), 2);
        OperatorSubtaskState checkpoint = harness.snapshot(1, 1);
        harness.close();

        provider = new ScriptedProvider("restore-2");
        harness = start(5, checkpoint);
        assertThat(provider.calls())
                .as("c1/a is sent again; c2 stays cancelled")
                .hasSize(1);
        assertThat(receipts())
                .extracting(r -> r.notificationId + " " + r.outcome.wire())
                .containsExactly("c2/b cancelled");
    }

    @Test
    void aRequestWrittenWhoseConnectionDiesIsUnconfirmed_oneNeverWrittenIsRetried() throws Exception {
        provider = new ScriptedProvider("unconfirmed");
        harness = start(5, null);
        SendRequest a = request("c1", "a");
        SendRequest b = request("c1", "b");
        harness.processElement(a, 1);
        harness.processElement(b, 1);
        // Both on one connection, which is reset: a's request had gone out, b's was still queued.
        provider.attempts().get(0).written();
        provider.calls().get(0).completeExceptionally(new IOException("Connection reset by peer"));
        provider.calls().get(1).completeExceptionally(new IOException("Connection reset by peer"));
        assertThat(receipts()).singleElement().satisfies(r -> {
            assertThat(r.notificationId).isEqualTo("c1/a");
            assertThat(r.outcome).isEqualTo(Outcome.UNCONFIRMED);
            assertThat(r.reason).startsWith("written, then no answer");
        });
        // b waits 10 s for its retry (the policy here): still in flight, not receipted, and a is not
        // tried again.
        assertThat(provider.calls()).hasSize(2);
        assertThat(DeliveryRoom.of(harness.getOperator().getContainingTask()).room(Platform.IOS))
                .isEqualTo(4);
    }

    @Test
    void aPauseHoldsWhatWaitsAndWhatArrives_takesBackWhatWaitsForARetry_andAResumeSendsItAllOnce() throws Exception {
        provider = new ScriptedProvider("pause");
        harness = start(2, null);
        SendRequest a = request("c1", "a");
        harness.processElement(a, 1);
        harness.processElement(request("c1", "b"), 1);
        harness.processElement(request("c1", "c"), 1); // waits for room
        harness.processElement(request("other", "x"), 1); // waits for room
        assertThat(provider.calls()).hasSize(2);
        // b fails for now: it waits for a retry, in the window.
        provider.calls().get(1).complete(answer(provider.attempts().get(1).request(), Outcome.FAILED, 503));
        runMailbox();

        harness.processElement(SendRequest.control(SendRequest.Control.PAUSE, "c1"), 2);
        harness.processElement(request("c1", "d"), 2); // arrives while paused
        runMailbox();
        // a, at the provider, keeps its answer; b (taken back) and c, d are held; other goes on.
        provider.calls().get(0).complete(answer(a, Outcome.DELIVERED, 200));
        assertThat(receipts()).extracting(r -> r.notificationId).containsExactly("c1/a");
        assertThat(provider.attempts())
                .extracting(t -> t.request().notificationId)
                .containsExactly("c1/a", "c1/b", "other/x");

        // Held across a checkpoint and a restore.
        OperatorSubtaskState checkpoint = harness.snapshot(3, 3);
        harness.close();
        provider = new ScriptedProvider("pause-restored");
        harness = start(10, checkpoint);
        runMailbox();
        assertThat(provider.attempts())
                .extracting(t -> t.request().notificationId)
                .as("after the restore only the unpaused one goes again")
                .containsExactly("other/x");

        harness.processElement(SendRequest.control(SendRequest.Control.RESUME, "c1"), 4);
        runMailbox();
        assertThat(provider.attempts())
                .extracting(t -> t.request().notificationId)
                .containsExactlyInAnyOrder("other/x", "c1/b", "c1/c", "c1/d");
    }

    @Test
    void aNotificationTakenBackByAPauseLiftedBeforeItCameBackGoesOnAtOnce_notHeld() throws Exception {
        provider = new ScriptedProvider("pause-resume");
        harness = start(2, null);
        harness.processElement(request("c1", "b"), 1);
        // b fails for now: it waits for a retry, in the window.
        provider.calls().get(0).complete(answer(provider.attempts().get(0).request(), Outcome.FAILED, 503));
        runMailbox();
        harness.processElement(SendRequest.control(SendRequest.Control.PAUSE, "c1"), 2);
        harness.processElement(SendRequest.control(SendRequest.Control.RESUME, "c1"), 3);
        runMailbox(); // the mail that takes b back runs after the resume
        assertThat(provider.attempts())
                .extracting(t -> t.request().notificationId)
                .as("sent again at once, not held for a pause that is over")
                .containsExactly("c1/b", "c1/b");
    }

    @Test
    void aPausedAppHoldsItsSends_andAHeldNotificationExpiresWithAReceiptWhilePaused() throws Exception {
        provider = new ScriptedProvider("pause-app");
        harness = start(5, null);
        harness.processElement(SendRequest.controlApp(SendRequest.Control.PAUSE, "app"), 1);
        SendRequest expiring = request("c1", "soon");
        expiring.expiresAt = System.currentTimeMillis() - 1; // it expires while held
        harness.processElement(expiring, 1);
        harness.processElement(request("c1", "later"), 1);
        assertThat(provider.calls()).isEmpty();
        assertThat(receipts()).as("held, not refused on arrival").isEmpty();
        harness.setProcessingTime(harness.getProcessingTime() + DeliveryOperator.EXPIRY_SWEEP_MS);
        assertThat(receipts())
                .extracting(r -> r.notificationId + " " + r.outcome.wire())
                .containsExactly("c1/soon expired");
        harness.processElement(SendRequest.controlApp(SendRequest.Control.RESUME, "app"), 2);
        runMailbox();
        assertThat(provider.attempts())
                .extracting(t -> t.request().notificationId)
                .containsExactly("c1/later");
    }

    @Test
    void pastItsBoundAPausedNotificationIsNotTakenAndItsReceiptSaysWhy() throws Exception {
        provider = new ScriptedProvider("pause-full");
        harness = start(1, null);
        harness.processElement(SendRequest.control(SendRequest.Control.PAUSE, "c1"), 1);
        for (int i = 0; i <= DeliveryOperator.HELD_WINDOWS; i++) {
            harness.processElement(request("c1", "d" + i), 1);
        }
        assertThat(receipts())
                .extracting(r -> r.notificationId + " " + r.outcome.wire() + " " + r.reason)
                .containsExactly("c1/d10 failed not sent: its campaign or app is paused and 10 notifications are "
                        + "held already");
        assertThat(provider.calls()).isEmpty();
    }

    @Test
    void anUrgentNotificationWaitingForRoomStartsAheadOfTheBulkOnesThatCameBefore() throws Exception {
        provider = new ScriptedProvider("urgent");
        harness = start(3, null);
        SendRequest first = request("bulk", "a");
        harness.processElement(first, 1);
        harness.processElement(request("bulk", "b"), 1);
        harness.processElement(request("bulk", "c"), 1);
        harness.processElement(request("bulk", "d"), 1); // waits for room
        harness.processElement(request("bulk", "e"), 1); // waits for room
        SendRequest send = request("tx", "u");
        send.urgent = true;
        harness.processElement(send, 1); // waits for room, behind d and e
        provider.calls().get(0).complete(answer(first, Outcome.DELIVERED, 200));
        runMailbox();
        assertThat(provider.attempts())
                .extracting(t -> t.request().notificationId)
                .containsExactly("bulk/a", "bulk/b", "bulk/c", "tx/u");
    }
}
