"""Agents that use tools: a ReAct text protocol and native tool calling.

`trace` holds what an agent did (`AgentRun`, shown in `StepViewer`), `text` the
Thought / Action / Observation protocol and its loop (`run_react`), and `native`
the loop over the API's own tool calls (`run_tool_agent`).
"""

from helpers.agents.native import (
    TOOL_AGENT_SYSTEM_PROMPT,
    assistant_message,
    run_tool_agent,
    run_tool_call,
    tool_result_message,
)
from helpers.agents.text import (
    REACT_SYSTEM_PROMPT,
    ReactParseError,
    ReactStep,
    parse_react,
    react_messages,
    run_react,
)
from helpers.agents.trace import AgentRun, AgentStep

__all__ = [
    "REACT_SYSTEM_PROMPT",
    "TOOL_AGENT_SYSTEM_PROMPT",
    "AgentRun",
    "AgentStep",
    "ReactParseError",
    "ReactStep",
    "assistant_message",
    "parse_react",
    "react_messages",
    "run_react",
    "run_tool_agent",
    "run_tool_call",
    "tool_result_message",
]
