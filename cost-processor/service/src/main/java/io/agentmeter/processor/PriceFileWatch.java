package io.agentmeter.processor;

import io.agentmeter.cost.catalog.CatalogException;
import io.agentmeter.cost.catalog.CatalogLoad;
import io.agentmeter.cost.catalog.CatalogLoader;
import io.agentmeter.cost.catalog.LoadIssue;
import io.agentmeter.cost.catalog.PriceCatalog;
import io.agentmeter.cost.catalog.PriceResolution;
import io.agentmeter.processor.metrics.Metrics;
import io.agentmeter.processor.model.Pricing;
import io.agentmeter.processor.model.StorageException;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * Re-reads the service's price file ({@code --prices}) when it changes, so that new prices apply
 * without a restart. Each poll looks at the file's modification time and size, and reads and
 * hashes it when either changed (or when the last read was too close to the modification time to
 * be sure it saw the final content). A new content with no issues is handed to the {@link Target}
 * (which keeps its {@link Pricing} in the ledger and prices rollups with it from then on); one the
 * loader has anything to say about, or a file that cannot be read, is refused with the loader's
 * issues, logged at WARNING and counted, and the prices in force stay. A problem must be seen by
 * two polls in a row before it is refused, so that a file caught half-written is not reported.
 */
final class PriceFileWatch implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(PriceFileWatch.class.getName());
  /** Issues listed in a refusal; more are counted. */
  private static final int ISSUES_SHOWN = 10;
  /** How close to its modification time a read may be and still be taken as the final content. */
  private static final Duration SETTLED = Duration.ofSeconds(2);

  /** What applies a new price file. */
  interface Target {
    /**
     * Prices rollups with {@code pricing} ({@code load} parsed from its content) from now on.
     *
     * @throws IllegalArgumentException when these prices cannot be used (the message says why);
     *     the file is refused
     * @throws StorageException when the ledger cannot keep them now; tried again at the next poll
     */
    void apply(Pricing pricing, CatalogLoad load) throws StorageException;
  }

  private final Path file;
  /** The bundled catalogue's text, under every file this watch reads. */
  private final String bundled;
  private final String name;
  private final Target target;
  private final Metrics metrics;
  private final Clock clock;
  private final @Nullable ScheduledExecutorService timer;

  // touched only by the poll (one thread at a time)
  private String applied;
  private @Nullable Instant seenModified;
  private long seenSize = -1;
  private @Nullable Instant readAt;
  /** A problem seen once, refused if the next poll sees it again. */
  private @Nullable String suspect;
  /** The last problem refused (not told again until the file changes). */
  private @Nullable String refused;
  private @Nullable String storeFailed;

  /**
   * @param applied the id of the prices in force ({@link Pricing#id()})
   * @param every how often to poll; zero or negative for none (then {@link #check} is called by
   *     the owner)
   */
  PriceFileWatch(Path file, String bundled, String applied, Target target, Metrics metrics,
      Clock clock, Duration every) {
    this.file = file;
    this.bundled = bundled;
    this.name = file.getFileName().toString();
    this.applied = applied;
    this.target = target;
    this.metrics = metrics;
    this.clock = clock;
    try {
      BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
      this.seenModified = attributes.lastModifiedTime().toInstant();
      this.seenSize = attributes.size();
      this.readAt = clock.instant();
    } catch (IOException e) {
      // read at the next poll
    }
    if (every.isZero() || every.isNegative()) {
      this.timer = null;
    } else {
      this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "agentmeter-prices-watch");
        t.setDaemon(true);
        return t;
      });
      long millis = every.toMillis();
      timer.scheduleWithFixedDelay(this::check, millis, millis, TimeUnit.MILLISECONDS);
    }
  }

  /** Looks at the file once, applying or refusing what changed. Never throws. */
  synchronized void check() {
    try {
      String content;
      try {
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        Instant modified = attributes.lastModifiedTime().toInstant();
        long size = attributes.size();
        if (modified.equals(seenModified) && size == seenSize && readAt != null
            && readAt.isAfter(modified.plus(SETTLED))) {
          return; // unchanged since a read that saw its final content
        }
        Instant now = clock.instant();
        content = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        seenModified = modified;
        seenSize = size;
        readAt = now;
      } catch (CharacterCodingException e) {
        problem("unreadable", "it is not UTF-8 text");
        return;
      } catch (IOException e) {
        seenModified = null; // read again once it is back
        problem("unreadable", "it cannot be read (" + e + ")");
        return;
      }
      Pricing pricing = Pricing.withFile(bundled, name, content);
      if (pricing.id().equals(applied)) {
        suspect = null;
        refused = null;
        return;
      }
      CatalogLoad load;
      try {
        load = CatalogLoader.parse(content, name, LocalDate.now(clock.withZone(ZoneId.systemDefault())));
      } catch (CatalogException e) {
        problem(pricing.id(), e.getMessage());
        return;
      }
      List<LoadIssue> issues = new ArrayList<>(load.issues());
      issues.addAll(unresolvedAliases(load));
      if (!issues.isEmpty()) {
        problem(pricing.id(), describe(issues));
        return;
      }
      try {
        target.apply(pricing, load);
      } catch (IllegalArgumentException e) {
        problem(pricing.id(), e.getMessage());
        return;
      } catch (StorageException e) {
        if (!pricing.id().equals(storeFailed)) {
          storeFailed = pricing.id();
          LOG.log(Level.WARNING, file + " changed, but the ledger cannot keep its prices ("
              + pricing.id() + ") now; the prices of " + applied + " stay in force until it can", e);
        }
        return;
      }
      LOG.info(file + " changed: rollups are priced with " + pricing.id() + " from now on ("
          + load.entriesRead() + " entries; traces stored before keep the prices they were"
          + " stored with)");
      applied = pricing.id();
      suspect = null;
      refused = null;
      storeFailed = null;
      metrics.pricesReload("applied");
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "looking at " + file + " for new prices failed", e);
    }
  }

  /** The id of the prices in force. */
  synchronized String applied() {
    return applied;
  }

  /**
   * A problem with the file as it is now ({@code key} names its content, or its being unreadable):
   * refused when the last poll saw it too, told once.
   */
  private void problem(String key, String what) {
    if (key.equals(refused)) {
      return;
    }
    if (!key.equals(suspect)) {
      suspect = key;
      readAt = null; // look again at the next poll, even if nothing changes
      return;
    }
    suspect = null;
    refused = key;
    LOG.warning(file + " changed but is refused, the prices of " + applied + " stay in force: "
        + what);
    metrics.pricesReload("refused");
  }

  private static String describe(List<LoadIssue> issues) {
    StringBuilder s = new StringBuilder("it has ").append(issues.size())
        .append(issues.size() == 1 ? " issue: " : " issues: ");
    for (int i = 0; i < Math.min(ISSUES_SHOWN, issues.size()); i++) {
      s.append(i == 0 ? "" : "; ").append(issues.get(i));
    }
    if (issues.size() > ISSUES_SHOWN) {
      s.append("; and ").append(issues.size() - ISSUES_SHOWN).append(" more");
    }
    return s.append(" ('agentmeter prices validate' lists them all)").toString();
  }

  /** Aliases of {@code load}'s entries whose target is in no layer over the bundled catalogue. */
  private static List<LoadIssue> unresolvedAliases(CatalogLoad load) {
    List<LoadIssue> issues = new ArrayList<>(0);
    for (LoadIssue issue : PriceResolution.unresolvedAliases(
        PriceCatalog.defaults().withLayerOnTop(load.layer()))) {
      if (load.layer().entry(issue.entry()) != null) {
        issues.add(issue);
      }
    }
    return issues;
  }

  @Override
  public void close() {
    if (timer != null) {
      timer.shutdownNow();
    }
  }
}
