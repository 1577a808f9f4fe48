package io.herald.model;

/** One row of an uploaded audience list: this user is in the audience of this campaign. */
public class AudienceRow {
    public String campaignId;
    public String userId;

    public AudienceRow() {}

    public AudienceRow(String campaignId, String userId) {
        this.campaignId = campaignId;
        this.userId = userId;
    }
}
