"""Local mode: a small open model answers inside this Python process. A learner can skip this.

`get_client("local")` returns the real `openai.OpenAI` client; its HTTP transport
answers `POST /chat/completions` from a GGUF model run by llama.cpp (through
llama-cpp-python) instead of a server. The modules, one job each:

- `files`: which file the setting names (a path or a hub reference), and whether it is here;
- `model_file`: read a GGUF file's header: name, quantisation, size, chat template, shape;
- `download`: fetch a model from the Hugging Face hub into its cache (also a command);
- `setup_note`: the one-line note left when setting up the local model failed (Binder);
- `runtime`: load the model once per kernel and hand it to one generation at a time;
- `request`: check an OpenAI chat request and turn it into settings for the model;
- `grammar`: grammars that force valid JSON, a JSON schema or a tool call;
- `prompt`: render the conversation with the model's own chat template;
- `sampler`: the token loop: sampling, stop strings, token limits, deadline, interrupts;
- `output`: split thinking from the answer, and tool calls from text;
- `answer`: run a request and write the reply (whole, or as stream chunks);
- `transport`: the `httpx2` transport under the SDK, sync and async;
- `interrupts`: stop background generations when the kernel is interrupted;
- `summary`: the line `describe_mode()` prints in local mode.
"""
