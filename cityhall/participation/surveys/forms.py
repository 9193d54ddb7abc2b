"""Forms for building surveys and answering them. They collect and render; the rules (what a
valid question or answer is) are in services.py, whose errors the views attach to fields."""

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cityhall.participation.models import Audience, QuestionKind, SurveyQuestion
from cityhall.participation.surveys.services import (
    DESCRIPTION_MAX,
    OPTION_MAX,
    OPTIONS_MAX,
    QUESTION_MAX,
    SCALE_LABEL_MAX,
    SCALE_MAX,
    SCALE_MIN,
    TEXT_ANSWER_MAX,
    TITLE_MAX,
)


class SurveyForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("标题"), max_length=TITLE_MAX)
    description = forms.CharField(
        label=gettext_lazy("说明"),
        max_length=DESCRIPTION_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("告诉市民调查的目的、大约用时以及结果如何使用。"),
    )
    audience = forms.ChoiceField(
        label=gettext_lazy("调查对象"),
        choices=Audience.choices,
        initial=Audience.EVERYONE,
        widget=forms.RadioSelect,
    )
    area = forms.ChoiceField(
        label=gettext_lazy("区域（调查对象为某区域居民时）"),
        required=False,
        help_text=gettext_lazy("居住在该区域（含下辖街道、社区）的市民可以作答。"),
    )
    item = forms.ChoiceField(
        label=gettext_lazy("服务事项（调查对象为办理过某事项的市民时）"),
        required=False,
        help_text=gettext_lazy("申请过该事项的市民可以作答。"),
    )

    def __init__(
        self,
        *args: Any,
        areas: list[tuple[str, str]],
        items: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        blank = [("", _("请选择"))]
        self.fields["area"].choices = blank + areas  # type: ignore[attr-defined]
        self.fields["item"].choices = blank + items  # type: ignore[attr-defined]


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("题型"), choices=QuestionKind.choices)
    text = forms.CharField(label=gettext_lazy("题目"), max_length=QUESTION_MAX)
    required = forms.BooleanField(label=gettext_lazy("必答"), required=False, initial=True)
    options = forms.CharField(
        label=gettext_lazy("选项（单选题、多选题）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("每行一个选项，2–20 个，每个不超过 100 个字。"),
    )
    scale_max = forms.IntegerField(
        label=gettext_lazy("量表最高分（量表题）"),
        min_value=SCALE_MIN,
        max_value=SCALE_MAX,
        initial=5,
        required=False,
        help_text=gettext_lazy("从 1 分到最高分，最高分为 3–10。"),
    )
    scale_low_label = forms.CharField(
        label=gettext_lazy("1 分的含义（量表题）"), max_length=SCALE_LABEL_MAX, required=False
    )
    scale_high_label = forms.CharField(
        label=gettext_lazy("最高分的含义（量表题）"), max_length=SCALE_LABEL_MAX, required=False
    )

    def clean_options(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["options"].splitlines()]
        lines = [line for line in lines if line]
        if len(lines) > OPTIONS_MAX:
            raise forms.ValidationError(
                _("最多 %(n)d 个选项，现在 %(m)d 个") % {"n": OPTIONS_MAX, "m": len(lines)}
            )
        for line in lines:
            if len(line) > OPTION_MAX:
                raise forms.ValidationError(
                    _("选项“%(o)s…”超过 %(n)d 个字") % {"o": line[:10], "n": OPTION_MAX}
                )
        return lines

    @classmethod
    def initial_for(cls, question: SurveyQuestion) -> dict[str, object]:
        return {
            "kind": question.kind,
            "text": question.text,
            "required": question.required,
            "options": "\n".join(str(o) for o in question.options),
            "scale_max": question.scale_max,
            "scale_low_label": question.scale_low_label,
            "scale_high_label": question.scale_high_label,
        }


class OpenForm(forms.Form):
    closes_at = forms.DateTimeField(
        label=gettext_lazy("截止时间"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=gettext_lazy("发布后立即开始作答，到截止时间自动结束；也可以提前结束。"),
    )


def field_name(question: SurveyQuestion) -> str:
    return f"q{question.pk}"


class AnswerForm(forms.Form):
    """One field per question, named q<id>. Every field accepts anything: the service checks
    the answers (and its errors are added to the fields), so the form only renders and
    collects what was posted, keeping it when the page is shown again."""

    def __init__(self, *args: Any, questions: list[SurveyQuestion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for q in questions:
            self.fields[field_name(q)] = _field_for(q)

    def answers(self) -> dict[int, list[str]]:
        """What was posted for each question: a list of values (empty when skipped)."""
        posted: dict[int, list[str]] = {}
        for q in self.questions:
            name = self.add_prefix(field_name(q))
            posted[q.pk] = [str(v) for v in self.data.getlist(name)] if self.data else []  # type: ignore[attr-defined]
        return posted

    def bound_questions(self) -> list[tuple[SurveyQuestion, forms.BoundField]]:
        return [(q, self[field_name(q)]) for q in self.questions]


def _field_for(question: SurveyQuestion) -> forms.Field:
    label = question.text
    if question.kind == QuestionKind.TEXT:
        return forms.CharField(
            label=label,
            required=False,
            widget=forms.Textarea(attrs={"rows": 4, "maxlength": TEXT_ANSWER_MAX}),
            help_text=_("不超过 %(n)d 个字。") % {"n": TEXT_ANSWER_MAX},
        )
    if question.kind == QuestionKind.SCALE:
        choices = [(str(v), str(v)) for v in range(1, question.scale_max + 1)]
        low, high = question.scale_low_label, question.scale_high_label
        help_text = ""
        if low or high:
            help_text = _("1 分：%(low)s；%(max)d 分：%(high)s") % {
                "low": low or "—",
                "high": high or "—",
                "max": question.scale_max,
            }
        return forms.Field(
            label=label,
            required=False,
            widget=forms.RadioSelect(choices=choices),
            help_text=help_text,
        )
    choices = [(str(i), str(o)) for i, o in enumerate(question.options)]
    if question.kind == QuestionKind.MULTIPLE:
        return forms.Field(
            label=label,
            required=False,
            widget=forms.CheckboxSelectMultiple(choices=choices),
            help_text=_("可多选。"),
        )
    return forms.Field(label=label, required=False, widget=forms.RadioSelect(choices=choices))
