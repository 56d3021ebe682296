package io.agentmeter.semconv;

import static io.opentelemetry.api.common.AttributeKey.doubleKey;
import static io.opentelemetry.api.common.AttributeKey.longKey;
import static io.opentelemetry.api.common.AttributeKey.stringKey;

import io.opentelemetry.api.common.AttributeKey;
import java.util.List;

/**
 * The OpenTelemetry GenAI attribute keys AgentMeter writes and reads, pinned to semantic
 * conventions v1.41.0 (the last release before the GenAI conventions moved to their own
 * repository).
 *
 * <p>The keys are copied here rather than taken from {@code opentelemetry-semconv-incubating}, whose
 * GenAI keys are deprecated and whose names are still moving. Each {@code *_READ} list names every
 * spelling a reader accepts for one meaning, the pinned name first, then newer and older spellings
 * seen in the wild (OpenLLMetry, OpenInference, pre-1.37 semconv). Writers always use the pinned
 * name.
 */
public final class GenAiAttributes {

  /** Semantic conventions version the GenAI keys are pinned to. */
  public static final String SEMCONV_VERSION = "1.41.0";

  /** The GenAI provider, for example {@code openai}, {@code anthropic}, {@code aws.bedrock}. */
  public static final AttributeKey<String> PROVIDER_NAME = stringKey("gen_ai.provider.name");

  /** Deprecated predecessor of {@link #PROVIDER_NAME} (semconv before v1.37.0). */
  public static final AttributeKey<String> SYSTEM = stringKey("gen_ai.system");

  /** The operation: one of {@link OperationNameValues}. */
  public static final AttributeKey<String> OPERATION_NAME = stringKey("gen_ai.operation.name");

  /** The model the request asked for. */
  public static final AttributeKey<String> REQUEST_MODEL = stringKey("gen_ai.request.model");

  /** The model that served the response; preferred over the request model for pricing. */
  public static final AttributeKey<String> RESPONSE_MODEL = stringKey("gen_ai.response.model");

  /** The response id the provider returned. */
  public static final AttributeKey<String> RESPONSE_ID = stringKey("gen_ai.response.id");

  /** Input tokens, inclusive of cache read and cache creation tokens. */
  public static final AttributeKey<Long> USAGE_INPUT_TOKENS = longKey("gen_ai.usage.input_tokens");

  /** Output tokens, inclusive of reasoning tokens. */
  public static final AttributeKey<Long> USAGE_OUTPUT_TOKENS =
      longKey("gen_ai.usage.output_tokens");

  /** Input tokens served from the provider's prompt cache (a part of input tokens). */
  public static final AttributeKey<Long> USAGE_CACHE_READ_INPUT_TOKENS =
      longKey("gen_ai.usage.cache_read.input_tokens");

  /** Input tokens written to the provider's prompt cache (a part of input tokens). */
  public static final AttributeKey<Long> USAGE_CACHE_CREATION_INPUT_TOKENS =
      longKey("gen_ai.usage.cache_creation.input_tokens");

  /** Reasoning (thinking) tokens (a part of output tokens). */
  public static final AttributeKey<Long> USAGE_REASONING_OUTPUT_TOKENS =
      longKey("gen_ai.usage.reasoning.output_tokens");

  /** Audio input tokens (unreleased per-modality usage; a part of input tokens). */
  public static final AttributeKey<Long> USAGE_AUDIO_INPUT_TOKENS =
      longKey("gen_ai.usage.audio.input_tokens");

  /** Audio output tokens (unreleased per-modality usage; a part of output tokens). */
  public static final AttributeKey<Long> USAGE_AUDIO_OUTPUT_TOKENS =
      longKey("gen_ai.usage.audio.output_tokens");

  /** Image input tokens (unreleased per-modality usage; a part of input tokens). */
  public static final AttributeKey<Long> USAGE_IMAGE_INPUT_TOKENS =
      longKey("gen_ai.usage.image.input_tokens");

  /** Image output tokens (unreleased per-modality usage; a part of output tokens). */
  public static final AttributeKey<Long> USAGE_IMAGE_OUTPUT_TOKENS =
      longKey("gen_ai.usage.image.output_tokens");

  /**
   * A span's cost as its instrumentation computed it: not in semconv v1.41.0, a vendor extension
   * of OpenLIT (which writes 0 when it cannot price) and LiteLLM's cost metric name. The processor
   * replaces it on the spans it forwards (see {@link AgentMeterAttributes#COST_ORIGINAL_USAGE_COST}).
   */
  public static final AttributeKey<Double> USAGE_COST = doubleKey("gen_ai.usage.cost");

  /** The agent's human-readable name, the role AgentMeter attributes cost to. */
  public static final AttributeKey<String> AGENT_NAME = stringKey("gen_ai.agent.name");

  /** A unique identifier of the agent. */
  public static final AttributeKey<String> AGENT_ID = stringKey("gen_ai.agent.id");

  /** A conversation (session, thread) identifier. */
  public static final AttributeKey<String> CONVERSATION_ID = stringKey("gen_ai.conversation.id");

