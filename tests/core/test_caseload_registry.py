"""core.caseload: the subject list's filterset is extended one app at a time, never replaced."""

from __future__ import annotations

import pytest

from core.caseload import caseload_filterset, register_caseload_filterset
from orders.caseload import CaseloadFilter
from subjects.filters import SubjectListFilter


def test_orders_extend_the_subjects_list_and_a_class_that_would_drop_them_is_refused():
    assert caseload_filterset(SubjectListFilter) is CaseloadFilter
    assert issubclass(CaseloadFilter, SubjectListFilter)

    class Unrelated(SubjectListFilter):  # extends the subjects' list, but not the orders' caseload
        pass

    with pytest.raises(TypeError, match="must extend CaseloadFilter"):
        register_caseload_filterset(Unrelated)
    assert caseload_filterset(SubjectListFilter) is CaseloadFilter
    register_caseload_filterset(CaseloadFilter)  # registering again changes nothing
    assert caseload_filterset(SubjectListFilter) is CaseloadFilter
