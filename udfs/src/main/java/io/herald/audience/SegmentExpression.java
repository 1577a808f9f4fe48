package io.herald.audience;

import com.google.protobuf.Timestamp;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelFunctionDecl;
import dev.cel.common.CelOptions;
import dev.cel.common.CelOverloadDecl;
import dev.cel.common.CelValidationResult;
import dev.cel.common.ast.CelConstant;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.navigation.CelNavigableAst;
import dev.cel.common.navigation.CelNavigableExpr;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelFunctionBinding;
import dev.cel.runtime.CelRuntime;
import io.herald.model.AttributeValue;
import io.herald.model.DeviceRecord;
import io.herald.model.UserProfile;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A segment written by a growth team in CEL (Common Expression Language), compiled and type-checked
 * once when the campaign arrives and evaluated per device. CEL cannot loop forever, reach outside
 * its variables, or have side effects, so it is safe to take from users.
 *
 * <p>Variables: {@code platform}, {@code locale}, {@code timezone}, {@code app_version} (strings),
 * {@code tags} (list of strings), {@code attributes} (map of string to any), {@code opt_in} (bool),
 * {@code last_seen} and {@code now} (timestamps). Function {@code semver(string)} ranks a semantic
 * version as an int, so {@code semver(app_version) >= semver("5.2.0")} compares versions.
 * CEL's standard macros work: {@code has(attributes.plan)}, {@code tags.exists(t, t.startsWith("beta"))},
 * {@code all}, {@code exists_one}, {@code map}, {@code filter}.
 * Example: {@code platform == "ios" && now - last_seen < duration("168h") && "sports" in tags}.
 */
public final class SegmentExpression {
    private static final Cel CEL = CelFactory.standardCelBuilder()
            // has(), all, exists, exists_one, map and filter: CEL's own macros, bounded as the rest
            // of the language is (a comprehension runs over a list or map it is given, once).
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            // Attributes arrive as JSON numbers, whole ones as ints and others as doubles: a segment
            // like `attributes.spend > 100` must compare them all, not fail on every double.
            .setOptions(CelOptions.current()
                    .enableHeterogeneousNumericComparisons(true)
                    .build())
            .addVar("platform", SimpleType.STRING)
            .addVar("locale", SimpleType.STRING)
            .addVar("timezone", SimpleType.STRING)
            .addVar("app_version", SimpleType.STRING)
            .addVar("tags", ListType.create(SimpleType.STRING))
            .addVar("attributes", MapType.create(SimpleType.STRING, SimpleType.DYN))
            .addVar("opt_in", SimpleType.BOOL)
            .addVar("last_seen", SimpleType.TIMESTAMP)
            .addVar("last_opened", SimpleType.TIMESTAMP)
            .addVar("events", MapType.create(SimpleType.STRING, SimpleType.TIMESTAMP))
            .addVar("now", SimpleType.TIMESTAMP)
            .addFunctionDeclarations(CelFunctionDecl.newFunctionDeclaration(
                    "semver", CelOverloadDecl.newGlobalOverload("semver_string", SimpleType.INT, SimpleType.STRING)))
            .addFunctionBindings(CelFunctionBinding.from("semver_string", String.class, SegmentExpression::semverRank))
            .setResultType(SimpleType.BOOL)
            .build();

    /** The variables a segment may read, in the order a verdict's key lists their values. */
    private static final List<String> VARIABLES = List.of(
            "platform",
            "locale",
            "timezone",
            "app_version",
            "tags",
            "attributes",
            "opt_in",
            "last_seen",
            "last_opened",
            "events",
            "now");

    private final String source;
    private final CelRuntime.Program program;
    /** The variables the expression reads, in {@link #VARIABLES}' order, {@code now} left out. */
    private final List<String> reads;
    /** Of the attributes, the ones it reads by name; null when it reads the map as a whole. */
    private final List<String> attributeNames;
    /** Whether verdicts are worth remembering: not when the expression reads {@code last_seen}. */
    private final boolean remembered;

