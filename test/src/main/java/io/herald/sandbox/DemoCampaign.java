package io.herald.sandbox;

import java.nio.charset.StandardCharsets;

/** The campaign the demo and the end-to-end tests fire: personalised, with plurals, in five languages. */
public final class DemoCampaign {
    private DemoCampaign() {}

    /** A create event for every user of the sandbox app, or only {@code platforms} (e.g. {@code "ios"}) if given. */
    public static byte[] create(String campaignId, String audienceJson) {
        String json = "{\"type\":\"create\",\"campaignId\":\"" + campaignId + "\",\"appId\":\"" + Sandbox.APP_ID + "\","
                + "\"audience\":" + audienceJson + ","
                + "\"message\":{\"defaultLocale\":\"en\",\"defaults\":{\"name\":\"friend\",\"streak\":\"0\"},"
                + "\"data\":{\"deeplink\":\"herald://streak\"},\"sound\":\"default\",\"variants\":{"
                + "\"en\":{\"title\":\"Hi {name}!\",\"body\":\"You are on a {streak, plural, one {# day} other {# days}} streak.\"},"
                + "\"pt\":{\"title\":\"Olá {name}!\",\"body\":\"Sua sequência é de {streak, plural, one {# dia} other {# dias}}.\"},"
                + "\"pt-BR\":{\"title\":\"Oi {name}!\",\"body\":\"Sua sequência é de {streak, plural, one {# dia} other {# dias}}.\"},"
                + "\"es\":{\"title\":\"¡Hola {name}!\",\"body\":\"Llevas {streak, plural, one {# día} other {# días}} seguidos.\"},"
                + "\"de\":{\"title\":\"Hallo {name}!\",\"body\":\"Deine Serie: {streak, plural, one {# Tag} other {# Tage}}.\"},"
                + "\"fr\":{\"title\":\"Salut {name} !\",\"body\":\"Série de {streak, plural, one {# jour} other {# jours}}.\"}"
                + "}}}";
        return json.getBytes(StandardCharsets.UTF_8);
    }

    /** The same create event, held to {@code maxPerSecond} notifications a second over the whole job. */
    public static byte[] create(String campaignId, String audienceJson, int maxPerSecond) {
        String json = new String(create(campaignId, audienceJson), StandardCharsets.UTF_8);
        return json.replaceFirst("^\\{", "{\"maxPerSecond\":" + maxPerSecond + ",")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** The same create event, fired by the job itself at {@code at} (epoch ms), with no fire record. */
    public static byte[] createScheduled(String campaignId, String audienceJson, long at) {
        String json = new String(create(campaignId, audienceJson), StandardCharsets.UTF_8);
        return json.replaceFirst("^\\{", "{\"schedule\":{\"at\":" + at + "},").getBytes(StandardCharsets.UTF_8);
    }

    /** The audience "every user of the app". */
    public static final String ALL = "{\"kind\":\"all\"}";

    /** Asks the job to count the campaign's audience and send nothing. */
    public static byte[] estimate(String campaignId) {
        return ("{\"type\":\"estimate\",\"campaignId\":\"" + campaignId + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    /** Asks the job to count what a retry for {@code outcomes} would reach. */
    public static byte[] estimate(String campaignId, String... outcomes) {
        return withOutcomes("estimate", campaignId, outcomes);
    }

    public static byte[] fire(String campaignId) {
        return ("{\"type\":\"fire\",\"campaignId\":\"" + campaignId + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    /** Sends the campaign again to the devices whose last receipt had one of {@code outcomes}. */
    public static byte[] retry(String campaignId, String... outcomes) {
        return withOutcomes("retry", campaignId, outcomes);
    }

    private static byte[] withOutcomes(String type, String campaignId, String... outcomes) {
        return ("{\"type\":\"" + type + "\",\"campaignId\":\"" + campaignId + "\",\"outcomes\":[\""
                        + String.join("\",\"", outcomes) + "\"]}")
                .getBytes(StandardCharsets.UTF_8);
    }

    public static byte[] cancel(String campaignId) {
        return ("{\"type\":\"cancel\",\"campaignId\":\"" + campaignId + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    /** Pauses ({@code "pause"}) or resumes ({@code "resume"}) a campaign. */
    public static byte[] pause(String type, String campaignId) {
        return ("{\"type\":\"" + type + "\",\"campaignId\":\"" + campaignId + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    /** Pauses ({@code "pause"}) or resumes ({@code "resume"}) a whole app. */
    public static byte[] pauseApp(String type, String appId) {
        return ("{\"type\":\"" + type + "\",\"appId\":\"" + appId + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    /** A transactional send of the campaign to one user, named {@code sendId}. */
    public static byte[] send(String campaignId, String userId, String sendId) {
        return ("{\"type\":\"send\",\"campaignId\":\"" + campaignId + "\",\"userId\":\"" + userId + "\",\"sendId\":\""
                        + sendId + "\"}")
                .getBytes(StandardCharsets.UTF_8);
    }
}
