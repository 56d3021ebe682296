package io.agentmeter.processor.cli;

import static io.agentmeter.processor.cli.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code agentmeter prices diff} against the two public LiteLLM files in ../shared/data. */
class PricesDiffTest {

  @TempDir Path dir;

  private static String sharedData(String file) {
    Path path = Path.of(System.getProperty("agentmeter.shared.data", "../../../shared/data"), file);
    if (Boolean.getBoolean("agentmeter.require.shared.data")) {
      assertThat(path).exists();
    } else {
      assumeTrue(Files.exists(path), "shared data not beside the checkout: " + path);
    }
    return path.toString();
  }

  @Test
  void theJuly2026FileShowsTheRetiredDeepSeekNamesStillAtV32() {
    CliTest.Result diff =
        run("prices", "diff", sharedData("litellm-prices-2026-07-subset.json"), "--as-of", "2026-07-24");

    assertThat(diff.code()).isEqualTo(1);
    assertThat(diff.out().lines().toList())
        .startsWith(
            "litellm-prices-2026-07-subset.json: litellm format, 218 models read, 217 usable",
            "on 2026-07-24: 54 name a catalogue entry, 46 with the same prices, 8 differ; 163 not in the catalogue",
            "claude-3-haiku-20240307  anthropic/claude-3-haiku",
            "  cache_write_1h  ours 0.5          file 6",
            "deepseek-chat  deepseek/deepseek-chat, priced as deepseek/deepseek-v4-flash, retired 2026-07-24",
            "  input           ours 0.14         file 0.28",
            "  cache_read      ours 0.0028       file 0.028",
            "  output          ours 0.28         file 0.42");
  }

  @Test
  void theSeptember2025FileAndItsLayerLoadedWithPrices() throws Exception {
    Path layer = dir.resolve("layer.json");
    CliTest.Result diff =
        run("prices", "diff", sharedData("litellm-prices-2025-09.json"), "--as-of", "2025-09-05",
            "--write-layer", layer.toString());

    assertThat(diff.code()).isEqualTo(1);
    assertThat(diff.out())
        .contains("litellm-prices-2025-09.json: litellm format, 1701 models read, 1468 usable\n")
        .contains("on 2025-09-05: 62 name a catalogue entry, 52 with the same prices, 10 differ;"
            + " 1406 not in the catalogue\n")
        .contains("wrote 2 entries to " + layer + ", new prices from 2025-09-05;"
            + " review it and load it with --prices\n")
        // Claude 3.5 Haiku: another key of the file (the dated id) has our prices.
        .contains("  not written: claude-3-5-haiku-latest: another model of the file has"
            + " anthropic/claude-3-5-haiku's prices\n")
        .contains("  not written: gemini-2.0-flash-001: the file prices it for gcp.vertex_ai,"
            + " gcp.gemini/gemini-2.0-flash is gcp.gemini's\n");

    CliTest.Result validate = run("prices", "validate", layer.toString());
    CliTest.Result again =
        run("prices", "diff", sharedData("litellm-prices-2025-09.json"), "--as-of", "2025-09-05",
            "--prices", layer.toString());

    assertThat(validate.code()).isZero();
    // The two written (azure/gpt-4o-mini, deepseek-chat) now agree; the two Claude 3.5 Haiku keys
    // and the six Gemini models the file prices for Vertex AI still differ.
    assertThat(again.out())
        .contains("on 2025-09-05: 62 name a catalogue entry, 54 with the same prices, 8 differ;");
  }
}
