"""Answers to indicator questions: one handler module per question kind."""

from analytics.answers.common import SAMPLE_NOTE, Answerer

__all__ = ["SAMPLE_NOTE", "Answerer"]
