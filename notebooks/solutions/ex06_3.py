def tool_turn(content, tool_calls, results):
    assistant = {"role": "assistant", "content": content}
    assistant["tool_calls"] = tool_calls
    messages = [assistant]
    for call, result in zip(tool_calls, results):
        call_id = call["id"]
        messages.append(
            {"role": "tool", "tool_call_id": call_id, "content": result}
        )
    return messages
