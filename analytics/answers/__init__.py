"""Answers to indicator questions: one handler module per question kind.

``dispatch.Answerer`` parses the question and calls the handler of its ``Query.kind`` from
``dispatch.HANDLERS``; ``common`` holds what the handlers share. Kinds and their modules:
``lookup``, ``compare``, ``rank`` → ``ranking``, ``stats``, ``position``, ``series`` →
``projection``, ``sheet``, ``viewpoint``, ``age``, ``help`` and ``unknown_indicator`` →
``guide``.

Nothing is imported here, so importing one handler never loads the dispatcher (no circle).
"""
