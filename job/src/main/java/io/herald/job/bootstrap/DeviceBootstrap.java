package io.herald.job.bootstrap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.job.HeraldJob;
import io.herald.job.functions.ClaimOwnership;
import io.herald.job.functions.Descriptors;
import io.herald.job.state.Claim;
import io.herald.json.DeviceEventCodec;
import io.herald.json.Json;
import io.herald.json.Parsed;
import io.herald.model.DeviceEvent;
import io.herald.model.RawRecord;
import io.herald.model.UserState;
import io.herald.state.DeviceStateMerge;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.reader.TextLineInputFormat;
import org.apache.flink.core.fs.Path;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.OperatorTransformation;
import org.apache.flink.state.api.SavepointWriter;
import org.apache.flink.state.api.functions.KeyedStateBootstrapFunction;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.state.rocksdb.RocksDBConfigurableOptions;
import org.apache.flink.state.rocksdb.RocksDBOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;

/**
 * Writes a savepoint holding a whole device base, from a JSON Lines export (one device per line,
 * the fields of a {@code register} event; {@code type} may be left out). A new deployment started
 * from it serves campaigns at once instead of streaming its history through Kafka first; replaying
 * that history anyway is harmless, since device merges are idempotent.
 *
 * <p>It fills the same state the job keeps, under the same operator uids: the users' profiles and
 * devices, and who holds each device id and token. Lines that fail the devices topic's checks are
 * skipped and counted.
 */
public final class DeviceBootstrap {
    private static final String READ = "lines-read";
    private static final String REFUSED = "lines-refused";
    /** RocksDB's memory (block cache and write buffers) for each worker's writers together. */
    private static final MemorySize ROCKSDB_MEMORY_PER_WORKER = MemorySize.parse("1g");

    private DeviceBootstrap() {}

    /** What a bootstrap did. */
    public static final class Result {
        public final long linesRead;
        public final long linesRefused;
        public final long elapsedMs;

        Result(long linesRead, long linesRefused, long elapsedMs) {
            this.linesRead = linesRead;
            this.linesRefused = linesRefused;
            this.elapsedMs = elapsedMs;
        }
    }

    /**
     * Reads {@code export} and writes a savepoint to {@code savepointDir} (a path or URI) on an
     * embedded Flink, with {@code parallelism} workers.
     */
    public static Result run(String export, String savepointDir, Duration deviceTtl, int parallelism) throws Exception {
        long start = System.nanoTime();
        // Nearly every lookup while bootstrapping misses (a user, device id or token not seen yet).
        // Without bloom filters RocksDB searches every file for each miss. And an embedded Flink gives
        // RocksDB a few tens of MB, its share of 128 MB of managed memory: once the base outgrows that,
        // every lookup reads blocks from disk again (half the CPU went to system time), and the
        // bootstrap slows as the state grows. Both the claim stages (state of this job) and the
        // savepoint's writers get the same settings.
        Configuration rocks = HeraldJob.rocksDbStorage();
        rocks.set(RocksDBConfigurableOptions.USE_BLOOM_FILTER, true);
        rocks.set(RocksDBOptions.FIX_PER_SLOT_MEMORY_SIZE, ROCKSDB_MEMORY_PER_WORKER);
        Configuration conf = new Configuration();
        conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        conf.addAll(rocks);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(parallelism);

        DataStream<DeviceEvent> devices = env.fromSource(
                        FileSource.forRecordStreamFormat(new TextLineInputFormat(), new Path(export))
                                .build(),
                        WatermarkStrategy.noWatermarks(),
                        "Device export")
                .flatMap(new ParseExportLine())
                .name("Parse export lines");

        // The users' state comes from the devices as the live job would see them: through the same
        // claims on device ids and tokens, so that an export with one token on two devices or one
        // device id under two users leaves the losers uninstalled or without the token, as the job would.
        DataStream<DeviceEvent> settled = devices.keyBy(ClaimOwnership.keyFor(ClaimOwnership.Claimed.DEVICE_ID))
                .process(new ClaimOwnership(ClaimOwnership.Claimed.DEVICE_ID, deviceTtl))
                .name("One user per device id")
                .keyBy(ClaimOwnership.keyFor(ClaimOwnership.Claimed.TOKEN))
                .process(new ClaimOwnership(ClaimOwnership.Claimed.TOKEN, deviceTtl))
                .name("One device per token");
        SavepointWriter.newSavepoint(
                        env,
                        new EmbeddedRocksDBStateBackend().configure(rocks, DeviceBootstrap.class.getClassLoader()),
                        HeraldJob.MAX_PARALLELISM)
                .withOperator(
                        OperatorIdentifier.forUid(HeraldJob.UID_FAN_OUT),
                        OperatorTransformation.bootstrapWith(settled)
                                .keyBy(e -> e.userId)
                                .transform(new UserStateWriter(deviceTtl)))
                .withOperator(
                        OperatorIdentifier.forUid(HeraldJob.UID_CLAIM_DEVICE_IDS),
                        OperatorTransformation.bootstrapWith(devices)
                                .keyBy(ClaimOwnership.keyFor(ClaimOwnership.Claimed.DEVICE_ID))
                                .transform(new ClaimWriter(ClaimOwnership.Claimed.DEVICE_ID, deviceTtl)))
                .withOperator(
                        OperatorIdentifier.forUid(HeraldJob.UID_CLAIM_TOKENS),
                        OperatorTransformation.bootstrapWith(devices)
                                .keyBy(ClaimOwnership.keyFor(ClaimOwnership.Claimed.TOKEN))
                                .transform(new ClaimWriter(ClaimOwnership.Claimed.TOKEN, deviceTtl)))
                .write(savepointDir);
        JobExecutionResult result = env.execute("Herald device bootstrap");
        return new Result(count(result, READ), count(result, REFUSED), (System.nanoTime() - start) / 1_000_000);
    }

