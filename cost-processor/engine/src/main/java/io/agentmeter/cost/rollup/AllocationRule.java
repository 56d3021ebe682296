package io.agentmeter.cost.rollup;

/** How the cost of a shared resource is split across the agents of a task that used it. */
public enum AllocationRule {
  /** All of it to the agent that used the resource first. */
  FIRST_USER,
  /** Evenly across the agents that used it. */
  EVEN,
  /** In proportion to each using agent's direct (non-shared) cost in the task; evenly if all zero. */
  PROPORTIONAL
}
