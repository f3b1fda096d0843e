"""Use cases above the pipeline's stages: ``wellled diff`` and ``wellled table``.

These modules combine the stages (language, evidence, judge, output); nothing
in the stages imports them, so the one-way import rule of docs/architecture.md
holds: ``app -> output -> judge -> language, evidence``.
"""
