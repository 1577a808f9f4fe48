package io.herald.model;

/** Who signed a control record, as its signature was verified: the principal, the key, when, and its nonce. */
public class SignedBy {
    public String principal;
    public String keyId;
    public long signedAt;
    public String nonce;

    public SignedBy() {}

    public SignedBy(String principal, String keyId, long signedAt, String nonce) {
        this.principal = principal;
        this.keyId = keyId;
        this.signedAt = signedAt;
        this.nonce = nonce;
    }
}
