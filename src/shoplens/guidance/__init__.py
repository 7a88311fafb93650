"""Guidance: what each customer should see or hear next.

Sub-packages: ``recommend`` (candidate models, blending, session re-ranking, evaluation;
see docs/recommend.md) and ``assistant`` (a grounded customer-service assistant on the LLM layer in
:mod:`shoplens.llm`). Each sub-package keeps its own public API; nothing heavy is imported
here.
"""