    private SegmentExpression(
            String source, CelRuntime.Program program, List<String> reads, List<String> attributeNames) {
        this.source = source;
        this.program = program;
        this.reads = reads;
        this.attributeNames = attributeNames;
        // A user's activity times are nearly all distinct, like last_seen: verdicts are not worth keeping.
        this.remembered = !reads.contains("last_seen") && !reads.contains("last_opened") && !reads.contains("events");
    }

    /**
     * Compiles and type-checks {@code source}.
     *
     * @throws IllegalArgumentException with CEL's errors and their positions (line:column)
     */
    public static SegmentExpression compile(String source) {
        CelValidationResult result = CEL.compile(source, "audience.expression");
        if (result.hasError()) {
            throw new IllegalArgumentException(result.getErrorString());
        }
        try {
            CelAbstractSyntaxTree ast = result.getAst();
            Set<String> variables = new HashSet<>();
            Set<String> attributeNames = new TreeSet<>();
            boolean wholeMap = false;
            for (CelNavigableExpr node : (Iterable<CelNavigableExpr>)
                    CelNavigableAst.fromAst(ast).getRoot().allNodes()::iterator) {
                if (node.getKind() != CelExpr.ExprKind.Kind.IDENT
                        || !VARIABLES.contains(node.expr().ident().name())) {
                    continue;
                }
                String name = node.expr().ident().name();
                variables.add(name);
                if (name.equals("attributes")) {
                    String named = attributeNamed(node);
                    if (named == null) {
                        wholeMap = true;
                    } else {
                        attributeNames.add(named);
                    }
                }
            }
            List<String> reads = VARIABLES.stream()
                    .filter(v -> variables.contains(v) && !v.equals("now"))
                    .toList();
            return new SegmentExpression(
                    source, CEL.createProgram(ast), reads, wholeMap ? null : List.copyOf(attributeNames));
        } catch (Exception e) {
            throw new IllegalArgumentException("audience.expression: " + e.getMessage());
        }
    }

    public String source() {
        return source;
    }

    /** The attribute {@code attributesIdent} is used to read ({@code attributes.x}, {@code attributes["x"]}), or null. */
    private static String attributeNamed(CelNavigableExpr attributesIdent) {
        CelNavigableExpr parent = attributesIdent.parent().orElse(null);
        if (parent == null) {
            return null;
        }
        CelExpr p = parent.expr();
        if (parent.getKind() == CelExpr.ExprKind.Kind.SELECT
                && p.select().operand().id() == attributesIdent.id()) {
            return p.select().field();
        }
        if (parent.getKind() == CelExpr.ExprKind.Kind.CALL
                && p.call().function().equals("_[_]")
                && p.call().args().size() == 2
                && p.call().args().get(0).id() == attributesIdent.id()
                && p.call().args().get(1).getKind() == CelExpr.ExprKind.Kind.CONSTANT
                && p.call().args().get(1).constant().getKind() == CelConstant.Kind.STRING_VALUE) {
            return p.call().args().get(1).constant().stringValue();
        }
        return null;
    }

    /**
     * What the verdict on a device depends on: the values of the variables the expression reads
     * (of the attributes, only those it names), {@code now} aside, which a caller holds fixed. Two
     * devices with equal keys get the same verdict, since CEL is pure: an estimate evaluates each
     * distinct combination once. Null when the expression reads {@code last_seen}, whose values are
     * nearly all distinct, so that remembering verdicts would not pay.
     */
    public List<Object> verdictKey(DeviceRecord device, UserValues user) {
        if (!remembered) {
            return null;
        }
        Object[] key = new Object[reads.size() + (attributeNames == null ? 0 : attributeNames.size())];
        int i = 0;
        for (String name : reads) {
            if (name.equals("attributes") && attributeNames != null) {
                for (String a : attributeNames) {
                    key[i++] = user.attributes().get(a);
                }
            } else if (name.equals("tags")) {
                // The list as the expression sees it, order included (an expression may index it).
                key[i++] = device.currentTags();
            } else {
                key[i++] = variable(name, device, user, 0);
            }
        }
        return Arrays.asList(key);
    }

