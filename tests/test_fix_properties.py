"""Property tests of `--fix`: on generated configs, a fix never makes a file unparsable, never
touches anything but the targets it fixes, and a second `--fix` changes nothing.

The configs are PEFT adapter configs for the llama fixture in the shapes users write them: JSON or
YAML, flow or block lists, any quoting, trailing comments, CRLF line ends, and target entries that
are real names, near-misses of real names (what LL301 fixes), `all-linear` alone in a list (LL303),
a bare string (LL302) or a comma-joined string (LL304). Everything runs in-process on the real
Linter and Fixer with one ModelProvider, so the llama model is built once on the meta device.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from linter.document import detect_format, parse_text
from linter.engine import Linter
from linter.fix import Fixer
from linter.models.provider import ModelProvider
from tests.support import FIXTURE_MODELS

REAL = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
LINTER = Linter(ModelProvider(offline=True))


@st.composite
def near_miss(draw: st.DrawFn) -> str:
    """A real name with one character dropped, doubled or swapped, or in the wrong case."""
    name = draw(st.sampled_from(REAL))
    kind = draw(st.sampled_from(["drop", "double", "swap", "upper"]))
    i = draw(st.integers(min_value=0, max_value=len(name) - 2))
    if kind == "drop":
        return name[:i] + name[i + 1 :]
    if kind == "double":
        return name[:i] + name[i] + name[i:]
    if kind == "swap":
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    return name.upper()


entry = st.one_of(st.sampled_from(REAL), near_miss())
targets = st.one_of(
    st.lists(entry, min_size=1, max_size=5),
    st.just(["all-linear"]),
    entry,  # a bare string: a regex in PEFT
    st.lists(entry, min_size=2, max_size=4).map(",".join),
    st.lists(entry, min_size=2, max_size=4).map(", ".join),
)


def _quoted(value: str, quote: str) -> str:
    if quote == "'":
        return "'" + value.replace("'", "''") + "'"
    if quote == '"':
        return json.dumps(value)
    return value


@st.composite
def config_file(draw: st.DrawFn) -> tuple[str, str, dict[str, Any]]:
    """(file name, text, data) of one generated adapter config."""
    data = {
        "base_model_name_or_path": str(FIXTURE_MODELS / "llama"),
        "task_type": "CAUSAL_LM",
        "r": draw(st.sampled_from([4, 8, 16])),
        "lora_alpha": 16,
        "target_modules": draw(targets),
    }
    if draw(st.booleans()):
        indent = draw(st.sampled_from([None, 2, "\t"]))
        text = json.dumps(data, indent=indent)
        return "adapter_config.json", text, data
    quote = draw(st.sampled_from(["", "'", '"']))
    comment = draw(st.sampled_from(["", "  # note", " #x"]))
    block = draw(st.booleans())
    lines = []
    for key, value in data.items():
        if isinstance(value, list) and block:
            lines.append(f"{key}:{comment}")
            lines.extend(f"  - {_quoted(v, quote)}{comment}" for v in value)
        elif isinstance(value, list):
            lines.append(f"{key}: [{', '.join(_quoted(v, quote) for v in value)}]{comment}")
        elif isinstance(value, str):
            lines.append(f"{key}: {_quoted(value, quote or chr(34))}{comment}")
        else:
            lines.append(f"{key}: {value}{comment}")
        if draw(st.booleans()):
            lines.append("# a comment line")
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return "adapter_config.yaml", newline.join(lines) + newline, data


def _fix(path: Path) -> str:
    result = LINTER.run([path])
    Fixer(LINTER, [path.parent], write=True).run(result)
    return path.read_bytes().decode("utf-8")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(config_file())
def test_a_fix_keeps_the_file_parsable_touches_only_targets_and_is_idempotent(case: tuple) -> None:
    name, text, data = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(text.encode("utf-8"))
        fixed = _fix(path)
        event("fixed" if fixed != text else "left as written")
        doc = parse_text(fixed, path, detect_format(path, fixed))
        assert doc.error is None, (text, fixed)
        others = {k: v for k, v in doc.data.items() if k != "target_modules"}
        assert others == {k: v for k, v in data.items() if k != "target_modules"}
        # the targets change only towards real names: each entry is real, or was written so
        before = data["target_modules"]
        written = set(before) if isinstance(before, list) else {before, *(e.strip() for e in before.split(","))}
        after = doc.data["target_modules"]
        for e in after if isinstance(after, list) else [after]:
            assert e in REAL or e in written, fixed
        # the targets come last: everything before them is byte-identical
        key = text.index("target_modules")
        assert fixed[:key] == text[:key]
        assert _fix(path) == fixed, "a second --fix changed the file again"
