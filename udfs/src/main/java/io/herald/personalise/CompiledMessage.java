package io.herald.personalise;

import com.ibm.icu.text.MessageFormat;
import com.ibm.icu.text.MessagePattern;
import com.ibm.icu.util.ULocale;
import io.herald.model.AttributeValue;
import io.herald.model.Content;
import io.herald.model.Message;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A campaign message compiled once: ICU MessageFormat templates per locale, and a fallback chain
 * from a device's locale to the message's default ({@code pt-BR}, then {@code pt}, then the
 * default). Plurals and number formats follow the device's own locale, not the variant's: a
 * {@code pt} text reads "0 dias" in Portugal and "0 dia" in Brazil, as CLDR has it.
 *
 * <p>A rendering is remembered by variant and the values of the arguments the templates name, since
 * across millions of users those repeat (first names, small counts): ICU formats each combination
 * once. At most {@link #MAX_REMEMBERED} are kept; when full, they are forgotten all at once.
 *
 * <p>Not thread-safe (ICU formats are not): each parallel instance compiles its own.
 */
public final class CompiledMessage {
    /** Renderings remembered per compiled message. */
    public static final int MAX_REMEMBERED = 10_000;

    private final Map<String, CompiledContent> variants = new HashMap<>();
    /** Every argument any variant names, in a fixed order: what a rendering depends on. */
    private final String[] argumentNames;

    private final Map<RenderKey, Rendered> remembered = new HashMap<>();
    private final CompiledContent fallback;
    private final Map<String, Object> defaults;
    private final Map<String, CompiledContent> byDeviceLocale = new HashMap<>();

    private CompiledMessage(Message message, String path) {
        if (message.defaultLocale == null || message.defaultLocale.isBlank()) {
            throw new IllegalArgumentException(path + ".defaultLocale is missing");
        }
        if (message.variants == null || message.variants.isEmpty()) {
            throw new IllegalArgumentException(path + ".variants is empty");
        }
        for (Map.Entry<String, Content> v : message.variants.entrySet()) {
            variants.put(normalise(v.getKey()), new CompiledContent(v.getKey(), v.getValue(), path));
        }
        fallback = variants.get(normalise(message.defaultLocale));
        if (fallback == null) {
            String named = message.defaultLocale.length() > 64
                            || message.defaultLocale.chars().anyMatch(Character::isISOControl)
                    ? "(" + message.defaultLocale.length() + " characters, not a locale)"
                    : "'" + message.defaultLocale + "'";
            throw new IllegalArgumentException(
                    path + ".defaultLocale " + named + " has no variant in " + path + ".variants");
        }
        defaults = new HashMap<>();
        if (message.defaults != null) {
            for (Map.Entry<String, String> d : message.defaults.entrySet()) {
                defaults.put(d.getKey(), numberOrText(d.getValue()));
            }
        }
        TreeSet<String> names = new TreeSet<>();
        for (CompiledContent c : variants.values()) {
            c.requireDefaults(defaults.keySet(), path);
            names.addAll(c.argumentNames());
            // What a user with no attributes gets: it must render, since it is also the fallback
            // for a user whose own attributes cannot.
            try {
                c.format(c.title, defaults);
                c.format(c.body, defaults);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(path + ".variants." + c.locale + " cannot be rendered with " + path
                        + ".defaults: " + e.getMessage());
            }
        }
        argumentNames = names.toArray(new String[0]);
    }

    /** Defaults are written as text; one that reads as a number is a number, so plurals can use it. */
    private static Object numberOrText(String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException notLong) {
            try {
                return Double.parseDouble(value);
            } catch (NumberFormatException notNumber) {
                return value;
            }
        }
    }

    /**
     * Compiles {@code message}.
     *
     * @throws IllegalArgumentException naming the variant and field whose template is invalid
     */
    public static CompiledMessage compile(Message message) {
        return compile(message, "message");
    }

    /**
     * Compiles {@code message}, found at {@code path} in its campaign ({@code "arms[1].message"}).
     *
     * @throws IllegalArgumentException naming the variant and field whose template is invalid
     */
    public static CompiledMessage compile(Message message, String path) {
        return new CompiledMessage(message, path);
    }

    /**
     * The title and body for a device in {@code locale}, filled from {@code attributes} (removed
     * ones are skipped: their defaults stand).
     */
    public Rendered render(String locale, Map<String, AttributeValue> attributes) {
        CompiledContent content = variantFor(locale);
        Object[] values = new Object[argumentNames.length];
        for (int i = 0; i < values.length; i++) {
            AttributeValue a = attributes.get(argumentNames[i]);
            Object v = a == null ? null : a.value();
            values[i] = v != null ? v : defaults.get(argumentNames[i]);
        }
        RenderKey key = new RenderKey(content, values);
        Rendered r = remembered.get(key);
        if (r == null) {
            Map<String, Object> args = new HashMap<>(values.length * 2);
            for (int i = 0; i < values.length; i++) {
                args.put(argumentNames[i], values[i]);
            }
            // A failure (an attribute of the wrong kind) is thrown, not remembered.
            r = new Rendered(content.locale, content.format(content.title, args), content.format(content.body, args));
            if (remembered.size() >= MAX_REMEMBERED) {
                remembered.clear(); // cheaper per lookup than keeping an LRU order; refills at once
            }
            remembered.put(key, r);
        }
        return r;
    }

    /**
     * Every variant rendered with the defaults alone, by the variant's locale: what a user with no
     * attributes gets, and the smallest payload each variant can produce.
     */
    public Map<String, Rendered> renderDefaults() {
        Map<String, Rendered> rendered = new TreeMap<>();
        for (CompiledContent c : variants.values()) {
            rendered.put(c.locale, new Rendered(c.locale, c.format(c.title, defaults), c.format(c.body, defaults)));
        }
        return rendered;
    }

    /** The variant a device in {@code locale} gets, after the fallback chain. */
    CompiledContent variantFor(String locale) {
        if (locale == null) {
            return fallback;
        }
        return byDeviceLocale.computeIfAbsent(locale, this::resolve);
    }

    private CompiledContent resolve(String locale) {
        ULocale device = ULocale.forLanguageTag(locale.replace('_', '-'));
        CompiledContent variant = fallback;
        for (ULocale u = device; u != null && !u.getName().isEmpty(); u = u.getFallback()) {
            CompiledContent c = variants.get(normalise(u.toLanguageTag()));
            if (c != null) {
                variant = c;
                break;
            }
        }
        return device.getName().isEmpty() ? variant : variant.forLocale(device);
    }

    private static String normalise(String tag) {
        return ULocale.forLanguageTag(tag.replace('_', '-')).toLanguageTag().toLowerCase(Locale.ROOT);
    }

    /** A variant, by identity, and the values of the arguments: equal keys render the same texts. */
    private static final class RenderKey {
        private final CompiledContent content;
        private final Object[] values;
        private final int hash;

        RenderKey(CompiledContent content, Object[] values) {
            this.content = content;
            this.values = values;
            this.hash = 31 * System.identityHashCode(content) + Arrays.hashCode(values);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof RenderKey
                    && ((RenderKey) o).content == content
                    && Arrays.equals(((RenderKey) o).values, values);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /**
     * A rendered title and body, and the variant's locale they came from. The same instance is
     * handed out for the same rendering while it is remembered, so what is built from it can be
     * remembered by identity too.
     */
    public static final class Rendered {
        public final String locale;
        public final String title;
        public final String body;

        Rendered(String locale, String title, String body) {
            this.locale = locale;
            this.title = title;
            this.body = body;
        }
    }

    static final class CompiledContent {
        final String locale;
        final Content content;
        final MessageFormat title;
        final MessageFormat body;

        CompiledContent(String locale, Content content, String path) {
            this(locale, content, ULocale.forLanguageTag(locale), path);
        }

        private CompiledContent(String locale, Content content, ULocale formatLocale, String path) {
            this.locale = locale;
            this.content = content;
            String where = path + ".variants." + locale;
            if (content == null || content.body == null) {
                throw new IllegalArgumentException(where + ".body is missing");
            }
            this.title = content.title == null ? null : compile(content.title, formatLocale, where + ".title");
            this.body = compile(content.body, formatLocale, where + ".body");
        }

        /**
         * Every attribute a template names needs a default, so that no user lacking it gets a raw
         * {@code {name}}; a name without one is most often a typo.
         */
        void requireDefaults(Set<String> defaults, String path) {
            for (String argument : argumentNames()) {
                if (!defaults.contains(argument)) {
                    throw new IllegalArgumentException(path + ".variants." + locale + " uses {" + argument
                            + "}, which has no default in " + path + ".defaults");
                }
            }
        }

        /**
         * Every argument the title and body name, nested ones included (inside a plural or a select),
         * which {@link MessageFormat#getArgumentNames()} leaves out.
         */
        Set<String> argumentNames() {
            Set<String> names = new TreeSet<>();
            for (MessageFormat f : new MessageFormat[] {title, body}) {
                if (f == null) {
                    continue;
                }
                MessagePattern pattern = new MessagePattern(f.toPattern());
                for (int i = 0; i < pattern.countParts(); i++) {
                    MessagePattern.Part part = pattern.getPart(i);
                    if (part.getType() == MessagePattern.Part.Type.ARG_NAME
                            || part.getType() == MessagePattern.Part.Type.ARG_NUMBER) {
                        names.add(pattern.getSubstring(part));
                    }
                }
            }
            return names;
        }

        /** The same texts, formatted with {@code device}'s plural rules and numbers. */
        CompiledContent forLocale(ULocale device) {
            // Compiled once already: the path is not needed for errors here.
            return new CompiledContent(locale, content, device, "message");
        }

        private static MessageFormat compile(String pattern, ULocale locale, String where) {
            try {
                return new MessageFormat(pattern, locale);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        where + " is not a valid ICU MessageFormat template: " + e.getMessage());
            }
        }

        String format(MessageFormat format, Map<String, Object> args) {
            return format == null ? null : format.format(args);
        }
    }
}
