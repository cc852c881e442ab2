def tool_turn(content, tool_calls, results):
    messages = [{"role": "assistant", "content": content, "tool_calls": tool_calls}]
    for call, result in zip(tool_calls, results):
        messages.append({"role": "tool", "tool_call_id": call["id"], "content": result})
    return messages
