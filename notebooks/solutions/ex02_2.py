step_schema = {
    "type": "json_schema",
    "json_schema": {
        "name": "steps_and_result",
        "strict": True,
        "schema": {
            "type": "object",
            "properties": {
                "steps": {"type": "array", "items": {"type": "string"}},
                "result": {"type": "string"},
            },
            "required": ["steps", "result"],
            "additionalProperties": False,
        },
    },
}
