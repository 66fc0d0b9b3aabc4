// NanoVLMService
