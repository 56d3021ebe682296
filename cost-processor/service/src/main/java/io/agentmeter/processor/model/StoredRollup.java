package io.agentmeter.processor.model;

import io.agentmeter.cost.rollup.RollupResult;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A rollup once it is durably stored, as listeners see it.
 *
 * @param rollup what was stored
 * @param previous the trace's rollup stored before this one replaced it (a late span, a
 *     re-delivery, a restart), or {@code null} for a trace stored for the first time
 * @param fresh the spans this rollup counted that no earlier stored rollup had (what a forwarder
 *     has not sent yet)
 */
public record StoredRollup(Rollup rollup, @Nullable RollupResult previous, List<IncomingSpan> fresh) {}
