package io.agentmeter.processor.otlp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.IOException;
import java.io.InputStream;
import java.util.Base64;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;

/** Decodes OTLP trace export bodies: protobuf or OTLP/JSON, optionally gzip-compressed. */
public final class OtlpDecoder {

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();
  private static final String[] ID_FIELDS = {"traceId", "spanId", "parentSpanId"};

  private OtlpDecoder() {}

  /** Decodes a binary protobuf body. */
  public static ExportTraceServiceRequest protobuf(byte[] body) throws DecodeException {
    try {
      return ExportTraceServiceRequest.parseFrom(body);
    } catch (InvalidProtocolBufferException e) {
      throw new DecodeException("body is not a valid OTLP protobuf ExportTraceServiceRequest: "
          + e.getMessage(), e);
    }
  }

  /**
   * Decodes an OTLP/JSON body. Trace and span ids are hex strings (not base64 as in the standard
   * protobuf JSON mapping), enums are integers, and unknown fields are ignored.
   */
  public static ExportTraceServiceRequest json(byte[] body) throws DecodeException {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (IOException e) {
      throw new DecodeException("body is not valid JSON: " + firstLine(e.getMessage()), e);
    }
    if (root == null || !root.isObject()) {
      throw new DecodeException("body is not a JSON object with \"resourceSpans\"");
    }
    JsonNode resourceSpans = root.path("resourceSpans");
    if (resourceSpans.isArray()) {
      for (int r = 0; r < resourceSpans.size(); r++) {
        JsonNode scopeSpans = resourceSpans.get(r).path("scopeSpans");
        for (int s = 0; s < scopeSpans.size(); s++) {
          ArrayNode spans = scopeSpans.get(s).withArray("spans");
          for (int i = 0; i < spans.size(); i++) {
            String where = "resourceSpans[" + r + "].scopeSpans[" + s + "].spans[" + i + "]";
            JsonNode span = spans.get(i);
            if (!span.isObject()) {
              throw new DecodeException(where + " is not an object");
            }
            hexToBase64((ObjectNode) span, where);
            JsonNode links = span.path("links");
            for (int l = 0; l < links.size(); l++) {
              if (links.get(l).isObject()) {
                hexToBase64((ObjectNode) links.get(l), where + ".links[" + l + "]");
              }
            }
          }
        }
      }
    }
    ExportTraceServiceRequest.Builder builder = ExportTraceServiceRequest.newBuilder();
    try {
      PARSER.merge(JSON.writeValueAsString(root), builder);
    } catch (InvalidProtocolBufferException | JsonProcessingException e) {
      throw new DecodeException("body is not a valid OTLP/JSON ExportTraceServiceRequest: "
          + firstLine(e.getMessage()), e);
    }
    return builder.build();
  }

  /**
   * Inflates a gzip body, refusing to read more than {@code limit} compressed bytes or to produce
   * more than {@code limit} bytes (a compression bomb is stopped there, never inflated whole).
   *
   * @throws TooLargeException when the inflated body would exceed {@code limit}
   */
  public static byte[] gunzip(InputStream compressed, int limit)
      throws DecodeException, TooLargeException {
    try (GZIPInputStream in = new GZIPInputStream(BoundedRead.limit(compressed, limit), 8192)) {
      return BoundedRead.readAtMost(in, limit, "decompressed body");
    } catch (TooLargeException e) {
      throw e;
    } catch (BoundedRead.Exceeded e) {
      throw new TooLargeException("compressed body exceeds the limit of " + limit + " bytes");
    } catch (IOException e) {
      throw new DecodeException("body is not valid gzip: " + e.getMessage(), e);
    }
  }

  private static void hexToBase64(ObjectNode node, String where) throws DecodeException {
    for (String field : ID_FIELDS) {
      JsonNode value = node.get(field);
      if (value == null || value.isNull()) {
        continue;
      }
      if (!value.isTextual()) {
        throw new DecodeException(where + "." + field + " must be a hex string");
      }
      String hex = value.asText();
      byte[] bytes;
      try {
        bytes = HexFormat.of().parseHex(hex);
      } catch (IllegalArgumentException e) {
        throw new DecodeException(where + "." + field + " is not hex: '" + abbreviate(hex) + "'");
      }
      node.put(field, Base64.getEncoder().encodeToString(bytes));
    }
  }

  private static String abbreviate(String text) {
    return text.length() <= 40 ? text : text.substring(0, 40) + "...";
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unknown error";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
