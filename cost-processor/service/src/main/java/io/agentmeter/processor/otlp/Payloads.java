package io.agentmeter.processor.otlp;

import static io.agentmeter.processor.otlp.ProtoReader.LENGTH_DELIMITED;

import com.google.protobuf.CodedOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** One span's bytes as a stored {@code ResourceSpans}, and the digest its fingerprint is taken with. */
final class Payloads {

  private Payloads() {}

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
}