    /** Whether the device of this user matches; see {@link #matches(DeviceRecord, Map, long)}. */
    public boolean matches(DeviceRecord device, UserProfile user, long nowMillis) {
        return matches(device, values(user), nowMillis);
    }

    /**
     * Whether a device matches, given its user's attributes as {@link #attributes(UserProfile)} made
     * them (make them once per user, not once per device). An expression that fails on a device (an
     * attribute it lacks, say) does not match it.
     */
    public boolean matches(DeviceRecord device, UserValues user, long nowMillis) {
        try {
            // Variables are looked up by name as the program needs them: nothing is built for those it never reads.
            return Boolean.TRUE.equals(
                    program.eval(name -> Optional.ofNullable(variable(name, device, user, nowMillis))));
        } catch (CelEvaluationException e) {
            return false;
        }
    }

    private static Object variable(String name, DeviceRecord device, UserValues user, long nowMillis) {
        switch (name) {
            case "platform":
                return device.platform == null ? "" : device.platform.wire();
            case "locale":
                return device.locale == null ? "" : device.locale;
            case "timezone":
                return device.timezone == null ? "" : device.timezone;
            case "app_version":
                return device.appVersion == null ? "" : device.appVersion;
            case "tags":
                return device.currentTags();
            case "attributes":
                return user.attributes();
            case "last_opened":
                return user.lastOpened();
            case "events":
                return user.events();
            case "opt_in":
                return !Boolean.FALSE.equals(device.optIn);
            case "last_seen":
                return timestamp(device.lastSeen == DeviceRecord.NEVER ? 0 : device.lastSeen);
            case "now":
                return timestamp(nowMillis);
            default:
                return null;
        }
    }

    /**
     * What an expression reads of a user, as CEL values, made once per user: the attributes (removed
     * ones left out), the last open ({@code last_opened}: the epoch when never) and the last time of
     * each app event ({@code events}).
     */
    public record UserValues(Map<String, Object> attributes, Object lastOpened, Map<String, Object> events) {}

    /** {@code user}'s values, as {@link UserValues} says. */
    public static UserValues values(UserProfile user) {
        // Built per user for every segment: nothing to copy for the many users who reported no event.
        Map<String, Object> events = user.lastEvents.isEmpty() ? Map.of() : new HashMap<>();
        user.lastEvents.forEach((name, at) -> events.put(name, timestamp(at)));
        return new UserValues(
                attributes(user), timestamp(user.lastOpenedAt == DeviceRecord.NEVER ? 0 : user.lastOpenedAt), events);
    }

    /** A user's attributes as CEL values, removed ones left out. */
    static Map<String, Object> attributes(UserProfile user) {
        Map<String, Object> out = new HashMap<>();
        for (Map.Entry<String, AttributeValue> a : user.attributes.entrySet()) {
            AttributeValue v = a.getValue();
            if (v.removed) {
                continue;
            }
            out.put(a.getKey(), v.timestamp != null ? timestamp(v.timestamp) : v.value());
        }
        return out;
    }

    /**
     * A semantic version's rank: major, minor and patch packed into one number; pre-release and
     * build suffixes are ignored, missing parts count as zero, and a malformed version ranks -1.
     */
    static long semverRank(String version) {
        String core = version.split("[-+]", 2)[0];
        String[] parts = core.split("\\.");
        if (parts.length == 0 || parts.length > 3) {
            return -1;
        }
        long rank = 0;
        for (int i = 0; i < 3; i++) {
            long part;
            try {
                part = i < parts.length ? Long.parseLong(parts[i]) : 0;
            } catch (NumberFormatException e) {
                return -1;
            }
            if (part < 0 || part >= 1_000_000) {
                return -1;
            }
            rank = rank * 1_000_000 + part;
        }
        return rank;
    }

    private static Timestamp timestamp(long epochMillis) {
        return Timestamp.newBuilder()
                .setSeconds(Math.floorDiv(epochMillis, 1000))
                .setNanos((int) Math.floorMod(epochMillis, 1000) * 1_000_000)
                .build();
    }
}
