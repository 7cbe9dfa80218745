"""Placeholder: the unsloth dialect is being written (detect() matches nothing yet)."""

NAME = "unsloth"
LABEL = "unsloth"


def detect(data: dict) -> bool:
    return False


def to_spec(doc):  # pragma: no cover - never reached while detect() is False
    raise NotImplementedError
