package io.agentmeter.cost.catalog;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The entries and adjustments of one catalogue file, indexed for matching. */
public final class PriceLayer {

  private final String name;
  private final List<ModelEntry> entries;
  private final List<Adjustment> adjustments;
  private final Map<String, List<ModelEntry>> byName = new HashMap<>();
  private final Map<String, List<ModelEntry>> toolsByName = new HashMap<>();
  private final List<ModelEntry> withRegex = new ArrayList<>();
  private final Map<String, ModelEntry> byId = new HashMap<>();

  PriceLayer(String name, List<ModelEntry> entries, List<Adjustment> adjustments) {
    this.name = name;
    this.entries = List.copyOf(entries);
    this.adjustments = List.copyOf(adjustments);
    for (ModelEntry entry : this.entries) {
      byId.putIfAbsent(entry.id(), entry);
      Map<String, List<ModelEntry>> index = entry.kind() == ModelKind.TOOL ? toolsByName : byName;
      for (String n : entry.names()) {
        index.computeIfAbsent(n.toLowerCase(Locale.ROOT), k -> new ArrayList<>(1)).add(entry);
      }
      if (entry.regex() != null && entry.kind() != ModelKind.TOOL) {
        withRegex.add(entry);
      }
    }
  }

  /** A layer built from entries in code, e.g. in tests or from a database. */
  public static PriceLayer of(String name, List<ModelEntry> entries, List<Adjustment> adjustments) {
    return new PriceLayer(name, entries, adjustments);
  }

  /** The layer's name (a file name, "default"). */
  public String name() {
    return name;
  }

  /** Every usable entry, in file order. */
  public List<ModelEntry> entries() {
    return entries;
  }

  /** The adjustments, in file order. */
  public List<Adjustment> adjustments() {
    return adjustments;
  }

  /** The entry with id {@code id}, or {@code null}. */
  public @Nullable ModelEntry entry(String id) {
    return byId.get(id);
  }

  List<ModelEntry> exact(String lowerCaseName) {
    return byName.getOrDefault(lowerCaseName, List.of());
  }

  List<ModelEntry> tool(String lowerCaseName) {
    return toolsByName.getOrDefault(lowerCaseName, List.of());
  }

  List<ModelEntry> withRegex() {
    return withRegex;
  }
}