    private static long count(JobExecutionResult result, String name) {
        Long n = result.getAccumulatorResult(name);
        return n == null ? 0 : n;
    }

    /** One export line to a register event, through the devices topic's own codec and checks. */
    static final class ParseExportLine extends RichFlatMapFunction<String, DeviceEvent> {
        private static final long serialVersionUID = 1L;
        private final DeviceEventCodec codec = new DeviceEventCodec();
        private final LongCounter read = new LongCounter();
        private final LongCounter refused = new LongCounter();

        @Override
        public void open(OpenContext openContext) {
            getRuntimeContext().addAccumulator(READ, read);
            getRuntimeContext().addAccumulator(REFUSED, refused);
        }

        @Override
        public void flatMap(String line, Collector<DeviceEvent> out) {
            if (line.isBlank()) {
                return;
            }
            read.add(1);
            byte[] value = line.getBytes(StandardCharsets.UTF_8);
            try {
                JsonNode n = Json.MAPPER.readTree(value);
                if (n.isObject() && !n.has("type")) {
                    ((ObjectNode) n).put("type", "register");
                    value = Json.bytes(n);
                }
            } catch (Exception e) {
                // the codec says why
            }
            Parsed<DeviceEvent> parsed = codec.parse(new RawRecord("export", 0, 0, 0, value));
            if (parsed.isOk()) {
                out.collect(parsed.value());
            } else {
                refused.add(1);
            }
        }
    }

    /** Merges each user's export lines into the fan-out's state: one compact value per user. */
    static final class UserStateWriter extends KeyedStateBootstrapFunction<String, DeviceEvent> {
        private static final long serialVersionUID = 1L;
        private final Duration ttl;
        private transient ValueState<UserState> user;

        UserStateWriter(Duration ttl) {
            this.ttl = ttl;
        }

        @Override
        public void open(OpenContext openContext) {
            user = getRuntimeContext().getState(Descriptors.users(ttl));
        }

        @Override
        public void processElement(DeviceEvent e, Context ctx) throws Exception {
            UserState u = user.value();
            if (u == null) {
                u = new UserState();
            }
            // Devices expire from the bootstrap's time, as if the live job had written them now.
            DeviceStateMerge.apply(u.profile, u.devicesAt(System.currentTimeMillis(), ttl.toMillis()), e);
            user.update(u);
        }
    }

    /** Records who holds each device id or token, as the live job's claim stages decide it. */
    static final class ClaimWriter extends KeyedStateBootstrapFunction<String, DeviceEvent> {
        private static final long serialVersionUID = 1L;
        private final ClaimOwnership.Claimed claimed;
        private final Duration ttl;
        private transient ValueState<Claim> owner;

        ClaimWriter(ClaimOwnership.Claimed claimed, Duration ttl) {
            this.claimed = claimed;
            this.ttl = ttl;
        }

        @Override
        public void open(OpenContext openContext) {
            owner = getRuntimeContext().getState(ClaimOwnership.ownerDescriptor(claimed, ttl));
        }

        @Override
        public void processElement(DeviceEvent e, Context ctx) throws Exception {
            Claim current = owner.value();
            Claim next = ClaimOwnership.decide(claimed, current, e, loss -> {});
            if (next != current) {
                owner.update(next);
            }
        }
    }
}
