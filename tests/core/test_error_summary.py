"""The error summary links each error to an element that exists: a group of checkboxes (whose
widget gives no id for a label) to its first box, as the protected-person form's orders are."""

from __future__ import annotations

import re

from django import forms
from django.template.loader import render_to_string


class _Form(forms.Form):
    orders = forms.MultipleChoiceField(
        label="Orders protecting them", choices=[("a", "A"), ("b", "B")], widget=forms.CheckboxSelectMultiple
    )
    name = forms.CharField()


def test_checkbox_groups_and_text_fields_link_to_ids_that_exist() -> None:
    form = _Form({"orders": ["zzz"]})
    assert not form.is_valid()
    summary = render_to_string("includes/error_summary.html", {"form": form})
    boxes = "".join(str(box.tag()) for box in form["orders"]) + str(form["name"])
    links = re.findall(r'href="#([^"]+)"', summary)
    assert links == ["id_orders_0", "id_name"]
    for target in links:
        assert f'id="{target}"' in boxes
