"""Placeholder: the torchtune dialect is being written (detect() matches nothing yet)."""

NAME = "torchtune"
LABEL = "torchtune"


def detect(data: dict) -> bool:
    return False


def to_spec(doc):  # pragma: no cover - never reached while detect() is False
    raise NotImplementedError
