#!/usr/bin/env bash
# The one-command demo: builds what it needs, then runs the research-report workflow under the
# OpenTelemetry Java agent with the AgentMeter extension, costed by the processor on its embedded
# defaults, and prints the cost report. Options: examples/demo.sh --help
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q package -DskipTests
exec java -jar examples/target/agentmeter-demo.jar "$@"
