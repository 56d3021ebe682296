package io.agentmeter.examples.vectors;

import com.openai.client.OpenAIClient;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import java.util.List;

/**
 * The research team's shared vector store: a lookup embeds the query (an OpenAI embeddings call)
 * and returns the passages nearest to it. Both the planner and the researcher look the same topic
 * up, so the lookup span names the resource ({@code agentmeter.shared.resource}, a plain span
 * attribute) and the cost layer bills one lookup per report (one trace), split across the agents
 * that used it.
 * Only the OpenTelemetry API is used here, as any instrumented library would.
 */
public final class VectorStore {

  private static final String EMBEDDING_MODEL = "text-embedding-3-small";
  private final OpenAIClient openai;
  private final Tracer tracer = GlobalOpenTelemetry.getTracer("research-vector-store");

  public VectorStore(OpenAIClient openai) {
    this.openai = openai;
  }

  /** The passages about {@code topic}. */
  public List<String> lookup(String topic) {
    Span span = tracer.spanBuilder("retrieval research-vectors")
        .setAttribute("gen_ai.operation.name", "retrieval")
        .setAttribute("gen_ai.data_source.id", "research-vectors")
        .setAttribute("agentmeter.shared.resource", "vectors:q=" + topic)
        .startSpan();
    try (Scope ignored = span.makeCurrent()) {
      CreateEmbeddingResponse query = openai.embeddings().create(EmbeddingCreateParams.builder()
          .model(EMBEDDING_MODEL).input(topic).build());
      int dimensions = query.data().get(0).embedding().size();
      return List.of(topic + ": passage 1 (" + dimensions + "-d match)", topic + ": passage 2");
    } finally {
      span.end();
    }
  }
}
