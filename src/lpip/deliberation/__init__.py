"""What was said in workshops and conversations: opinion groups and consensus (pol.is method)."""

from lpip.deliberation.opinions import OpinionGroups, find_opinion_groups
from lpip.deliberation.polis import POLIS_ATTRIBUTION, PolisExport, read_polis_export

__all__ = ["OpinionGroups", "POLIS_ATTRIBUTION", "PolisExport", "find_opinion_groups", "read_polis_export"]
