package io.herald.model;

/** What every text Herald takes in must be, whatever carries it. */
public final class Texts {
    private Texts() {}

    /**
     * Where {@code s} holds half a character (a surrogate without its pair, which a JSON escape can
     * spell and no UTF-8 holds), or -1 if it is well-formed UTF-16.
     */
    public static int loneSurrogateAt(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!Character.isSurrogate(c)) {
                continue;
            }
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else {
                return i;
            }
        }
        return -1;
    }
}
