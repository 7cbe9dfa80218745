"""Placeholder: the llamafactory_v1 dialect is being written (detect() matches nothing yet)."""

NAME = "llamafactory_v1"
LABEL = "llamafactory_v1"


def detect(data: dict) -> bool:
    return False


def to_spec(doc):  # pragma: no cover - never reached while detect() is False
    raise NotImplementedError
