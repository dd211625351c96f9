// The agent runtime and selftest library as the apps use them (one place to adapt if their
// APIs move), and a resolver from agent ids to display names for human output.

export { type Agent, type AgentEvent, type AgentMetrics, createAgent } from "@hsagent/agent";
export { type CheckResult as SelfTestCheck, runSelfTest, type SelfTestReport } from "@hsagent/selftest";
