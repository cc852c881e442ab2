"""Tools for the ReAct agent: plain functions that take simple arguments and return text.

Every tool returns a `str`, also when something goes wrong ("Error: ..."), so an
agent loop can show the result to the model as an observation and carry on.

- `calculator(expression)`: safe arithmetic (no `eval`);
- `search_notes(query, k=3)`: keyword search over the offline notes in `helpers/data/library/`;
- `read_file(path)`: reads a text file inside `helpers/data/library/` only;
  `make_file_reader(folder)` makes one for another folder;
- `run_python(code, timeout=5)`: runs code in a limited subprocess, and only after
  you have called `enable_python(True)` yourself; `python_runner.python_isolation()`
  says what fences that subprocess in on this machine.

`tool_schema`, `tool_schemas`, `describe_tools` and `call_tool` connect them to a
model, with OpenAI tool calling or with a ReAct text prompt.
"""