  /** The workflow name, for example the first LangChain chain or a CrewAI crew. */
  public static final AttributeKey<String> WORKFLOW_NAME = stringKey("gen_ai.workflow.name");

  /** The tool name on {@code execute_tool} spans. */
  public static final AttributeKey<String> TOOL_NAME = stringKey("gen_ai.tool.name");

  /** The service tier OpenAI reports it served the request on ({@code flex}, {@code priority}...). */
  public static final AttributeKey<String> OPENAI_RESPONSE_SERVICE_TIER =
      stringKey("openai.response.service_tier");

  /** The service tier requested from OpenAI. */
  public static final AttributeKey<String> OPENAI_REQUEST_SERVICE_TIER =
      stringKey("openai.request.service_tier");

  /** OpenTelemetry's error classifier, set on failed spans. */
  public static final AttributeKey<String> ERROR_TYPE = stringKey("error.type");

  /** HTTP resend count: set to 1, 2... on the second, third... attempt of one request. */
  public static final AttributeKey<Long> HTTP_REQUEST_RESEND_COUNT =
      longKey("http.request.resend_count");

  /** Every spelling read for the provider. */
  public static final List<String> PROVIDER_NAME_READ =
      List.of(PROVIDER_NAME.getKey(), SYSTEM.getKey());

  /** Every spelling read for the response model. */
  public static final List<String> RESPONSE_MODEL_READ = List.of(RESPONSE_MODEL.getKey());

  /** Every spelling read for the request model (OpenInference's {@code llm.model_name} last). */
  public static final List<String> REQUEST_MODEL_READ =
      List.of(REQUEST_MODEL.getKey(), "llm.model_name");

  /** Every spelling read for input tokens. */
  public static final List<String> USAGE_INPUT_TOKENS_READ =
      List.of(USAGE_INPUT_TOKENS.getKey(), "gen_ai.usage.prompt_tokens", "llm.token_count.prompt");

  /** Every spelling read for output tokens. */
  public static final List<String> USAGE_OUTPUT_TOKENS_READ =
      List.of(
          USAGE_OUTPUT_TOKENS.getKey(),
          "gen_ai.usage.completion_tokens",
          "llm.token_count.completion");

  /** Every spelling read for cache read tokens. */
  public static final List<String> USAGE_CACHE_READ_READ =
      List.of(
          USAGE_CACHE_READ_INPUT_TOKENS.getKey(),
          "gen_ai.usage.cache_read_input_tokens",
          "llm.token_count.prompt_details.cache_read");

  /** Every spelling read for cache creation (write) tokens. */
  public static final List<String> USAGE_CACHE_CREATION_READ =
      List.of(
          USAGE_CACHE_CREATION_INPUT_TOKENS.getKey(),
          "gen_ai.usage.cache_write.input_tokens",
          "gen_ai.usage.cache_creation_input_tokens",
          "llm.token_count.prompt_details.cache_write");

  /** Every spelling read for reasoning tokens. */
  public static final List<String> USAGE_REASONING_READ =
      List.of(
          USAGE_REASONING_OUTPUT_TOKENS.getKey(),
          "gen_ai.usage.reasoning_tokens",
          "llm.token_count.completion_details.reasoning");

  /** Every spelling read for the served service tier (the response's tier before the request's). */
  public static final List<String> SERVICE_TIER_READ =
      List.of(
          OPENAI_RESPONSE_SERVICE_TIER.getKey(),
          AgentMeterAttributes.SERVICE_TIER.getKey(),
          OPENAI_REQUEST_SERVICE_TIER.getKey());

  /** Values of {@link #OPERATION_NAME} (semconv v1.41.0). */
  public static final class OperationNameValues {
    public static final String CHAT = "chat";
    public static final String TEXT_COMPLETION = "text_completion";
    public static final String GENERATE_CONTENT = "generate_content";
    public static final String EMBEDDINGS = "embeddings";
    public static final String EXECUTE_TOOL = "execute_tool";
    public static final String RETRIEVAL = "retrieval";
    public static final String CREATE_AGENT = "create_agent";
    public static final String INVOKE_AGENT = "invoke_agent";
    public static final String INVOKE_WORKFLOW = "invoke_workflow";

    private OperationNameValues() {}
  }

  /** Well-known values of {@link #PROVIDER_NAME} (semconv v1.41.0). */
  public static final class ProviderNameValues {
    public static final String OPENAI = "openai";
    public static final String ANTHROPIC = "anthropic";
    public static final String AWS_BEDROCK = "aws.bedrock";
    public static final String AZURE_AI_OPENAI = "azure.ai.openai";
    public static final String AZURE_AI_INFERENCE = "azure.ai.inference";
    public static final String GCP_GEMINI = "gcp.gemini";
    public static final String GCP_VERTEX_AI = "gcp.vertex_ai";
    public static final String GCP_GEN_AI = "gcp.gen_ai";
    public static final String MISTRAL_AI = "mistral_ai";
    public static final String DEEPSEEK = "deepseek";

    private ProviderNameValues() {}
  }

  private GenAiAttributes() {}
}
