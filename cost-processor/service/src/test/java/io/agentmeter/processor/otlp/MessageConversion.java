package io.agentmeter.processor.otlp;

import io.agentmeter.processor.model.IncomingSpan;
import io.agentmeter.processor.model.Batch;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.agentmeter.cost.data.SpanRecord;
import io.agentmeter.cost.pricing.SpanFacts;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Test oracle: the conversion as it was done before requests were read from their bytes, on the
 * parsed protobuf messages (with the token-count warnings the export handler added), kept to check
 * that {@link SpanConverter} gives exactly the same batches.
 */
public final class MessageConversion {

  /** At most this many problem messages per request, so a response stays small. */
  static final int MAX_PROBLEMS = 10;

  private static String usageProblem(Map<String, Object> attributes) {
    if (attributes.isEmpty()) {
      return null;
    }
    for (String key : ReadKeys.USAGE_KEYS) {
      Object value = attributes.get(key);
      if (value == null) {
        continue;
      }
      if (!(value instanceof Long count)) {
        return key + " must be an integer, got " + describe(value);
      }
      if (count < 0 || count > SpanFacts.MAX_TOKENS) {
        return key + " = " + count + " is outside 0.." + SpanFacts.MAX_TOKENS;
      }
    }
    return null;
  }

  private static String describe(Object value) {
    String type = value instanceof String ? "string" : value instanceof Double ? "double"
        : value instanceof Boolean ? "boolean" : "array";
    return type + " " + (value instanceof String ? "'" + value + "'" : String.valueOf(value));
  }

  private static final HexFormat HEX = HexFormat.of();

  private MessageConversion() {}

  /**
   * The storable spans of {@code request}, and why the others were rejected.
   *
   * @param payloads whether each span carries its own {@code ResourceSpans} bytes (for forwarding);
   *     without, {@link IncomingSpan#payload()} is empty and the span's bytes stay only in the
   *     stored request
   */
  public static Batch convert(ExportTraceServiceRequest request, boolean payloads) {
    List<IncomingSpan> spans = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    int rejected = 0;
    MessageDigest sha = Payloads.sha256();
    ByteString lastTrace = null;
    String lastTraceHex = null;
    Map<ByteString, String> ids = new HashMap<>();
    for (int r = 0; r < request.getResourceSpansCount(); r++) {
      ResourceSpans resourceSpans = request.getResourceSpans(r);
      Map<String, Object> resource = attributes(resourceSpans.getResource().getAttributesList(), false);
      byte[] resourceBytes = payloads ? resourceSpans.getResource().toByteArray() : NO_BYTES;
      for (int s = 0; s < resourceSpans.getScopeSpansCount(); s++) {
        ScopeSpans scopeSpans = resourceSpans.getScopeSpans(s);
        byte[] scopeBytes = payloads ? scopeSpans.getScope().toByteArray() : NO_BYTES;
        for (int i = 0; i < scopeSpans.getSpansCount(); i++) {
          Span span = scopeSpans.getSpans(i);
          String problem = identityProblem(span);
          if (problem != null) {
            rejected++;
            if (problems.size() < MAX_PROBLEMS) {
              problems.add("span " + r + "/" + s + "/" + i + " ('" + span.getName() + "') rejected: "
                  + problem);
            }
            continue;
          }
          byte[] spanBytes = span.toByteArray();
          byte[] payload = payloads ? payload(resourceBytes, resourceSpans.getSchemaUrl(), scopeBytes,
              scopeSpans.getSchemaUrl(), spanBytes) : NO_BYTES;
          if (!span.getTraceId().equals(lastTrace)) {
            // spans of a trace usually arrive together: they share one id string
            lastTrace = span.getTraceId();
            lastTraceHex = HEX.formatHex(lastTrace.toByteArray());
          }
          spans.add(new IncomingSpan(record(span, resource, lastTraceHex, ids),
              fingerprint(sha, spanBytes), payload));
        }
      }
    }
    for (IncomingSpan span : spans) {
      if (problems.size() >= MAX_PROBLEMS) {
        break;
      }
      String problem = usageProblem(span.record().attributes());
      if (problem != null) {
        problems.add("span " + span.record().spanId() + " accepted but unpriced: " + problem);
      }
    }
    return new Batch(spans, rejected, problems);
  }

  /**
   * @param ids hex span ids already made for this request, so that children share their parent's
   */
  private static SpanRecord record(Span span, Map<String, Object> resource, String traceId,
      Map<ByteString, String> ids) {
    ByteString parent = span.getParentSpanId();
    return new SpanRecord(
        traceId,
        hex(span.getSpanId(), ids),
        parent.isEmpty() ? null : hex(parent, ids),
        ReadKeys.canonical(span.getName()),
        span.getStartTimeUnixNano(),
        span.getEndTimeUnixNano(),
        span.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR,
        attributes(span.getAttributesList(), true),
        resource);
  }

  private static String hex(ByteString id, Map<ByteString, String> ids) {
    String hex = ids.get(id);
    if (hex == null) {
      hex = HEX.formatHex(id.toByteArray());
      ids.put(id, hex);
    }
    return hex;
  }

