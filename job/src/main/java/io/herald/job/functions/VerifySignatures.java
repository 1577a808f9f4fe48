package io.herald.job.functions;

import io.herald.auth.SigningKeys;
import io.herald.job.config.HeraldConfig;
import io.herald.job.config.SigningKeyFiles;
import io.herald.model.RawRecord;
import io.herald.model.SignedBy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Checks the signature a control record carries (its headers) against the deployment's keys, and
 * says on the record who signed it ({@link RawRecord#signedBy}) or why its signature is refused
 * ({@link RawRecord#signatureRefusal}). Every record goes on: what an unsigned or refused record may
 * still do depends on its app, which {@link ControlGate} knows. The keys are read from their files
 * when the task opens, so that no secret is in the job graph.
 */
public final class VerifySignatures extends ProcessFunction<RawRecord, RawRecord> {
    private static final long serialVersionUID = 1L;

    private final HeraldConfig.Signing signing;

    private transient SigningKeys keys;

    public VerifySignatures(HeraldConfig.Signing signing) {
        this.signing = signing;
    }

    @Override
    public void open(OpenContext context) {
        keys = SigningKeyFiles.load(signing);
    }

    @Override
    public void processElement(RawRecord record, Context ctx, Collector<RawRecord> out) {
        SigningKeys.Verdict verdict = keys.verify(record.signature, record.key, record.value, record.timestamp);
        if (verdict instanceof SigningKeys.Verdict.Signed s) {
            record.signedBy = new SignedBy(s.principal(), s.keyId(), s.signedAt(), s.nonce());
        } else if (verdict instanceof SigningKeys.Verdict.Refused r) {
            record.signatureRefusal = r.why();
        }
        record.key = null;
        record.signature = null;
        out.collect(record);
    }
}
