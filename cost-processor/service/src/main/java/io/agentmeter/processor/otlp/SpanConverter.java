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
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Turns OTLP export requests, as protobuf bytes, into spans to store. A span with unusable identity
 * (wrong id lengths, all-zero ids) is rejected with a message naming it; every other span is kept,
 * whatever its attributes say: bad token counts and unknown models are the cost engine's to report
 * (a quick check of token counts adds a warning for the sender).
 *
 * <p>The request is read straight from its bytes, without building protobuf messages: only what
 * the cost engine reads is decoded (ids, name, times, status, the span attributes under
 * {@code ReadKeys.READ_PREFIXES}, every resource attribute); everything else, unknown fields included, is
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

  private final ProtoReader in;
  private final boolean payloads;
  private final MessageDigest sha = Payloads.sha256();
  private final List<IncomingSpan> spans = new ArrayList<>();
  private final List<String> rejections = new ArrayList<>();
  private final List<String> warnings = new ArrayList<>();
  private int rejected;
  /** Whether the resource of the spans being read has an attribute that is not valid UTF-8. */
  private boolean badResource;
  /** Hex span ids already made for this request, so that children share their parent's. */
  private final SpanIds ids = new SpanIds();
  private int lastTrace = -1;
  private String lastTraceHex;
  /** The offsets of the current span's attributes, start and end of each. */
  private int[] attributes = new int[64];
  /** Per usage key (in {@link #USAGE_KEYS} order), what is wrong with the current span's value. */
  private final String[] usage = new String[ReadKeys.USAGE_KEYS.size()];

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
    ProtoPart resource = new ProtoPart();
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
    Map<String, Object> attributes;
    try {
      attributes = resourceAttributes(resource);
      badResource = false;
    } catch (InvalidUtf8Exception e) {
      // every span of this resource is rejected; the other resources' spans are kept
      attributes = Map.of();
      badResource = true;
    }
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

  private Map<String, Object> resourceAttributes(ProtoPart resource)
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
      ProtoPart scope = new ProtoPart();
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
    String spanName;
    try {
      spanName = in.string(name, nameLength);
    } catch (InvalidUtf8Exception e) {
      reject(r, s, i, "?", "its name is not valid UTF-8");
      return;
    }
    String problem = identityProblem(traceId, traceIdLength, spanId, spanIdLength, parentLength);
    if (problem == null && badResource) {
      problem = "an attribute of its resource is not valid UTF-8";
    }
    if (problem == null && (startNanos < 0 || endNanos < 0)) {
      // fixed64 read as signed: 2^63 ns and above (after the year 2262) cannot be held
      problem = (startNanos < 0 ? "start_time_unix_nano " + Long.toUnsignedString(startNanos)
          : "end_time_unix_nano " + Long.toUnsignedString(endNanos)) + " is after the year 2262";
    }
    if (problem != null) {
      reject(r, s, i, spanName, problem);
      return;
    }
    Arrays.fill(usage, null);
    Map<String, Object> spanAttributes;
    try {
      spanAttributes = spanAttributes(attributeCount);
    } catch (InvalidUtf8Exception e) {
      reject(r, s, i, spanName, "an attribute is not valid UTF-8");
      return;
    }
    if (lastTrace < 0 || !Arrays.equals(buf, traceId, traceId + 16, buf, lastTrace, lastTrace + 16)) {
      // spans of a trace usually arrive together: they share one id string
      lastTrace = traceId;
      lastTraceHex = HEX.formatHex(buf, traceId, traceId + 16);
    }
    String spanIdHex = ids.hex(buf, spanId);
    SpanRecord record = new SpanRecord(lastTraceHex, spanIdHex,
        parentLength == 0 ? null : ids.hex(buf, parent), ReadKeys.canonical(spanName), startNanos, endNanos,
        statusCode == STATUS_CODE_ERROR, spanAttributes, resource);
    for (String bad : usage) {
      if (bad != null) {
        if (warnings.size() < MAX_PROBLEMS) {
          warnings.add("span " + spanIdHex + " accepted but unpriced: " + bad);
        }
        break;
      }
    }
    byte[] payload = payloads
        ? Payloads.payload(resourceBytes, resourceSchema, scopeBytes, scopeSchema, buf, start, end - start)
        : NO_BYTES;
    spans.add(new IncomingSpan(record, fingerprint(start, end - start), payload));
  }

  private void reject(int r, int s, int i, String spanName, String problem) {
    rejected++;
    if (rejections.size() < MAX_PROBLEMS) {
      rejections.add("span " + r + "/" + s + "/" + i + " ('" + spanName + "') rejected: " + problem);
    }
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
    ProtoPart value = null;
    in.pos = start;
    for (int tag; (tag = in.tag(end)) != 0; ) {
      if (tag == KEY_VALUE_KEY) {
        keyLength = in.length(end);
        key = in.pos;
        in.pos += keyLength;
      } else if (tag == KEY_VALUE_VALUE) {
        if (value == null) {
          value = new ProtoPart();
        }
        value.add(in, end);
      } else {
        in.skip(tag, end);
      }
    }
    if (onlyRead && !ReadKeys.read(in.buf, key, keyLength)) {
      return;
    }
    Object decoded;
    if (value == null) {
      decoded = null;
    } else if (value.isMerged()) {
      // the value came in more than one field: protobuf merges them, as if concatenated
      byte[] merged = value.merged(in.buf);
      decoded = AnyValues.read(new ProtoReader(merged), 0, merged.length, 0);
    } else {
      decoded = AnyValues.read(in, value.start, value.end, 0);
    }
    if (decoded == null) {
      return;
    }
    String name = ReadKeys.canonical(in.string(key, keyLength));
    if (decoded instanceof String text && ReadKeys.FEW_VALUES.contains(name)) {
      decoded = ReadKeys.canonical(text);
    }
    result.put(name, decoded);
    if (onlyRead) {
      Integer u = ReadKeys.USAGE_INDEX.get(name);
      if (u != null) {
        usage[u] = ReadKeys.usageProblem(name, decoded);
      }
    }
  }



  private String fingerprint(int offset, int length) {
    sha.reset();
    sha.update(in.buf, offset, length);
    return HEX.formatHex(sha.digest(), 0, 8);
  }


}
