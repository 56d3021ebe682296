package io.agentmeter.cost.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import org.jspecify.annotations.Nullable;

/** Reads catalogue figures as exact decimals from JSON strings or numbers. */
final class Decimals {

  private Decimals() {}

  /**
   * The figure, or {@code null} when absent or JSON null.
   *
   * @throws IllegalArgumentException with a message naming the problem
   */
  static @Nullable BigDecimal read(@Nullable JsonNode node, String field) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return null;
    }
    BigDecimal value;
    if (node.isNumber()) {
      value = node.decimalValue();
    } else if (node.isTextual()) {
      try {
        value = new BigDecimal(node.textValue().trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            field + " is \"" + node.textValue() + "\", not a decimal number");
      }
    } else {
      throw new IllegalArgumentException(
          field + " is a " + node.getNodeType().name().toLowerCase() + ", not a number");
    }
    if (value.signum() < 0) {
      throw new IllegalArgumentException(field + " is negative (" + value.toPlainString() + ")");
    }
    return value.stripTrailingZeros();
  }
}
