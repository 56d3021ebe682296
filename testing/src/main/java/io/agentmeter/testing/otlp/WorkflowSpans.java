package io.agentmeter.testing.otlp;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A small multi-agent trace made with the real OpenTelemetry SDK: a request root, a planner agent
 * calling gpt-4o-mini, a researcher agent whose framework span wraps an SDK span calling gpt-4o
 * with cached input, and a reviewer calling a model no catalogue has. Costs by hand from the cost
 * engine's bundled catalogue (USD per million tokens):
 *
 * <ul>
 *   <li>planner, gpt-4o-mini (0.15 in, 0.60 out): 1,000 in, 500 out = 0.00015 + 0.0003 = 0.00045
 *   <li>researcher, gpt-4o (2.50 in, 1.25 cached, 10 out): 2,000 in of which 500 cached, 300 out =
 *       1,500 x 2.5e-6 + 500 x 1.25e-6 + 300 x 1e-5 = 0.00375 + 0.000625 + 0.003 = 0.007375
 *   <li>reviewer, acme-reviewer-7b: unpriced
 * </ul>
 *
 * Total 0.007825.
 */
public final class WorkflowSpans {

  public static final BigDecimal PLANNER = new BigDecimal("0.00045");
  public static final BigDecimal RESEARCHER = new BigDecimal("0.007375");
  public static final BigDecimal TOTAL = new BigDecimal("0.007825");

  private WorkflowSpans() {}

  /** Makes the trace and returns its finished spans, root last. */
  public static List<SpanData> make(String client) {
    return record("orchestrator", tracer -> {
      Span root = tracer.spanBuilder("POST /reports").setSpanKind(SpanKind.SERVER)
          .setAttribute("agentmeter.client.id", client)
          .setAttribute("agentmeter.task.id", "report-" + client)
          .startSpan();
      try (Scope ignored = root.makeCurrent()) {
        agent(tracer, "planner", () -> chat(tracer, "gpt-4o-mini", 1_000, 0, 500));
        agent(tracer, "researcher", () -> {
          Span framework = tracer.spanBuilder("langchain4j chat")
              .setAttribute("gen_ai.operation.name", "chat")
              .setAttribute("gen_ai.request.model", "gpt-4o")
              .setAttribute("gen_ai.usage.input_tokens", 2_000L)
              .setAttribute("gen_ai.usage.output_tokens", 300L)
              .startSpan();
          try (Scope s = framework.makeCurrent()) {
            chat(tracer, "gpt-4o", 2_000, 500, 300);
          } finally {
            framework.end();
          }
        });
        agent(tracer, "reviewer", () -> chat(tracer, "acme-reviewer-7b", 800, 0, 100));
      } finally {
        root.end();
      }
    });
  }

  /**
   * The finished spans, in the order they ended, of what {@code body} records with a tracer of
   * the real SDK whose resource names the service {@code service}.
   */
  public static List<SpanData> record(String service, Consumer<Tracer> body) {
    List<SpanData> ended = new ArrayList<>();
    SdkTracerProvider provider = SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.create(
            Attributes.of(AttributeKey.stringKey("service.name"), service))))
        .addSpanProcessor(new SpanProcessor() {
          @Override
          public void onStart(Context parentContext, ReadWriteSpan span) {}

          @Override
          public boolean isStartRequired() {
            return false;
          }

          @Override
          public void onEnd(ReadableSpan span) {
            ended.add(span.toSpanData());
          }

          @Override
          public boolean isEndRequired() {
            return true;
          }

          @Override
          public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
          }
        })
        .build();
    body.accept(provider.get("test"));
    provider.close();
    return ended;
  }

  /** An {@code invoke_agent} span of agent {@code name} around {@code body}. */
  public static void agent(Tracer tracer, String name, Runnable body) {
    Span agent = tracer.spanBuilder("invoke_agent " + name)
        .setAttribute("gen_ai.operation.name", "invoke_agent")
        .setAttribute("gen_ai.agent.name", name)
        .startSpan();
    try (Scope ignored = agent.makeCurrent()) {
      body.run();
    } finally {
      agent.end();
    }
  }

  /**
   * A started chat span calling {@code model} (provider openai for {@code gpt-*}, else acme) with
   * its token counts; the caller adds what else it needs and ends it.
   */
  public static Span chat(Tracer tracer, String model, long input, long output) {
    return tracer.spanBuilder("chat " + model).setSpanKind(SpanKind.CLIENT)
        .setAttribute("gen_ai.operation.name", "chat")
        .setAttribute("gen_ai.provider.name", model.startsWith("gpt") ? "openai" : "acme")
        .setAttribute("gen_ai.request.model", model)
        .setAttribute("gen_ai.usage.input_tokens", input)
        .setAttribute("gen_ai.usage.output_tokens", output)
        .startSpan();
  }

  private static void chat(Tracer tracer, String model, long input, long cached, long output) {
    Span span = chat(tracer, model, input, output);
    if (cached > 0) {
      span.setAttribute("gen_ai.usage.cache_read.input_tokens", cached);
    }
    span.end();
  }
}
