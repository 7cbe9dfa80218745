"""Placeholder: the llamafactory dialect is being written (detect() matches nothing yet)."""

NAME = "llamafactory"
LABEL = "llamafactory"


def detect(data: dict) -> bool:
    return False


def to_spec(doc):  # pragma: no cover - never reached while detect() is False
    raise NotImplementedError
