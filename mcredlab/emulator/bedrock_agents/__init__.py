"""Agents for Amazon Bedrock in the emulator: the control plane's state (agents, knowledge bases),
the knowledge-base index, and the runtime's deterministic answers. The extensions ``bedrock_agent``
and ``bedrock_agent_runtime`` put them behind moto's server; docs/bedrock-agents-offline.md says how
they differ from AWS."""
