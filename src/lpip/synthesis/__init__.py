"""Synthesis: priorities linked to evidence, wicked problems and quick wins, partners, and the
Phase 2 programme plan. Sits above evidence, workshops and deliberation; below reports, CLI, web."""
