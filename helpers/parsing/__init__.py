"""Read a model's "think step by step" answer into a `Reasoning`, robustly and honestly.

`parse_reasoning(text)` is the one call most code needs. It works in rungs, each
of which a notebook can show on its own:

1. Clean the text: byte order mark, CRLF, chat tokens (`strip_think_block`,
   `cut_at_special_token`, `strip_code_fence`).
2. Find candidate objects in the prose (`find_json_spans`, `find_json_objects`) and
   refuse ones that were cut off mid-value: a truncated answer is never "repaired"
   into a shorter one. Only a missing final `}` after a finished result is closed.
3. Load each candidate with the repair ladder (`load_json`: strict `json.loads`,
   then `strict=False`, then named repairs, then `repair_json` via json_repair).
4. Read steps and result from whatever shape the model chose (`find_answer`,
   `natural_step_order`) and validate them (`ReasoningAnswer`, a pydantic model).

When the text holds several complete answers (a draft, then a corrected one), the
LAST one wins: models correct themselves, they rarely un-correct. A cut-off answer
after a complete one still makes the whole text "truncated".

Anything that cannot honestly be read raises `ReasoningParseError` with a one-line
message and a `reason` code.
"""
