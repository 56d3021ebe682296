package io.agentmeter.processor.otlp;

import io.agentmeter.processor.model.Batch;

import io.agentmeter.processor.model.IncomingSpan;

import static io.agentmeter.processor.otlp.ProtoReader.FIXED64;
import static io.agentmeter.processor.otlp.ProtoReader.LENGTH_DELIMITED;
import static io.agentmeter.processor.otlp.ProtoReader.VARINT;
import static io.agentmeter.processor.otlp.ProtoReader.tag;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.agentmeter.cost.data.SpanRecord;
import io.agentmeter.cost.pricing.SpanFacts;
import io.agentmeter.semconv.GenAiAttributes;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns OTLP export requests, as protobuf bytes, into spans to store. A span with unusable identity
 * (wrong id lengths, all-zero ids) is rejected with a message naming it; every other span is kept,
 * whatever its attributes say: bad token counts and unknown models are the cost engine's to report
 * (a quick check of token counts adds a warning for the sender).
 *
 * <p>The request is read straight from its bytes, without building protobuf messages: only what
 * the cost engine reads is decoded (ids, name, times, status, the span attributes under
 * {@link #READ_PREFIXES}, every resource attribute); everything else, unknown fields included, is
 * skipped unread. A span's fingerprint and payload are made from its bytes as received.
 */
public final class SpanConverter {

  /** At most this many problem messages per request, so a response stays small. */
  static final int MAX_PROBLEMS = 10;

  private static final HexFormat HEX = HexFormat.of();
  private static final byte[] NO_BYTES = new byte[0];

  // tags of the fields read; a field with another tag (or wire type) is skipped, as protobuf-java
  // keeps it as an unknown field
  private static final int REQUEST_RESOURCE_SPANS = tag(1, LENGTH_DELIMITED);
  private static final int RESOURCE_SPANS_RESOURCE = tag(1, LENGTH_DELIMITED);
  private static final int RESOURCE_SPANS_SCOPE_SPANS = tag(2, LENGTH_DELIMITED);
  private static final int RESOURCE_SPANS_SCHEMA_URL = tag(3, LENGTH_DELIMITED);
  private static final int RESOURCE_ATTRIBUTES = tag(1, LENGTH_DELIMITED);
  private static final int SCOPE_SPANS_SCOPE = tag(1, LENGTH_DELIMITED);
  private static final int SCOPE_SPANS_SPANS = tag(2, LENGTH_DELIMITED);
  private static final int SCOPE_SPANS_SCHEMA_URL = tag(3, LENGTH_DELIMITED);
  private static final int SPAN_TRACE_ID = tag(1, LENGTH_DELIMITED);
  private static final int SPAN_SPAN_ID = tag(2, LENGTH_DELIMITED);
  private static final int SPAN_PARENT_SPAN_ID = tag(4, LENGTH_DELIMITED);
  private static final int SPAN_NAME = tag(5, LENGTH_DELIMITED);
  private static final int SPAN_START = tag(7, FIXED64);
  private static final int SPAN_END = tag(8, FIXED64);
  private static final int SPAN_ATTRIBUTES = tag(9, LENGTH_DELIMITED);
  private static final int SPAN_STATUS = tag(15, LENGTH_DELIMITED);
  private static final int STATUS_CODE = tag(3, VARINT);
  private static final int STATUS_CODE_ERROR = 2;
  private static final int KEY_VALUE_KEY = tag(1, LENGTH_DELIMITED);
  private static final int KEY_VALUE_VALUE = tag(2, LENGTH_DELIMITED);
  private static final int ANY_STRING = tag(1, LENGTH_DELIMITED);
  private static final int ANY_BOOL = tag(2, VARINT);
  private static final int ANY_INT = tag(3, VARINT);
  private static final int ANY_DOUBLE = tag(4, FIXED64);
  private static final int ANY_ARRAY = tag(5, LENGTH_DELIMITED);
  private static final int ANY_KVLIST = tag(6, LENGTH_DELIMITED);
  private static final int ANY_BYTES = tag(7, LENGTH_DELIMITED);
  private static final int ANY_STRING_INDEX = tag(8, VARINT);
  private static final int ARRAY_VALUES = tag(1, LENGTH_DELIMITED);

  /** The storable spans of an export request with their payloads, and why the others were rejected. */
  public static Batch convert(byte[] request) throws DecodeException {
    return convert(request, true);
  }

  /**
   * The storable spans of an export request, and why the others were rejected.
   *
   * @param request a serialized {@code ExportTraceServiceRequest}
   * @param payloads whether each span carries its own {@code ResourceSpans} bytes (for forwarding);
   *     without, {@link IncomingSpan#payload()} is empty and the span's bytes stay only in the
   *     stored request
   * @throws DecodeException when the bytes are not a protobuf {@code ExportTraceServiceRequest}
   */
  public static Batch convert(byte[] request, boolean payloads) throws DecodeException {
    try {
      return new SpanConverter(request, payloads).request();
    } catch (InvalidProtocolBufferException e) {
      throw new DecodeException("body is not a valid OTLP protobuf ExportTraceServiceRequest: "
          + e.getMessage(), e);
    }
  }

  /** The span stored as {@code payload} by {@link #convert}. */
  public static IncomingSpan fromPayload(byte[] payload) throws InvalidProtocolBufferException {
    // a request holding the one ResourceSpans
    byte[] request = new byte[CodedOutputStream.computeByteArraySize(1, payload)];
    CodedOutputStream out = CodedOutputStream.newInstance(request);
    try {
      out.writeByteArray(1, payload);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("encoding into an exactly sized array cannot fail", e);
    }
    SpanConverter converter = new SpanConverter(request, false);
    Batch batch = converter.request();
    if (batch.spans().size() != 1) {
      throw new InvalidProtocolBufferException("a stored payload holds one valid span, got "
          + batch.spans().size() + " (" + batch.message() + ")");
    }
    IncomingSpan span = batch.spans().get(0);
    return new IncomingSpan(span.record(), span.fingerprint(), payload);
  }

  /** The one span of a stored payload, as OTLP. */
  public static ResourceSpans parsePayload(byte[] payload) throws InvalidProtocolBufferException {
    return ResourceSpans.parseFrom(payload);
  }

  private final ProtoReader in;
  private final boolean payloads;
  private final MessageDigest sha = sha256();
  private final List<IncomingSpan> spans = new ArrayList<>();
  private final List<String> rejections = new ArrayList<>();
  private final List<String> warnings = new ArrayList<>();
  private int rejected;
  /** Hex span ids already made for this request, so that children share their parent's. */
  private final SpanIds ids = new SpanIds();
  private int lastTrace = -1;
  private String lastTraceHex;
  /** The offsets of the current span's attributes, start and end of each. */
  private int[] attributes = new int[64];
  /** Per usage key (in {@link #USAGE_KEYS} order), what is wrong with the current span's value. */
  private final String[] usage = new String[USAGE_KEYS.size()];

  private SpanConverter(byte[] request, boolean payloads) {
    this.in = new ProtoReader(request);
    this.payloads = payloads;
  }

  private Batch request() throws InvalidProtocolBufferException {
    int end = in.buf.length;
    int index = 0;
    for (int tag; (tag = in.tag(end)) != 0; ) {
      if (tag == REQUEST_RESOURCE_SPANS) {
        int length = in.length(end);
        int start = in.pos;
        resourceSpans(index++, start, start + length);
        in.pos = start + length;
      } else {
        in.skip(tag, end);
      }
    }
    List<String> problems = new ArrayList<>(rejections);
    for (int i = 0; i < warnings.size() && problems.size() < MAX_PROBLEMS; i++) {
      problems.add(warnings.get(i));
    }
    return new Batch(spans, rejected, problems);
  }

  private void resourceSpans(int r, int start, int end) throws InvalidProtocolBufferException {
    Part resource = new Part();
    int schemaStart = 0;
    int schemaLength = 0;
    in.pos = start;
    for (int tag; (tag = in.tag(end)) != 0; ) {
      if (tag == RESOURCE_SPANS_RESOURCE) {
        resource.add(in, end);
      } else if (tag == RESOURCE_SPANS_SCHEMA_URL) {
        schemaLength = in.length(end);
        schemaStart = in.pos;
        in.pos += schemaLength;
      } else {
        in.skip(tag, end);
      }
    }
    Map<String, Object> attributes = resourceAttributes(resource);
    byte[] resourceBytes = payloads ? resource.bytes(in.buf) : NO_BYTES;
    byte[] schema = payloads ? Arrays.copyOfRange(in.buf, schemaStart, schemaStart + schemaLength)
        : NO_BYTES;
    in.pos = start;
    int index = 0;
    for (int tag; (tag = in.tag(end)) != 0; ) {
      if (tag == RESOURCE_SPANS_SCOPE_SPANS) {
        int length = in.length(end);
        int scopeStart = in.pos;
        scopeSpans(r, index++, scopeStart, scopeStart + length, attributes, resourceBytes, schema);
        in.pos = scopeStart + length;
      } else {
        in.skip(tag, end);
      }
    }
  }

  private Map<String, Object> resourceAttributes(Part resource)
      throws InvalidProtocolBufferException {
    if (resource.isMerged()) {
      // the resource came in more than one field: protobuf merges them, as if concatenated
      byte[] merged = resource.merged(in.buf);
      return new SpanConverter(merged, false).resourceAttributes(0, merged.length);
    }
    return resource.start < 0 ? Map.of() : resourceAttributes(resource.start, resource.end);
  }

  private Map<String, Object> resourceAttributes(int start, int end)
      throws InvalidProtocolBufferException {
    Map<String, Object> result = null;
    in.pos = start;
    for (int tag; (tag = in.tag(end)) != 0; ) {
      if (tag == RESOURCE_ATTRIBUTES) {
        int length = in.length(end);
        int attributeStart = in.pos;
        if (result == null) {
          result = new HashMap<>();
        }
        attribute(attributeStart, attributeStart + length, false, result);
        in.pos = attributeStart + length;
      } else {
        in.skip(tag, end);
      }
    }
    return result == null ? Map.of() : Map.copyOf(result);
  }

  private void scopeSpans(int r, int s, int start, int end, Map<String, Object> resource,
      byte[] resourceBytes, byte[] resourceSchema) throws InvalidProtocolBufferException {
    byte[] scopeBytes = NO_BYTES;
    byte[] schema = NO_BYTES;
    if (payloads) {
      Part scope = new Part();
      in.pos = start;
      for (int tag; (tag = in.tag(end)) != 0; ) {
        if (tag == SCOPE_SPANS_SCOPE) {
          scope.add(in, end);
        } else if (tag == SCOPE_SPANS_SCHEMA_URL) {
          int length = in.length(end);
          schema = Arrays.copyOfRange(in.buf, in.pos, in.pos + length);
          in.pos += length;
        } else {
          in.skip(tag, end);
        }
      }
      scopeBytes = scope.bytes(in.buf);
    }
    in.pos = start;
    int index = 0;
    for (int tag; (tag = in.tag(end)) != 0; ) {
      if (tag == SCOPE_SPANS_SPANS) {
        int length = in.length(end);
        int spanStart = in.pos;
        span(r, s, index++, spanStart, spanStart + length, resource, resourceBytes, resourceSchema,
            scopeBytes, schema);
        in.pos = spanStart + length;
      } else {
        in.skip(tag, end);
      }
    }
  }

  private void span(int r, int s, int i, int start, int end, Map<String, Object> resource,
      byte[] resourceBytes, byte[] resourceSchema, byte[] scopeBytes, byte[] scopeSchema)
      throws InvalidProtocolBufferException {
    byte[] buf = in.buf;
    int traceId = 0;
    int traceIdLength = 0;
    int spanId = 0;
    int spanIdLength = 0;
    int parent = 0;
    int parentLength = 0;
    int name = 0;
    int nameLength = 0;
    long startNanos = 0;
    long endNanos = 0;
    int statusCode = 0;
    int attributeCount = 0;
    in.pos = start;
    for (int tag; (tag = in.tag(end)) != 0; ) {
      if (tag == SPAN_ATTRIBUTES) {
        int length = in.length(end);
        if (attributeCount * 2 + 2 > attributes.length) {
          attributes = Arrays.copyOf(attributes, attributes.length * 2);
        }
        attributes[attributeCount * 2] = in.pos;
        attributes[attributeCount * 2 + 1] = in.pos + length;
        attributeCount++;
        in.pos += length;
      } else if (tag == SPAN_TRACE_ID) {
        traceIdLength = in.length(end);
        traceId = in.pos;
        in.pos += traceIdLength;
      } else if (tag == SPAN_SPAN_ID) {
        spanIdLength = in.length(end);
        spanId = in.pos;
        in.pos += spanIdLength;
      } else if (tag == SPAN_PARENT_SPAN_ID) {
        parentLength = in.length(end);
        parent = in.pos;
        in.pos += parentLength;
      } else if (tag == SPAN_NAME) {
        nameLength = in.length(end);
        name = in.pos;
        in.pos += nameLength;
      } else if (tag == SPAN_START) {
        startNanos = in.fixed64(end);
      } else if (tag == SPAN_END) {
        endNanos = in.fixed64(end);
      } else if (tag == SPAN_STATUS) {
        // a status given twice is merged: the code stays unless the second one sets it
        int statusEnd = in.length(end) + in.pos;
        for (int statusTag; (statusTag = in.tag(statusEnd)) != 0; ) {
          if (statusTag == STATUS_CODE) {
            statusCode = (int) in.varint(statusEnd);
          } else {
            in.skip(statusTag, statusEnd);
          }
        }
      } else {
        in.skip(tag, end);
      }
    }
    String spanName = in.string(name, nameLength);
    String problem = identityProblem(traceId, traceIdLength, spanId, spanIdLength, parentLength);
    if (problem != null) {
      rejected++;
      if (rejections.size() < MAX_PROBLEMS) {
        rejections.add("span " + r + "/" + s + "/" + i + " ('" + spanName + "') rejected: " + problem);
      }
      return;
    }
    if (lastTrace < 0 || !Arrays.equals(buf, traceId, traceId + 16, buf, lastTrace, lastTrace + 16)) {
      // spans of a trace usually arrive together: they share one id string
      lastTrace = traceId;
      lastTraceHex = HEX.formatHex(buf, traceId, traceId + 16);
    }
    String spanIdHex = ids.hex(buf, spanId);
    Arrays.fill(usage, null);
    SpanRecord record = new SpanRecord(lastTraceHex, spanIdHex,
        parentLength == 0 ? null : ids.hex(buf, parent), canonical(spanName), startNanos, endNanos,
        statusCode == STATUS_CODE_ERROR, spanAttributes(attributeCount), resource);
    for (String bad : usage) {
      if (bad != null) {
        if (warnings.size() < MAX_PROBLEMS) {
          warnings.add("span " + spanIdHex + " accepted but unpriced: " + bad);
        }
        break;
      }
    }
    byte[] payload = payloads
        ? payload(resourceBytes, resourceSchema, scopeBytes, scopeSchema, buf, start, end - start)
        : NO_BYTES;
    spans.add(new IncomingSpan(record, fingerprint(start, end - start), payload));
  }

  private String identityProblem(int traceId, int traceIdLength, int spanId, int spanIdLength,
      int parentLength) {
    if (traceIdLength != 16) {
      return "trace_id must be 16 bytes, got " + traceIdLength;
    }
    if (allZero(traceId, 16)) {
      return "trace_id is all zeros";
    }
    if (spanIdLength != 8) {
      return "span_id must be 8 bytes, got " + spanIdLength;
    }
    if (allZero(spanId, 8)) {
      return "span_id is all zeros";
    }
    if (parentLength != 0 && parentLength != 8) {
      return "parent_span_id must be empty or 8 bytes, got " + parentLength;
    }
    return null;
  }

  private boolean allZero(int offset, int length) {
    byte[] buf = in.buf;
    for (int i = offset; i < offset + length; i++) {
      if (buf[i] != 0) {
        return false;
      }
    }
    return true;
  }

  private Map<String, Object> spanAttributes(int count) throws InvalidProtocolBufferException {
    if (count == 0) {
      return Map.of();
    }
    Map<String, Object> result = new HashMap<>(count * 2);
    for (int a = 0; a < count; a++) {
      attribute(attributes[a * 2], attributes[a * 2 + 1], true, result);
    }
    // one array instead of an entry object per attribute, for as long as the trace is open
    return Map.copyOf(result);
  }

  /** Decodes one {@code KeyValue} into {@code result}, unless only read keys are wanted and its key is not. */
  private void attribute(int start, int end, boolean onlyRead, Map<String, Object> result)
      throws InvalidProtocolBufferException {
    int key = 0;
    int keyLength = 0;
    Part value = null;
    in.pos = start;
    for (int tag; (tag = in.tag(end)) != 0; ) {
      if (tag == KEY_VALUE_KEY) {
        keyLength = in.length(end);
        key = in.pos;
        in.pos += keyLength;
      } else if (tag == KEY_VALUE_VALUE) {
        if (value == null) {
          value = new Part();
        }
        value.add(in, end);
      } else {
        in.skip(tag, end);
      }
    }
    if (onlyRead && !read(in.buf, key, keyLength)) {
      return;
    }
    Object decoded;
    if (value == null) {
      decoded = null;
    } else if (value.isMerged()) {
      // the value came in more than one field: protobuf merges them, as if concatenated
      byte[] merged = value.merged(in.buf);
      decoded = new SpanConverter(merged, false).anyValue(0, merged.length, 0);
    } else {
      decoded = anyValue(value.start, value.end, 0);
    }
    if (decoded == null) {
      return;
    }
    String name = canonical(in.string(key, keyLength));
    if (decoded instanceof String text && FEW_VALUES.contains(name)) {
      decoded = canonical(text);
    }
    result.put(name, decoded);
    if (onlyRead) {
      Integer u = USAGE_INDEX.get(name);
      if (u != null) {
        usage[u] = usageProblem(name, decoded);
      }
    }
  }

  /** The value of one {@code AnyValue} as the engine reads it, or {@code null} when it has none. */
  private Object anyValue(int start, int end, int depth) throws InvalidProtocolBufferException {
    if (depth >= ProtoReader.MAX_DEPTH) {
      throw ProtoReader.tooDeep();
    }
    Object value = null;
    List<Object> items = null;
    java.io.ByteArrayOutputStream kvlist = null;
    in.pos = start;
    // one of the value fields; when several are given, the last one counts (an array or kvlist
    // given twice in a row is merged, as protobuf does)
    for (int tag; (tag = in.tag(end)) != 0; ) {
      if (tag == ANY_STRING) {
        int length = in.length(end);
        value = in.string(in.pos, length);
        in.pos += length;
      } else if (tag == ANY_INT) {
        value = in.varint(end);
      } else if (tag == ANY_DOUBLE) {
        value = Double.longBitsToDouble(in.fixed64(end));
      } else if (tag == ANY_BOOL) {
        value = in.varint(end) != 0;
      } else if (tag == ANY_ARRAY) {
        int arrayEnd = in.length(end) + in.pos;
        if (items == null || value != items) {
          items = new ArrayList<>();
        }
        for (int itemTag; (itemTag = in.tag(arrayEnd)) != 0; ) {
          if (itemTag == ARRAY_VALUES) {
            int itemEnd = in.length(arrayEnd) + in.pos;
            Object item = anyValue(in.pos, itemEnd, depth + 1);
            if (item != null) {
              items.add(item);
            }
            in.pos = itemEnd;
          } else {
            in.skip(itemTag, arrayEnd);
          }
        }
        value = items;
      } else if (tag == ANY_KVLIST) {
        int length = in.length(end);
        if (kvlist == null || value != kvlist) {
          kvlist = new java.io.ByteArrayOutputStream(length);
        }
        kvlist.write(in.buf, in.pos, length); // appended: a long run of them stays linear
        in.pos += length;
        value = kvlist;
      } else if (tag == ANY_BYTES) {
        int length = in.length(end);
        value = Base64.getEncoder().encodeToString(
            Arrays.copyOfRange(in.buf, in.pos, in.pos + length));
        in.pos += length;
      } else if (tag == ANY_STRING_INDEX) {
        in.varint(end);
        value = null; // a string table index (profiles only): no value to read
      } else {
        in.skip(tag, end);
      }
    }
    if (value != null && value == items) {
      return List.copyOf(items);
    }
    if (value != null && value == kvlist) {
      // rare; its text form as before, which needs the message
      return KeyValueList.parseFrom(kvlist.toByteArray()).toString();
    }
    return value;
  }

  /**
   * The span attribute namespaces the cost engine reads (GenAI semantic conventions, OpenLLMetry and
   * OpenInference names, ours, the provider-specific service tier, the error type and the resend
   * count). A span's other attributes (HTTP, server, messaging...) stay in its stored bytes and are
   * forwarded, but are not decoded nor held while its trace is assembled.
   */
  private static final String[] READ_PREFIXES = {"gen_ai.", "agentmeter.", "llm.", "openai.",
      "openinference.", "error.", "http.request.resend_count"};
  private static final byte[][] READ_PREFIX_BYTES = Arrays.stream(READ_PREFIXES)
      .map(p -> p.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);

  private static boolean read(byte[] buf, int key, int length) {
    for (byte[] prefix : READ_PREFIX_BYTES) {
      if (length >= prefix.length
          && Arrays.equals(buf, key, key + prefix.length, prefix, 0, prefix.length)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Attribute keys, and the values of keys that take few distinct values, as one shared string
   * each: spans wait in open traces for a while, and thousands of copies of "gen_ai.request.model"
   * or "gpt-4o" would be copied by every young collection. Bounded: past the bound, strings are
   * kept as decoded.
   */
  private static final ConcurrentHashMap<String, String> CANONICAL = new ConcurrentHashMap<>();
  private static final int MAX_CANONICAL = 16_384;
  static final Set<String> FEW_VALUES = Set.of(
      "gen_ai.operation.name", "gen_ai.provider.name", "gen_ai.system", "gen_ai.request.model",
      "gen_ai.response.model", "gen_ai.agent.name", "agentmeter.client.id",
      "agentmeter.shared.resource", "agentmeter.baggage.agent.name", "agentmeter.baggage.client.id",
      "openai.response.service_tier", "openai.request.service_tier", "error.type");

  static String canonical(String text) {
    String shared = CANONICAL.get(text);
    if (shared != null) {
      return shared;
    }
    if (CANONICAL.size() < MAX_CANONICAL) {
      shared = CANONICAL.putIfAbsent(text, text);
    }
    return shared != null ? shared : text;
  }

  /** Every spelling of a token count, in the order their problems are reported (first one wins). */
  static final List<String> USAGE_KEYS = usageKeys();
  private static final Map<String, Integer> USAGE_INDEX = usageIndex();

  private static List<String> usageKeys() {
    List<String> keys = new ArrayList<>();
    keys.addAll(GenAiAttributes.USAGE_INPUT_TOKENS_READ);
    keys.addAll(GenAiAttributes.USAGE_OUTPUT_TOKENS_READ);
    keys.addAll(GenAiAttributes.USAGE_CACHE_READ_READ);
    keys.addAll(GenAiAttributes.USAGE_CACHE_CREATION_READ);
    keys.addAll(GenAiAttributes.USAGE_REASONING_READ);
    return List.copyOf(keys);
  }

  private static Map<String, Integer> usageIndex() {
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < USAGE_KEYS.size(); i++) {
      index.putIfAbsent(USAGE_KEYS.get(i), i);
    }
    return Map.copyOf(index);
  }

  /**
   * A quick check of a token count for the sender's benefit; the cost engine's full reading decides
   * the span's status and reason when its trace is rolled up.
   */
  private static String usageProblem(String key, Object value) {
    if (!(value instanceof Long count)) {
      String type = value instanceof String ? "string" : value instanceof Double ? "double"
          : value instanceof Boolean ? "boolean" : "array";
      return key + " must be an integer, got " + type + " "
          + (value instanceof String ? "'" + value + "'" : String.valueOf(value));
    }
    if (count < 0 || count > SpanFacts.MAX_TOKENS) {
      return key + " = " + count + " is outside 0.." + SpanFacts.MAX_TOKENS;
    }
    return null;
  }

  private String fingerprint(int offset, int length) {
    sha.reset();
    sha.update(in.buf, offset, length);
    return HEX.formatHex(sha.digest(), 0, 8);
  }

  /**
   * A {@code ResourceSpans} holding one span, written from already-serialized parts so that the
   * resource and scope are copied once per request rather than once per span. For a request
   * encoded canonically (fields in number order), the bytes are the same as serializing the
   * message.
   */
  static byte[] payload(byte[] resource, byte[] resourceSchema, byte[] scope, byte[] scopeSchema,
      byte[] buf, int spanOffset, int spanLength) {
    try {
      int scopeSpansSize = CodedOutputStream.computeByteArraySize(1, scope)
          + CodedOutputStream.computeTagSize(2) + CodedOutputStream.computeUInt32SizeNoTag(spanLength)
          + spanLength
          + (scopeSchema.length == 0 ? 0 : CodedOutputStream.computeByteArraySize(3, scopeSchema));
      int size = CodedOutputStream.computeByteArraySize(1, resource)
          + CodedOutputStream.computeTagSize(2) + CodedOutputStream.computeUInt32SizeNoTag(scopeSpansSize)
          + scopeSpansSize
          + (resourceSchema.length == 0 ? 0 : CodedOutputStream.computeByteArraySize(3, resourceSchema));
      byte[] out = new byte[size];
      CodedOutputStream coded = CodedOutputStream.newInstance(out);
      coded.writeByteArray(1, resource);
      coded.writeTag(2, LENGTH_DELIMITED);
      coded.writeUInt32NoTag(scopeSpansSize);
      coded.writeByteArray(1, scope);
      coded.writeByteArray(2, buf, spanOffset, spanLength);
      if (scopeSchema.length != 0) {
        coded.writeByteArray(3, scopeSchema);
      }
      if (resourceSchema.length != 0) {
        coded.writeByteArray(3, resourceSchema);
      }
      coded.checkNoSpaceLeft();
      return out;
    } catch (java.io.IOException e) {
      throw new IllegalStateException("encoding into an exactly sized array cannot fail", e);
    }
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  /**
   * A length-delimited field of message type, read where it is; when it comes more than once the
   * pieces are concatenated, which protobuf defines as merging them.
   */
  private static final class Part {
    int start = -1;
    int end;
    /** Further occurrences, as (start, end) pairs: joined once, when needed. */
    int[] more;
    int moreCount;
    byte[] joined;

    void add(ProtoReader in, int limit) throws InvalidProtocolBufferException {
      int length = in.length(limit);
      if (start < 0) {
        start = in.pos;
        end = in.pos + length;
      } else {
        if (more == null) {
          more = new int[8];
        } else if (moreCount == more.length) {
          more = Arrays.copyOf(more, more.length * 2);
        }
        more[moreCount++] = in.pos;
        more[moreCount++] = in.pos + length;
      }
      in.pos += length;
    }

    /** Whether the field came more than once (protobuf merges them, as if concatenated). */
    boolean isMerged() {
      return more != null;
    }

    /** Every occurrence's bytes, concatenated. */
    byte[] merged(byte[] buf) {
      if (joined == null) {
        int size = end - start;
        for (int i = 0; i < moreCount; i += 2) {
          size += more[i + 1] - more[i];
        }
        joined = new byte[size];
        System.arraycopy(buf, start, joined, 0, end - start);
        int at = end - start;
        for (int i = 0; i < moreCount; i += 2) {
          System.arraycopy(buf, more[i], joined, at, more[i + 1] - more[i]);
          at += more[i + 1] - more[i];
        }
      }
      return joined;
    }

    byte[] bytes(byte[] buf) {
      return more != null ? merged(buf) : start < 0 ? NO_BYTES : Arrays.copyOfRange(buf, start, end);
    }
  }


  /** Span ids (8 bytes, as a long) to their hex strings. */
  private static final class SpanIds {
    private long[] keys = new long[256];
    private String[] values = new String[256];
    private int size;

    String hex(byte[] buf, int offset) {
      long key = 0;
      for (int i = 0; i < 8; i++) {
        key = key << 8 | (buf[offset + i] & 0xFF);
      }
      int mask = keys.length - 1;
      int slot = Long.hashCode(key * 0x9E3779B97F4A7C15L) & mask;
      while (values[slot] != null) {
        if (keys[slot] == key) {
          return values[slot];
        }
        slot = (slot + 1) & mask;
      }
      String hex = HEX.formatHex(buf, offset, offset + 8);
      keys[slot] = key;
      values[slot] = hex;
      if (++size * 2 > keys.length) {
        grow();
      }
      return hex;
    }

    private void grow() {
      long[] oldKeys = keys;
      String[] oldValues = values;
      keys = new long[oldKeys.length * 2];
      values = new String[oldKeys.length * 2];
      int mask = keys.length - 1;
      for (int i = 0; i < oldKeys.length; i++) {
        if (oldValues[i] != null) {
          int slot = Long.hashCode(oldKeys[i] * 0x9E3779B97F4A7C15L) & mask;
          while (values[slot] != null) {
            slot = (slot + 1) & mask;
          }
          keys[slot] = oldKeys[i];
          values[slot] = oldValues[i];
        }
      }
    }
  }
}
