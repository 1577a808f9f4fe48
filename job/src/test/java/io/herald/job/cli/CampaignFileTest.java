package io.herald.job.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CampaignFileTest {
    private static final Path EXAMPLES = Path.of("examples", "campaigns");

    @TempDir
    Path dir;

    @Test
    void theShippedExamplesPassTheJobsOwnChecks_theBrokenOneFailsWithLineAndColumn() throws Exception {
        assertThat(CampaignFile.read(EXAMPLES.resolve("streak.json")).check(Set.of("herald-demo")))
                .isEmpty();
        assertThat(CampaignFile.read(EXAMPLES.resolve("loyal-ios.yaml")).check(Set.of("herald-demo")))
                .isEmpty();
        assertThat(CampaignFile.read(EXAMPLES.resolve("broken-segment.yaml")).check(Set.of("herald-demo")))
                .singleElement()
                .asString()
                .contains("audience.expression:1:20");
    }

    @Test
    void yamlAndJsonMakeTheSameCreateRecord() throws Exception {
        Files.writeString(dir.resolve("c.yaml"), "campaignId: c1\nappId: a\naudience: {kind: all}\n");
        Files.writeString(
                dir.resolve("c.json"), "{\"campaignId\":\"c1\",\"appId\":\"a\",\"audience\":{\"kind\":\"all\"}}");
        CampaignFile yaml = CampaignFile.read(dir.resolve("c.yaml"));
        assertThat(new String(yaml.createRecord()))
                .isEqualTo(new String(CampaignFile.read(dir.resolve("c.json")).createRecord()))
                .startsWith("{\"type\":\"create\",");
        assertThat(yaml.campaignId()).isEqualTo("c1");
    }

    @Test
    void anAppTheDeploymentLacksAndAMissingAudienceAreRefused() throws Exception {
        Files.writeString(
                dir.resolve("c.json"),
                "{\"campaignId\":\"c1\",\"appId\":\"elsewhere\","
                        + "\"message\":{\"defaultLocale\":\"en\",\"variants\":{\"en\":{\"title\":\"t\",\"body\":\"b\"}}}}");
        assertThat(String.join("\n", CampaignFile.read(dir.resolve("c.json")).check(Set.of("herald-demo"))))
                .contains("audience")
                .contains("appId");
    }

    @Test
    void anotherEventOrBrokenSyntaxIsRefusedWithWhere() throws Exception {
        Files.writeString(dir.resolve("fire.json"), "{\"type\":\"fire\",\"campaignId\":\"c1\"}");
        assertThatThrownBy(() -> CampaignFile.read(dir.resolve("fire.json"))).hasMessageContaining("type is 'fire'");
        Files.writeString(dir.resolve("bad.json"), "{\"campaignId\": \"c1\",\n  \"appId\": }");
        assertThatThrownBy(() -> CampaignFile.read(dir.resolve("bad.json"))).hasMessageContaining("line 2");
        Files.writeString(dir.resolve("list.yaml"), "- a\n- b\n");
        assertThatThrownBy(() -> CampaignFile.read(dir.resolve("list.yaml")))
                .hasMessageContaining("a campaign is an object");
    }
}
