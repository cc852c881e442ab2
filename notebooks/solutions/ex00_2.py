def local_server_settings(port, model):
    return {
        "OPENAI_BASE_URL": f"http://localhost:{port}/v1",
        "HOMEMADE_O1_MODEL": model,
    }
