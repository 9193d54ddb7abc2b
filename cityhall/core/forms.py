"""Form pieces every domain shares."""

from typing import Any

from django import forms


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    """Several files from one input; the services check what they are (core.uploads)."""

    def __init__(self, *, accept: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": accept} if accept else {}))
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        one = super().clean  # not inside the comprehension: its own scope has no zero-arg super
        return [one(item, initial) for item in files]
