"""学时 reads: the configured rule and a member's hours in a year."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

from learning.models import CreditHourRule, CreditRecord, Member


def credit_rule() -> CreditHourRule:
    """The 学时 rule (per-duration hours and yearly targets) as configured."""
    return CreditHourRule.load()


def member_year_hours(*, member: Member, year: int) -> Decimal:
    """The 学时 the member earned in ``year`` (0 when none)."""
    total = CreditRecord.objects.filter(member=member, year=year).aggregate(
        total=Sum("hours")
    )["total"]
    return total or Decimal("0")
