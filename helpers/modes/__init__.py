"""Machinery: how `get_client()` answers. A learner can skip this folder.

The notebooks always use the real `openai` client; this package chooses what is
under it:

- `settings`: the environment variables, and which mode to use;
- `client`: `get_client()` and friends, `describe_mode()`;
- `keys`: typing a key in a notebook, pointing at a local server or a local model;
- `local/`: local mode: a GGUF model run in this process by llama.cpp;
- `transports`: the HTTP transports that replay recordings (offline) and save them (record);
- `deadline`: the transport under every live client, so no call waits past its deadline
  (`HOMEMADE_O1_TIMEOUT`, or `timeout=`), retries included;
- `reply_checks`: what that transport checks in a reply (a body that is not JSON, a
  server error no retry can fix, a key echoed back) and the errors naming those faults;
- `stream_secrets`: a key spread over a stream's events, cut out of the joined text;
- `recording_files`: the recording file format, matching a request to its recording,
  and the message a miss gives;
- `wire`: chat-completion replies in the exact JSON shape the API sends.
"""
