"""Placeholder: the trl dialect is being written (detect() matches nothing yet)."""

NAME = "trl"
LABEL = "trl"


def detect(data: dict) -> bool:
    return False


def to_spec(doc):  # pragma: no cover - never reached while detect() is False
    raise NotImplementedError
