// NanoVLM
