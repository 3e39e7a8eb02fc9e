"""Test infrastructure that ships with the package: the loopback OpenAI/Anthropic-compatible
server with fault injection (`python -m evalkit.testing.testserver`)."""
