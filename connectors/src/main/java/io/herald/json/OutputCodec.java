package io.herald.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.herald.model.CampaignStatus;
import io.herald.model.DeadLetter;
import io.herald.model.Outcome;
import io.herald.model.Platform;
import io.herald.model.Receipt;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/** Writes Herald's outputs as the JSON the README documents for each topic. */
public final class OutputCodec {
    private OutputCodec() {}

    /**
     * Writes receipts one after another, on one thread (a delivery's chain): one per notification,
     * where a generator made per receipt, field names escaped and quoted again each time, and the
     * same campaign and app ids escaped again cost a quarter of the fan-out thread in a profile. This
     * keeps one generator and its buffer, writes field names and enum values pre-encoded and
     * remembers the encoded form of the few campaign and app ids it sees. {@code latencyMs} is
     * fire-to-ack.
     */
    public static final class ReceiptWriter {
        private static final SerializedString NOTIFICATION_ID = new SerializedString("notificationId");
        private static final SerializedString CAMPAIGN_ID = new SerializedString("campaignId");
        private static final SerializedString USER_ID = new SerializedString("userId");
        private static final SerializedString ARM = new SerializedString("arm");
        private static final SerializedString DEVICE_ID = new SerializedString("deviceId");
        private static final SerializedString APP_ID = new SerializedString("appId");
        private static final SerializedString PLATFORM = new SerializedString("platform");
        private static final SerializedString OUTCOME = new SerializedString("outcome");
        private static final SerializedString PROVIDER_STATUS = new SerializedString("providerStatus");
        private static final SerializedString REASON = new SerializedString("reason");
        private static final SerializedString ATTEMPTS = new SerializedString("attempts");
        private static final SerializedString FIRED_AT = new SerializedString("firedAt");
        private static final SerializedString ACK_AT = new SerializedString("ackAt");
        private static final SerializedString LATENCY_MS = new SerializedString("latencyMs");
        private static final SerializedString WAITED_FOR_SLOT_MS = new SerializedString("waitedForSlotMs");
        private static final SerializedString HELD_MS = new SerializedString("heldMs");
        private static final Map<Platform, SerializedString> PLATFORMS = wireNames(Platform.class, Platform::wire);
        private static final Map<Outcome, SerializedString> OUTCOMES = wireNames(Outcome.class, Outcome::wire);
        /** Ids remembered encoded, at most: past it the memory starts again (campaigns come and go). */
        static final int MAX_REMEMBERED = 1024;

        private final ByteArrayBuilder buffer = new ByteArrayBuilder(512);
        private final JsonGenerator g;
        private final Map<String, SerializedString> encoded = new HashMap<>();

        public ReceiptWriter() {
            try {
                g = Json.MAPPER.getFactory().createGenerator(buffer);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            // One document per call: nothing between them.
            g.setRootValueSeparator(null);
        }

        /** The receipt's JSON, as the README documents it. */
        public byte[] write(Receipt r) {
            try {
                g.writeStartObject();
                g.writeFieldName(NOTIFICATION_ID);
                g.writeString(r.notificationId);
                g.writeFieldName(CAMPAIGN_ID);
                writeRemembered(r.campaignId);
                if (r.arm != null) {
                    g.writeFieldName(ARM);
                    writeRemembered(r.arm);
                }
                g.writeFieldName(USER_ID);
                g.writeString(r.userId);
                g.writeFieldName(DEVICE_ID);
                g.writeString(r.deviceId);
                g.writeFieldName(APP_ID);
                writeRemembered(r.appId);
                g.writeFieldName(PLATFORM);
                g.writeString(PLATFORMS.get(r.platform));
                g.writeFieldName(OUTCOME);
                g.writeString(OUTCOMES.get(r.outcome));
                g.writeFieldName(PROVIDER_STATUS);
                g.writeNumber(r.providerStatus);
                if (r.reason != null) {
                    g.writeFieldName(REASON);
                    g.writeString(r.reason);
                }
                g.writeFieldName(ATTEMPTS);
                g.writeNumber(r.attempts);
                g.writeFieldName(FIRED_AT);
                g.writeNumber(r.firedAt);
                g.writeFieldName(ACK_AT);
                g.writeNumber(r.ackAt);
                g.writeFieldName(LATENCY_MS);
                g.writeNumber(r.latencyMs());
                if (r.waitedForSlotMs > 0) {
                    g.writeFieldName(WAITED_FOR_SLOT_MS);
                    g.writeNumber(r.waitedForSlotMs);
                }
                if (r.heldMs > 0) {
                    g.writeFieldName(HELD_MS);
                    g.writeNumber(r.heldMs);
                }
                g.writeEndObject();
                g.flush();
                return buffer.toByteArray();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                buffer.reset();
            }
        }

        private void writeRemembered(String value) throws IOException {
            if (value == null) {
                g.writeNull();
                return;
            }
            SerializedString s = encoded.get(value);
            if (s == null) {
                if (encoded.size() >= MAX_REMEMBERED) {
                    encoded.clear();
                }
                s = new SerializedString(value);
                encoded.put(value, s);
            }
            g.writeString(s);
        }

        private static <E extends Enum<E>> Map<E, SerializedString> wireNames(Class<E> type, Function<E, String> wire) {
            Map<E, SerializedString> names = new EnumMap<>(type);
            for (E e : type.getEnumConstants()) {
                names.put(e, new SerializedString(wire.apply(e)));
            }
            return names;
        }
    }

    public static byte[] deadLetter(DeadLetter d) {
        return Json.bytes(d);
    }

    /** A campaign status; fields that do not apply to its kind are left out. */
    public static byte[] campaignStatus(CampaignStatus s) {
        return Json.bytes(s);
    }
}
