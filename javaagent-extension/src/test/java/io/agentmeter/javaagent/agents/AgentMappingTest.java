package io.agentmeter.javaagent.agents;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AgentMappingTest {

  @Test
  void readsClassesMethodsAndAgents() {
    AgentMapping mapping = AgentMapping.parse(
        "com.acme.Planner#run=planner; com.acme.Researcher#research,search=researcher");

    assertThat(mapping.agentFor("com.acme.Planner", "run")).isEqualTo("planner");
    assertThat(mapping.agentFor("com.acme.Researcher", "search")).isEqualTo("researcher");
    assertThat(mapping.agentFor("com.acme.Researcher", "run")).isNull();
    assertThat(mapping.problems()).isEmpty();
  }

  @Test
  void unreadableEntriesAreReportedAndTheRestKept() {
    AgentMapping mapping = AgentMapping.parse("com.acme.Planner=planner;com.acme.Writer#write=writer;#x=y");

    assertThat(mapping.agentFor("com.acme.Writer", "write")).isEqualTo("writer");
    assertThat(mapping.problems()).containsExactly(
        "'com.acme.Planner=planner' is not Class#method[,method...]=agent",
        "'#x=y' is not Class#method[,method...]=agent");
  }

  @Test
  void everyHelperClassIsListedForInjection() {
    assertThat(new AgentMethodsInstrumentationModule().getAdditionalHelperClassNames())
        .containsExactlyInAnyOrder(AgentMapping.class.getName(), AgentHelper.class.getName(),
            AgentHelper.Open.class.getName());
    assertThat(AgentHelper.class.getDeclaredClasses()).hasSize(1);
  }
}
