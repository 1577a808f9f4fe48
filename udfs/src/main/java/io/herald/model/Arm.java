package io.herald.model;

/**
 * One arm of a campaign's experiment: its name (what receipts, estimates and results call it), its
 * weight among the arms, and its own message, which has the campaign's locales and defaults.
 */
public class Arm {
    /** 1 to 64 letters, digits, {@code _ . -}, starting with a letter or digit; unique in the campaign. */
    public String name;
    /** Its share of the users who are not held out, against the other arms' weights: 1 to 1000 (null: 1). */
    public Integer weight;

    public Message message;

    public Arm() {}

    /** {@link #weight}, or 1 when it is left out. */
    public int weightOrOne() {
        return weight == null ? 1 : weight;
    }
}
