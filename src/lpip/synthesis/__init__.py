"""Synthesis: priorities linked to evidence, wicked problems and quick wins, partners, and the
Phase 2 programme plan. Sits above evidence, workshops and deliberation; below reports, CLI, web."""


def workshop_summary(session, workshop_ids) -> dict[str, list[str]]:
    """Wicked problems and quick wins among the priorities of these workshops, for the workshop
    report (its hook, ``lpip.reports.workshop.SYNTHESIS_HOOK``): see
    :func:`lpip.synthesis.register.workshop_summary`."""
    from lpip.synthesis.register import workshop_summary as summary  # loaded when asked, not on import

    return summary(session, workshop_ids)
