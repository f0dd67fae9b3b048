"""Web views of case work."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .models import Subject


@login_required
def subject_list(request: HttpRequest) -> HttpResponse:
    subjects = Subject.objects.visible_to(request.user)[:50]
    return render(request, "plans/subject_list.html", {"subjects": subjects})
