package io.agentmeter.cost.catalog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Iterator;
import java.util.Map;

/**
 * Loads a catalogue file in AgentMeter's own format, LiteLLM's or genai-prices' {@code data.json},
 * detected from its content.
 *
 * <p>A file that is not JSON, or is neither format, fails with a {@link CatalogException}. Inside a
 * readable file, every entry or field that cannot be used is reported in {@link
 * CatalogLoad#issues()} and the rest loads.
 */
public final class CatalogLoader {

  static final ObjectMapper MAPPER =
      new ObjectMapper()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);

  private CatalogLoader() {}

  /**
   * Loads a file.
   *
   * @param file the catalogue
   * @param asOf for LiteLLM and genai-prices files, which carry no as-of dates: the date the file's
   *     figures are as of (may be {@code null}: then unknown)
   */
  public static CatalogLoad load(Path file, LocalDate asOf) throws IOException {
    String json = Files.readString(file);
    return parse(json, file.getFileName().toString(), asOf);
  }

  /**
   * Parses catalogue text.
   *
   * @param json the file's content
   * @param sourceName the name the layer and LiteLLM sources are given
   * @param asOf for LiteLLM content: the as-of date of its figures, or {@code null}
   */
  public static CatalogLoad parse(String json, String sourceName, LocalDate asOf) {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new CatalogException(
          sourceName + " is not valid JSON: " + e.getOriginalMessage()
              + " at line " + e.getLocation().getLineNr()
              + ", column " + e.getLocation().getColumnNr(), e);
    }
    if (root != null && GenAiPricesParser.looksLikeGenAiPrices(root)) {
      return GenAiPricesParser.parse(root, sourceName, asOf);
    }
    if (root == null || !root.isObject()) {
      throw new CatalogException(sourceName + " must hold a JSON object at the top level");
    }
    if (root.has("format") || root.has("models")) {
      return OwnFormatParser.parse(root, sourceName);
    }
    if (looksLikeLiteLlm(root)) {
      return LiteLlmParser.parse(root, sourceName, asOf);
    }
    throw new CatalogException(
        sourceName
            + " is neither an AgentMeter catalogue (no \"format\"/\"models\")"
            + " nor a LiteLLM price file (no entry with litellm_provider or *_cost_per_token)");
  }

  private static boolean looksLikeLiteLlm(JsonNode root) {
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      JsonNode value = it.next().getValue();
      if (value.isObject()
          && (value.has("litellm_provider")
              || value.has("input_cost_per_token")
              || value.has("output_cost_per_token"))) {
        return true;
      }
    }
    return false;
  }
}
