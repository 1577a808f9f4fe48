package io.herald.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.experiment.ArmAssignment;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The sandbox's experiment: a campaign to every user with two arms ("plain" and "bold", told apart
 * by their titles), a fifth of users held out, and purchases within an hour as its conversion; and
 * how the synthetic app's users behave with each (the truth the results should find).
 */
public final class DemoExperiment {
    /** The held-out users' conversion probability (what users do without the campaign). */
    public static final double BASE_CONVERSION = 0.03;
    /** Each arm's open and conversion probabilities. */
    public static final Map<String, SyntheticApp.Behaviour> TRUTH = Map.of(
            "plain", new SyntheticApp.Behaviour(0.10, 0.06),
            "bold", new SyntheticApp.Behaviour(0.25, 0.14));
    /** The share of users held out. */
    public static final double HOLDOUT = 0.2;
    /** The app event that counts as the conversion. */
    public static final String CONVERSION_EVENT = "purchase";

    private DemoExperiment() {}

    /** The campaign's create record. */
    public static byte[] create(String campaignId) {
        return create(campaignId, "");
    }

    /**
     * The campaign's create record, tested first: the arms go to {@code share} of the users, and
     * {@code decideAfter} the fire the winner (else plain) goes to the rest.
     */
    public static byte[] createTested(String campaignId, double share, String decideAfter) {
        return create(
                campaignId,
                ",\"test\":{\"share\":" + share + ",\"decideAfter\":\"" + decideAfter
                        + "\",\"minUsers\":200,\"fallback\":\"plain\"}");
    }

    private static byte[] create(String campaignId, String more) {
        String json = "{\"type\":\"create\",\"campaignId\":\"" + campaignId + "\",\"appId\":\"" + Sandbox.APP_ID
                + "\",\"audience\":{\"kind\":\"all\"},\"holdout\":" + HOLDOUT + ","
                + "\"conversion\":{\"event\":\"" + CONVERSION_EVENT + "\",\"within\":\"PT1H\"},\"arms\":["
                + arm("plain", "Plain {name}") + "," + arm("bold", "BOLD {name}") + "]" + more + "}";
        return json.getBytes(StandardCharsets.UTF_8);
    }

    private static String arm(String name, String title) {
        return "{\"name\":\"" + name + "\",\"message\":{\"defaultLocale\":\"en\",\"defaults\":{\"name\":\"friend\"},"
                + "\"variants\":{\"en\":{\"title\":\"" + title + "\",\"body\":\"20% off, today only\"}}}}";
    }

    /** Has the synthetic app's users react to the campaign, as {@link SyntheticApp#react} says. */
    public static Map<String, SyntheticApp.Reported> react(SyntheticApp app, String campaignId, SyntheticUsers users)
            throws Exception {
        return app.react(
                campaignId,
                users,
                Map.of(
                        "Plain ", Map.entry("plain", TRUTH.get("plain")),
                        "BOLD ", Map.entry("bold", TRUTH.get("bold"))),
                BASE_CONVERSION,
                CONVERSION_EVENT);
    }

    /** Whether the experiment's campaign {@code campaignId} holds {@code device}'s user out (sends it nothing). */
    public static boolean heldOut(String campaignId, SyntheticUsers.Device device) {
        return ArmAssignment.of(campaignId, List.of(1, 1), HOLDOUT).armOf(device.userId) == ArmAssignment.HOLDOUT;
    }

    /** The rows of a {@code results} record by arm ("holdout" for the holdout). */
    public static Map<String, JsonNode> rows(JsonNode results) {
        Map<String, JsonNode> rows = new TreeMap<>();
        for (JsonNode r : results.path("results")) {
            rows.put(r.path("holdout").asBoolean() ? "holdout" : r.path("arm").asText(), r);
        }
        return rows;
    }

    /** The probability the app's users in {@code arm} converted with. */
    public static double trueConversion(String arm) {
        return arm.equals("holdout") ? BASE_CONVERSION : TRUTH.get(arm).convert();
    }

    /** For people: each arm's conversion rate, its interval, and whether the interval holds the truth. */
    public static String coverage(JsonNode results) {
        StringBuilder t = new StringBuilder();
        rows(results).forEach((arm, row) -> {
            double p = trueConversion(arm);
            double low = row.path("conversionRateLow").asDouble();
            double high = row.path("conversionRateHigh").asDouble();
            t.append(String.format(
                    "  %-8s converted %,6d of %,7d users: %.2f%% [%.2f, %.2f]; the app converted with %.2f%%: %s%n",
                    arm,
                    row.path("converted").asLong(),
                    row.path("users").asLong(),
                    100 * row.path("conversionRate").asDouble(),
                    100 * low,
                    100 * high,
                    100 * p,
                    p >= low && p <= high ? "inside" : "OUTSIDE"));
        });
        return t.toString();
    }
}
