"""Deposit: the anonymiser, consent rule, disclosure control, data package, DDI codebook and
health check for depositing what a partnership collected with an archive (the UK Data Service).

Only ``cli``, ``web`` and ``reports`` (which print quotes) import this package.
"""