  private static String identityProblem(Span span) {
    int trace = span.getTraceId().size();
    if (trace != 16) {
      return "trace_id must be 16 bytes, got " + trace;
    }
    if (allZero(span.getTraceId())) {
      return "trace_id is all zeros";
    }
    int id = span.getSpanId().size();
    if (id != 8) {
      return "span_id must be 8 bytes, got " + id;
    }
    if (allZero(span.getSpanId())) {
      return "span_id is all zeros";
    }
    int parent = span.getParentSpanId().size();
    if (parent != 0 && parent != 8) {
      return "parent_span_id must be empty or 8 bytes, got " + parent;
    }
    return null;
  }

  private static boolean allZero(ByteString bytes) {
    for (int i = 0; i < bytes.size(); i++) {
      if (bytes.byteAt(i) != 0) {
        return false;
      }
    }
    return true;
  }

  private static final byte[] NO_BYTES = new byte[0];

  /**
   * The span attribute namespaces the cost engine reads (GenAI semantic conventions, OpenLLMetry and
   * OpenInference names, ours, the provider-specific service tier, the error type and the resend
   * count). A span's other attributes (HTTP, server, messaging...) stay in its stored bytes and are
   * forwarded, but are not held while its trace is assembled.
   */
  private static final String[] READ_PREFIXES = {"gen_ai.", "agentmeter.", "llm.", "openai.",
      "openinference.", "error.", "http.request.resend_count"};

  private static boolean read(String key) {
    for (String prefix : READ_PREFIXES) {
      if (key.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  private static Map<String, Object> attributes(List<KeyValue> list, boolean onlyRead) {
    if (list.isEmpty()) {
      return Map.of();
    }
    Map<String, Object> result = new HashMap<>(list.size() * 2);
    for (KeyValue kv : list) {
      if (onlyRead && !read(kv.getKey())) {
        continue;
      }
      Object value = value(kv.getValue());
      if (value != null) {
        String key = ReadKeys.canonical(kv.getKey());
        if (value instanceof String text && ReadKeys.FEW_VALUES.contains(key)) {
          value = ReadKeys.canonical(text);
        }
        result.put(key, value);
      }
    }
    // one array instead of an entry object per attribute, for as long as the trace is open
    return Map.copyOf(result);
  }


  private static Object value(AnyValue value) {
    switch (value.getValueCase()) {
      case STRING_VALUE:
        return value.getStringValue();
      case INT_VALUE:
        return value.getIntValue();
      case DOUBLE_VALUE:
        return value.getDoubleValue();
      case BOOL_VALUE:
        return value.getBoolValue();
      case ARRAY_VALUE:
        List<Object> items = new ArrayList<>(value.getArrayValue().getValuesCount());
        for (AnyValue item : value.getArrayValue().getValuesList()) {
          Object converted = value(item);
          if (converted != null) {
            items.add(converted);
          }
        }
        return List.copyOf(items);
      case BYTES_VALUE:
        return Base64.getEncoder().encodeToString(value.getBytesValue().toByteArray());
      case KVLIST_VALUE:
        return value.getKvlistValue().toString();
      default:
        return null;
    }
  }

  private static String fingerprint(MessageDigest sha, byte[] spanBytes) {
    sha.reset();
    byte[] digest = sha.digest(spanBytes);
    return HEX.formatHex(digest, 0, 8);
  }

  /**
   * A {@code ResourceSpans} holding one span, written from already-serialized parts so that the
   * resource and scope are encoded once per request rather than once per span. The bytes are the
   * same as serializing the message (fields in number order).
   */
  private static byte[] payload(byte[] resource, String resourceSchema, byte[] scope, String scopeSchema,
      byte[] span) {
    try {
      int scopeSpansSize = CodedOutputStream.computeByteArraySize(1, scope)
          + CodedOutputStream.computeByteArraySize(2, span)
          + (scopeSchema.isEmpty() ? 0 : CodedOutputStream.computeStringSize(3, scopeSchema));
      int size = CodedOutputStream.computeByteArraySize(1, resource)
          + CodedOutputStream.computeTagSize(2) + CodedOutputStream.computeUInt32SizeNoTag(scopeSpansSize)
          + scopeSpansSize
          + (resourceSchema.isEmpty() ? 0 : CodedOutputStream.computeStringSize(3, resourceSchema));
      byte[] out = new byte[size];
      CodedOutputStream coded = CodedOutputStream.newInstance(out);
      coded.writeByteArray(1, resource);
      coded.writeTag(2, com.google.protobuf.WireFormat.WIRETYPE_LENGTH_DELIMITED);
      coded.writeUInt32NoTag(scopeSpansSize);
      coded.writeByteArray(1, scope);
      coded.writeByteArray(2, span);
      if (!scopeSchema.isEmpty()) {
        coded.writeString(3, scopeSchema);
      }
      if (!resourceSchema.isEmpty()) {
        coded.writeString(3, resourceSchema);
      }
      coded.checkNoSpaceLeft();
      return out;
    } catch (java.io.IOException e) {
      throw new IllegalStateException("encoding into an exactly sized array cannot fail", e);
    }
  }
}
