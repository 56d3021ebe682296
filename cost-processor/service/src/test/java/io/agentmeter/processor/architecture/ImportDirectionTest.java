package io.agentmeter.processor.architecture;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Imports run one way: server (the front door, receivers, API, CLI) → stages → span model → engine
 * → semconv, never back, and no two packages import each other, directly or around a cycle.
 */
class ImportDirectionTest {

  private static final String ROOT = "io.agentmeter.processor";
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.agentmeter");
  }

  @Test
  void noPackageCycles() {
    slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(classes);
  }

  @Test
  void theSpanModelDependsOnNoStage() {
    noClasses().that().resideInAPackage(ROOT + ".model..")
        .should().dependOnClassesThat().resideInAnyPackage(
            ROOT + ".otlp..", ROOT + ".log..", ROOT + ".store..", ROOT + ".jdbc..",
            ROOT + ".ingest..", ROOT + ".window..", ROOT + ".coster..", ROOT + ".listen..",
            ROOT + ".metrics..", ROOT + ".forward..",
            ROOT + ".receive..", ROOT + ".api..", ROOT + ".cli..")
        .check(classes);
  }

  @Test
  void stagesNeverReachBackToTheServer() {
    noClasses().that().resideInAnyPackage(
            ROOT + ".model..", ROOT + ".otlp..", ROOT + ".log..", ROOT + ".store..",
            ROOT + ".jdbc..", ROOT + ".ingest..", ROOT + ".window..", ROOT + ".coster..",
            ROOT + ".listen..", ROOT + ".metrics..",
            ROOT + ".forward..")
        .should().dependOnClassesThat().resideInAnyPackage(
            ROOT + ".receive..", ROOT + ".api..", ROOT + ".cli..")
        .orShould().dependOnClassesThat().haveFullyQualifiedName(ROOT + ".Processor")
        .check(classes);
  }

  @Test
  void theEngineAndSemconvNeverImportTheService() {
    noClasses().that().resideInAnyPackage("io.agentmeter.cost..", "io.agentmeter.semconv..")
        .should().dependOnClassesThat().resideInAPackage(ROOT + "..")
        .check(classes);
    noClasses().that().resideInAPackage("io.agentmeter.semconv..")
        .should().dependOnClassesThat().resideInAPackage("io.agentmeter.cost..")
        .check(classes);
  }
}
