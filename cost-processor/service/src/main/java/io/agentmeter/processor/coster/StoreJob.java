package io.agentmeter.processor.coster;

import io.agentmeter.cost.rollup.RollupResult;
import io.agentmeter.processor.model.IncomingSpan;
import io.agentmeter.processor.model.Rollup;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One group of claimed traces rolled up, handed to the store step.
 *
 * @param ids the claimed traces (released once stored or failed)
 * @param rollups the rollups to store
 * @param previous per rollup, the rollup of the spans stored before, or {@code null}
 * @param fresh per rollup, the spans no earlier stored rollup counted
 * @param closing per stored request, how many of the group's traces hold spans of it
 * @param failed stored requests a trace of the group failed to roll up for (they stay pending)
 * @param duplicates re-delivered spans skipped
 */
record StoreJob(List<String> ids, List<Rollup> rollups, List<@Nullable RollupResult> previous,
    List<List<IncomingSpan>> fresh, Map<Long, Integer> closing, Set<Long> failed,
    long duplicates) {}
