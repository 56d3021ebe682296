package io.agentmeter.cost.rollup;

import static java.util.Objects.requireNonNull;

import io.agentmeter.cost.data.SpanRecord;
import io.agentmeter.cost.fx.FxTable;
import io.agentmeter.cost.pricing.CostStatus;
import io.agentmeter.cost.pricing.Pricer;
import io.agentmeter.cost.pricing.SpanCategory;
import io.agentmeter.cost.pricing.SpanCost;
import io.agentmeter.cost.pricing.SpanFacts;
import io.agentmeter.semconv.GenAiAttributes.OperationNameValues;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Collects the spans of one trace (or of every trace of a task), in any order and possibly
 * delivered more than once, and computes their cost without double counting:
 *
 * <ol>
 *   <li>a span delivered twice counts once;
 *   <li>only inference, embedding and priced tool spans are billed; agent and workflow spans with
 *       usage are {@code aggregate};
 *   <li>a model-call span whose subtree holds model calls with usage is {@code aggregate} (the
 *       innermost spans are billed);
 *   <li>spans with the same shared-resource key inside one task are billed once and the cost is
 *       allocated across the agents that used it;
 *   <li>every attempt of a retried call is billed and reported as retry cost;
 *   <li>agent, task and client come from the span, then its ancestors, then its resource, then
 *       baggage.
 * </ol>
 *
 * <p>{@link #result()} depends only on the set of distinct spans, so arrival order and duplicate
 * deliveries do not change it. Not thread-safe: one rollup belongs to one caller at a time.
 */
public final class TraceRollup {

  /** The agent or client of spans nothing attributes. */
  public static final String UNATTRIBUTED = "unattributed";

  private static final long NANOS_PER_DAY = 86_400_000_000_000L;
  private static final int ALLOCATION_SCALE = 12;
  private static final SpanCost NOT_LLM =
      new SpanCost(CostStatus.NOT_BILLABLE, null, null, null, null, null, "not an LLM call");

  private final Pricer pricer;
  private final AllocationRule allocationRule;
  private final String currency;
  private final FxTable fx;
  /** Distinct spans by trace id, then span id. */
  private final Map<String, Map<String, Delivered>> traces = new HashMap<>(4);
  private int size;
  /** The spans of the trace added last (usually the only one), to skip the outer lookup. */
  private @Nullable String lastTraceId;
  private @Nullable Map<String, Delivered> lastTrace;
  private final List<Delivered> duplicates = new ArrayList<>(0);

  TraceRollup(Pricer pricer, AllocationRule allocationRule, String currency, FxTable fx) {
    this.pricer = requireNonNull(pricer, "pricer");
    this.allocationRule = requireNonNull(allocationRule, "allocationRule");
    this.currency = requireNonNull(currency, "currency");
    this.fx = requireNonNull(fx, "fx");
  }

  /** A rollup; {@code io.agentmeter.cost.CostEngine#newRollup()} is the usual way to get one. */
  public static TraceRollup create(
      Pricer pricer, AllocationRule allocationRule, String currency, FxTable fx) {
    return new TraceRollup(pricer, allocationRule, currency, fx);
  }

  /**
   * Adds a delivered span.
   *
   * @return {@code false} when it is a duplicate delivery of a span already added
   */
  public boolean add(SpanRecord span) {
    Map<String, Delivered> spans = spansOf(span.traceId());
    Delivered delivered = new Delivered(span);
    Delivered existing = spans.putIfAbsent(span.spanId(), delivered);
    if (existing == null) {
      size++;
      return true;
    }
    // Keep one version whatever the arrival order: identical content is one span; for conflicting
    // versions of the same ids the later-ending (then larger-content) version wins.
    if (prefer(delivered, existing)) {
      spans.put(span.spanId(), delivered);
      duplicates.add(existing);
    } else {
      duplicates.add(delivered);
    }
    return false;
  }

  private Map<String, Delivered> spansOf(String traceId) {
    Map<String, Delivered> spans = lastTrace;
    if (spans != null && traceId.equals(lastTraceId)) {
      return spans;
    }
    spans = traces.computeIfAbsent(traceId, t -> new HashMap<>());
    lastTraceId = traceId;
    lastTrace = spans;
    return spans;
  }

  /** How many distinct spans were added. */
  public int size() {
    return size;
  }

  /** Computes the costs of every span added so far. */
  public RollupResult result() {
    List<Node> all = new ArrayList<>(size);
    Map<String, String> roots = new HashMap<>(4);
    for (Map.Entry<String, Map<String, Delivered>> trace : traces.entrySet()) {
      Map<String, Delivered> spans = trace.getValue();
      Map<String, Node> nodes = new HashMap<>(spans.size() * 4 / 3 + 1);
      for (Map.Entry<String, Delivered> span : spans.entrySet()) {
        nodes.put(span.getKey(), new Node(span.getValue()));
      }
      linkAndAttribute(trace.getKey(), nodes, all, roots);
    }
    for (Node node : all) {
      classifyAndPrice(node);
    }
    applySharedResources(all);
    markRetries(all);
    return total(all, roots);
  }

  private void linkAndAttribute(
      String traceId, Map<String, Node> nodes, List<Node> all, Map<String, String> roots) {
    List<Node> starts = new ArrayList<>();
    for (Node node : nodes.values()) {
      String parentId = node.span().parentSpanId();
      Node parent = parentId == null ? null : nodes.get(parentId);
      if (parent == null || parent == node) {
        starts.add(node);
        if (parentId == null) {
          roots.merge(traceId, node.span().spanId(), (a, b) -> a.compareTo(b) <= 0 ? a : b);
        }
      } else {
        node.parent = parent;
        parent.children.add(node);
      }
    }
    starts.sort(Comparator.comparing((Node n) -> n.span().spanId()));
    // Pre-order walk from every start; nodes left unvisited sit on a parent cycle and become starts.
    List<Node> order = new ArrayList<>(nodes.size());
    walk(starts, order);
    if (order.size() < nodes.size()) {
      List<Node> cyclic = new ArrayList<>();
      for (Node node : nodes.values()) {
        if (!node.visited) {
          node.parent = null;
          cyclic.add(node);
        }
      }
      cyclic.sort(Comparator.comparing((Node n) -> n.span().spanId()));
      for (Node node : cyclic) {
        if (!node.visited) {
          walk(List.of(node), order);
        }
      }
    }
    for (Node node : order) {
      Node parent = node.parent;
      SpanFacts f = node.facts();
      if (parent != null) {
        SpanFacts pf = parent.facts();
        node.ancestorAgent =
            pf.agent() != null && OperationNameValues.INVOKE_AGENT.equals(pf.operation())
                ? pf.agent()
                : parent.ancestorAgent;
        node.ancestorTask = pf.task() != null ? pf.task() : parent.ancestorTask;
        node.ancestorClient = pf.client() != null ? pf.client() : parent.ancestorClient;
      }
      node.agent = first(f.agent(), node.ancestorAgent, f.resourceAgent(), f.baggageAgent(), UNATTRIBUTED);
      node.task = first(f.task(), node.ancestorTask, f.resourceTask(), f.baggageTask(), traceId);
      node.client = first(f.client(), node.ancestorClient, f.resourceClient(), f.baggageClient(), UNATTRIBUTED);
    }
    // Post-order: does a subtree hold a model call with usage?
    for (int i = order.size() - 1; i >= 0; i--) {
      Node node = order.get(i);
      if (node.parent != null && (node.modelCallWithUsage() || node.subtreeHasModelCall)) {
        node.parent.subtreeHasModelCall = true;
      }
    }
    all.addAll(order);
  }

  private static void walk(List<Node> starts, List<Node> order) {
    ArrayDeque<Node> stack = new ArrayDeque<>();
    for (int i = starts.size() - 1; i >= 0; i--) {
      stack.push(starts.get(i));
    }
    while (!stack.isEmpty()) {
      Node node = stack.pop();
      if (node.visited) {
        continue;
      }
      node.visited = true;
      order.add(node);
      for (int i = node.children.size() - 1; i >= 0; i--) {
        stack.push(node.children.get(i));
      }
    }
  }

  private void classifyAndPrice(Node node) {
    SpanFacts f = node.facts();
    SpanCategory category = f.category();
    if (category == SpanCategory.AGENT) {
      node.status = f.usage().isReported() ? CostStatus.AGGREGATE : CostStatus.NOT_BILLABLE;
      node.reason =
          f.usage().isReported()
              ? "agent span carries its children's usage; the model calls are billed"
              : "agent span";
      return;
    }
    if (category.isModelCall() && node.modelCallWithUsage() && node.subtreeHasModelCall) {
      node.status = CostStatus.AGGREGATE;
      node.reason = "wraps the model call(s) of its subtree; the innermost spans are billed";
      return;
    }
    if (category == SpanCategory.OTHER) {
      node.price = NOT_LLM;
    } else {
      node.price = pricer.price(f, node.span().startEpochNanos(), node.client);
    }
    node.status = node.price.status();
    node.reason = node.price.reason();
    if (node.price.isPriced()) {
      BigDecimal amount = requireNonNull(node.price.amount());
      String from = requireNonNull(node.price.currency());
      BigDecimal converted = fx.convert(amount, from, currency, node.day());
      if (converted == null) {
        node.status = CostStatus.UNPRICED;
        node.reason = "priced " + amount.stripTrailingZeros().toPlainString() + " " + from + ", but no " + from + "->"
            + currency + " rate on " + node.day();
      } else {
        node.cost = converted.stripTrailingZeros();
      }
    }
  }

  private void applySharedResources(List<Node> all) {
    Map<String, List<Node>> groups = new LinkedHashMap<>();
    for (Node node : all) {
      String resource = node.facts().sharedResource();
      if (resource != null && node.isBillable()) {
        groups.computeIfAbsent(node.task + '\u0000' + resource, k -> new ArrayList<>()).add(node);
      }
    }
    for (List<Node> group : groups.values()) {
      group.sort(Node.BY_START);
      Node owner = group.get(0);
      owner.sharedOwner = true;
      for (int i = 1; i < group.size(); i++) {
        Node reuse = group.get(i);
        reuse.status = CostStatus.SHARED_REUSE;
        reuse.reason = "shared resource '" + owner.facts().sharedResource()
            + "' is billed once per task, on span " + owner.span().spanId();
        reuse.cost = null;
      }
      List<String> agents = new ArrayList<>();
      for (Node node : group) {
        if (!agents.contains(node.agent)) {
          agents.add(node.agent);
        }
      }
      owner.sharedAgents = agents;
    }
  }

  private static void markRetries(List<Node> all) {
    Map<AttemptKey, List<Node>> attempts = new HashMap<>();
    for (Node node : all) {
      // An HTTP span resent under a model call (an SDK's own retry) makes that call a retry.
      if (node.facts().category() == SpanCategory.OTHER
          && node.facts().retryAttempt() > 0
          && node.parent != null
          && node.parent.facts().category().isModelCall()) {
        node.parent.retry = true;
      }
      if (!node.isBillable() && node.status != CostStatus.NOT_BILLABLE) {
        continue;
      }
      if (!node.facts().category().isModelCall()) {
        continue;
      }
      if (node.facts().retryAttempt() > 0) {
        node.retry = true;
      }
      AttemptKey key = new AttemptKey(node.span().traceId(), node.span().parentSpanId(),
          node.facts().category(), node.facts().requestModel());
      attempts.computeIfAbsent(key, k -> new ArrayList<>(1)).add(node);
    }
    for (List<Node> group : attempts.values()) {
      if (group.size() < 2) {
        continue;
      }
      group.sort(Node.BY_START);
      boolean failedBefore = false;
      for (int i = 0; i < group.size(); i++) {
        Node node = group.get(i);
        boolean retried = i < group.size() - 1;
        if (failedBefore || (node.span().error() && retried)) {
          node.retry = true;
        }
        failedBefore |= node.span().error();
      }
    }
  }

  /** Calls that may be attempts of one call: same trace, parent, category and requested model. */
  private record AttemptKey(
      String traceId, @Nullable String parentSpanId, SpanCategory category,
      @Nullable String requestModel) {}

  /** An agent within a task. */
  private record TaskAgent(String task, String agent) {}

  private RollupResult total(List<Node> all, Map<String, String> roots) {
    BigDecimal total = BigDecimal.ZERO;
    BigDecimal shared = BigDecimal.ZERO;
    BigDecimal retry = BigDecimal.ZERO;
    int unpriced = 0;
    Map<String, BigDecimal> byAgent = new HashMap<>();
    Map<String, BigDecimal> byModel = new HashMap<>();
    Map<String, BigDecimal> byClient = new HashMap<>();
    Map<String, BigDecimal> byTask = new HashMap<>();
    // Direct (non-shared) cost per task and agent, the weights of proportional allocation.
    Map<TaskAgent, BigDecimal> direct =
        allocationRule == AllocationRule.PROPORTIONAL ? new HashMap<>() : Map.of();
    for (Node node : all) {
      if (node.status == CostStatus.UNPRICED) {
        unpriced++;
      }
      if (node.cost == null || node.status != CostStatus.PRICED) {
        continue;
      }
      BigDecimal cost = node.cost;
      total = total.add(cost);
      byModel.merge(node.modelKey(), cost, BigDecimal::add);
      byClient.merge(node.client, cost, BigDecimal::add);
      byTask.merge(node.task, cost, BigDecimal::add);
      if (node.retry) {
        retry = retry.add(cost);
      }
      if (node.sharedOwner) {
        shared = shared.add(cost);
      } else {
        byAgent.merge(node.agent, cost, BigDecimal::add);
        if (allocationRule == AllocationRule.PROPORTIONAL) {
          direct.merge(new TaskAgent(node.task, node.agent), cost, BigDecimal::add);
        }
      }
    }
    for (Node node : all) {
      if (node.sharedOwner && node.cost != null && node.status == CostStatus.PRICED) {
        node.shares = allocate(node, direct);
        node.shares.forEach((agent, part) -> byAgent.merge(agent, part, BigDecimal::add));
      }
    }
    List<SpanOutcome> outcomes = new ArrayList<>(all.size() + duplicates.size());
    all.sort(Node.BY_START);
    for (Node node : all) {
      outcomes.add(node.outcome());
    }
    List<Delivered> dups = new ArrayList<>(duplicates);
    dups.sort(Comparator.comparingLong((Delivered d) -> d.span.startEpochNanos())
        .thenComparing(d -> d.span.spanId())
        .thenComparingLong(Delivered::fingerprint));
    for (Delivered d : dups) {
      outcomes.add(duplicateOutcome(d));
    }
    return new RollupResult(
        currency, total.stripTrailingZeros(), sorted(byAgent), sorted(byModel), sorted(byClient), sorted(byTask),
        shared.stripTrailingZeros(), retry.stripTrailingZeros(), unpriced, duplicates.size(), roots, outcomes);
  }

  private Map<String, BigDecimal> allocate(Node owner, Map<TaskAgent, BigDecimal> direct) {
    List<String> agents = owner.sharedAgents;
    BigDecimal amount = requireNonNull(owner.cost);
    Map<String, BigDecimal> parts = new LinkedHashMap<>();
    if (allocationRule == AllocationRule.FIRST_USER || agents.size() == 1) {
      parts.put(agents.get(0), amount);
      return parts;
    }
    List<BigDecimal> weights = new ArrayList<>(agents.size());
    BigDecimal weightSum = BigDecimal.ZERO;
    for (String agent : agents) {
      BigDecimal w =
          allocationRule == AllocationRule.PROPORTIONAL
              ? direct.getOrDefault(new TaskAgent(owner.task, agent), BigDecimal.ZERO)
              : BigDecimal.ONE;
      weights.add(w);
      weightSum = weightSum.add(w);
    }
    if (weightSum.signum() == 0) {
      weights.replaceAll(w -> BigDecimal.ONE);
      weightSum = BigDecimal.valueOf(agents.size());
    }
    // Shares are rounded down at a fixed scale and the remainder goes to the first user, so the
    // parts always add up to the shared cost exactly.
    int scale = Math.max(ALLOCATION_SCALE, amount.scale());
    BigDecimal allocated = BigDecimal.ZERO;
    for (int i = 1; i < agents.size(); i++) {
      BigDecimal part = amount.multiply(weights.get(i)).divide(weightSum, scale, RoundingMode.DOWN);
      parts.put(agents.get(i), part);
      allocated = allocated.add(part);
    }
    Map<String, BigDecimal> ordered = new LinkedHashMap<>();
    ordered.put(agents.get(0), amount.subtract(allocated));
    ordered.putAll(parts);
    return ordered;
  }

  private static SpanOutcome duplicateOutcome(Delivered d) {
    SpanRecord s = d.span;
    SpanFacts f = d.facts;
    return new SpanOutcome(
        s.traceId(), s.spanId(), s.parentSpanId(), s.name(), s.startEpochNanos(), f.category(),
        f.agent() == null ? UNATTRIBUTED : f.agent(),
        f.task() == null ? s.traceId() : f.task(),
        f.client() == null ? UNATTRIBUTED : f.client(),
        f.provider(), f.model(), CostStatus.DUPLICATE,
        "span " + s.spanId() + " was delivered more than once; counted once",
        null, null, false, f.sharedResource(),
        f.usage().inputOrZero(), f.usage().outputOrZero(), Map.of());
  }

  private static final Comparator<Map.Entry<String, BigDecimal>> LARGEST_FIRST =
      Map.Entry.<String, BigDecimal>comparingByValue().reversed()
          .thenComparing(Map.Entry.comparingByKey());

  private static Map<String, BigDecimal> sorted(Map<String, BigDecimal> map) {
    List<Map.Entry<String, BigDecimal>> entries = new ArrayList<>(map.entrySet());
    entries.sort(LARGEST_FIRST);
    Map<String, BigDecimal> result = new LinkedHashMap<>();
    for (Map.Entry<String, BigDecimal> e : entries) {
      result.put(e.getKey(), e.getValue().stripTrailingZeros());
    }
    return result;
  }

  private static boolean prefer(Delivered candidate, Delivered existing) {
    if (candidate.span.endEpochNanos() != existing.span.endEpochNanos()) {
      return candidate.span.endEpochNanos() > existing.span.endEpochNanos();
    }
    return candidate.fingerprint() > existing.fingerprint();
  }

  private static String first(
      @Nullable String a, @Nullable String b, @Nullable String c, @Nullable String d, String dflt) {
    return a != null ? a : b != null ? b : c != null ? c : d != null ? d : dflt;
  }

  /** One delivery of a span, read once. */
  private static final class Delivered {
    final SpanRecord span;
    final SpanFacts facts;
    /** A hash of the content; only versions of one span id are compared, so made on demand. */
    private long fingerprint;
    private boolean fingerprinted;

    Delivered(SpanRecord span) {
      this.span = span;
      this.facts = SpanFacts.read(span);
    }

    long fingerprint() {
      if (!fingerprinted) {
        long h = span.name().hashCode();
        h = 31 * h + span.startEpochNanos();
        h = 31 * h + span.endEpochNanos();
        h = 31 * h + (span.error() ? 1 : 0);
        h = 31 * h + span.attributes().hashCode();
        h = 31 * h + span.resource().hashCode();
        fingerprint = h;
        fingerprinted = true;
      }
      return fingerprint;
    }
  }

  /** A span's working state while the rollup is computed. */
  private static final class Node {
    static final Comparator<Node> BY_START =
        Comparator.comparingLong((Node n) -> n.span().startEpochNanos())
            .thenComparing(n -> n.span().traceId())
            .thenComparing(n -> n.span().spanId());

    final Delivered delivered;
    /** Empty until the first child (no array for leaves), then room for ten. */
    final List<Node> children = new ArrayList<>();
    @Nullable Node parent;
    boolean visited;
    boolean subtreeHasModelCall;
    @Nullable String ancestorAgent;
    @Nullable String ancestorTask;
    @Nullable String ancestorClient;
    String agent = UNATTRIBUTED;
    String task = "";
    String client = UNATTRIBUTED;
    CostStatus status = CostStatus.NOT_BILLABLE;
    @Nullable String reason;
    @Nullable SpanCost price;
    @Nullable BigDecimal cost;
    boolean retry;
    boolean sharedOwner;
    @Nullable Map<String, BigDecimal> shares;
    List<String> sharedAgents = List.of();

    Node(Delivered delivered) {
      this.delivered = delivered;
    }

    SpanRecord span() {
      return delivered.span;
    }

    SpanFacts facts() {
      return delivered.facts;
    }

    boolean modelCallWithUsage() {
      return facts().category().isModelCall() && facts().usage().isReported();
    }

    boolean isBillable() {
      return status == CostStatus.PRICED || status == CostStatus.UNPRICED;
    }

    LocalDate day() {
      return LocalDate.ofEpochDay(Math.floorDiv(span().startEpochNanos(), NANOS_PER_DAY));
    }

    String modelKey() {
      String model = facts().model();
      if (model != null) {
        return model;
      }
      String tool = facts().toolName();
      return tool != null ? "tool:" + tool : "unknown";
    }

    SpanOutcome outcome() {
      SpanRecord s = span();
      SpanFacts f = facts();
      return new SpanOutcome(
          s.traceId(), s.spanId(), s.parentSpanId(), s.name(), s.startEpochNanos(), f.category(),
          agent, task, client, f.provider(), f.model(), status, reason,
          status == CostStatus.PRICED ? cost : null, price, retry, f.sharedResource(),
          f.usage().inputOrZero(), f.usage().outputOrZero(), shares());
    }

    private Map<String, BigDecimal> shares() {
      if (status != CostStatus.PRICED || cost == null) {
        return Map.of();
      }
      return shares != null ? shares : Map.of(agent, cost);
    }
  }
}
