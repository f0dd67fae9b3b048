"""core.caseload: the subject list's filterset is extended one app at a time, never replaced."""

from __future__ import annotations

import pytest

from core.caseload import caseload_filterset, register_caseload_filterset
from orders.caseload import CaseloadFilter
from plans.caseload import PlanCaseloadFilter
from subjects.filters import SubjectListFilter


def test_orders_then_plans_extend_the_subjects_list_and_a_class_that_would_drop_them_is_refused():
    assert caseload_filterset(SubjectListFilter) is PlanCaseloadFilter
    assert issubclass(PlanCaseloadFilter, CaseloadFilter)
    assert issubclass(CaseloadFilter, SubjectListFilter)

    class Unrelated(SubjectListFilter):  # extends the subjects' list, but not the caseload
        pass

    class OrdersOnly(CaseloadFilter):  # extends the orders' caseload but would drop the plans'
        pass

    for cls in (Unrelated, OrdersOnly):
        with pytest.raises(TypeError, match="must extend PlanCaseloadFilter"):
            register_caseload_filterset(cls)
    assert caseload_filterset(SubjectListFilter) is PlanCaseloadFilter
    register_caseload_filterset(PlanCaseloadFilter)  # registering again changes nothing
    register_caseload_filterset(CaseloadFilter)  # nor does the orders' own, registered before
    assert caseload_filterset(SubjectListFilter) is PlanCaseloadFilter
