"""The Backend Agent (see `compiler.agent.agent.BackendAgent` and docs/agent.md)."""

from __future__ import annotations

from compiler.agent.agent import BackendAgent

__all__ = ["BackendAgent"]
