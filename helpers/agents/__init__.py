"""Agents that use tools: a ReAct text protocol and native tool calling.

`trace` holds what an agent did (`AgentRun`, shown in `StepViewer`), `text` the
Thought / Action / Observation protocol and its loop (`run_react`), `native`
the loop over the API's own tool calls (`run_tool_agent`), and `common` what both
loops share (the `Tools` type, the repeat guard, one run's calls).
"""
