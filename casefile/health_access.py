"""Who on a person's team sees their pharmacy and health details: the lead professional, and the worker
whose role for this person is a health or drug service (issue 12; the Lewisham model keeps health
information with the lead and the health or drug worker).

The role is the words the lead gave the worker for this person ("Drug and alcohol worker", "Mental health
nurse"), so the lead, who builds the team, decides who sees it.
"""

from __future__ import annotations

import re

HEALTH_ROLE = re.compile(
    r"\b(health|drugs?|alcohol|substance|recovery|nurse|gp|doctor|pharmac\w*|clinic\w*|treatment|"
    r"psychiatr\w*|psycholog\w*|therap\w*|dependenc\w*)\b",
    re.IGNORECASE,
)


def sees_health_details(is_lead: bool, assignment_role: str | None) -> bool:
    return is_lead or bool(HEALTH_ROLE.search(assignment_role or ""))
