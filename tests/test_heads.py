"""Task heads (LL403-LL406) against real PEFT, and where each finding points.

For SEQ_CLS, TOKEN_CLS and QUESTION_ANS on BERT, RoBERTa, DistilBERT, Llama and T5, and a set of
`target_modules` / `modules_to_save` / `exclude_modules` variants, the model is built on the meta
device and wrapped with `get_peft_model`. The head is found independently of lora-lint: the
root-level children with parameters that the bare backbone (`AutoModel`) does not have. Then:

* when PEFT raises, lora-lint reports an error, and LL405 for PEFT's TypeError on a head that
  also got LoRA;
* when PEFT accepts the config, lora-lint reports LL403 for a head exactly when PEFT leaves part of
  it untrained (no parameter in a ModulesToSaveWrapper copy with requires_grad, no LoRA on it),
  reports LL404 for exactly the modules PEFT wraps because a task suffix matches them without a
  dot boundary, and reports no LL405 / LL314.
"""

from __future__ import annotations

import copy
import functools
import warnings
from pathlib import Path
from typing import Any

import pytest
from peft import LoraConfig, get_peft_model
from peft.utils.other import ModulesToSaveWrapper

from linter import peft_facts as pf
from linter.diagnostics import Diagnostic, Level
from linter.discover import Candidate
from linter.engine import FileResult, Linter
from linter.models.provider import ModelProvider
from tests.support import FIXTURE_MODELS, build_transformers_model, load_model_config, write_json

AUTO_CLASS = {
    "SEQ_CLS": "AutoModelForSequenceClassification",
    "TOKEN_CLS": "AutoModelForTokenClassification",
    "QUESTION_ANS": "AutoModelForQuestionAnswering",
}
#: an attention projection of each architecture, for LoRA away from the head
QUERY = {"bert": "query", "roberta": "query", "distilbert": "q_lin", "llama": "q_proj", "t5": "q"}
HEAD_CODES = {"LL403", "LL404", "LL405", "LL406"}


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter(ModelProvider(offline=True))


@functools.cache
def _model_config(arch: str) -> dict[str, Any]:
    return load_model_config(arch)


@functools.cache
def real_heads(arch: str, class_name: str) -> tuple[str, ...]:
    """Root-level children with parameters that the bare backbone does not have."""
    config = _model_config(arch)
    task_model = build_transformers_model(config, class_name)
    bare = build_transformers_model(config, "AutoModel")
    backbone = {name for name, _ in bare.named_children()} | {task_model.base_model_prefix}
    return tuple(
        name
        for name, child in task_model.named_children()
        if name not in backbone and any(True for _ in child.parameters())
    )


def head_layers(model: Any, head: str) -> list[str]:
    """Modules of the head that own parameters (names in the unwrapped model)."""
    return [
        f"{head}.{name}" if name else head
        for name, module in getattr(model, head).named_modules()
        if any(True for _ in module.parameters(recurse=False))
    ]


def trained_layers(peft_model: Any) -> set[str]:
    """Module names (as in the unwrapped model) that PEFT trains: a saved copy or LoRA on them."""
    out = set()
    for name, param in peft_model.named_parameters():
        if not param.requires_grad:
            continue
        module = name.removeprefix("base_model.model.").rpartition(".")[0]
        if ".modules_to_save.default" in module or module.endswith(".modules_to_save.default"):
            module = module.replace(".modules_to_save.default", "")
        elif ".lora_" in module:
            module = module.split(".lora_")[0]
        else:
            continue  # a base parameter left trainable (bias="all"): neither saved nor LoRA
        out.add(module)
    return out


def wrapped_modules(peft_model: Any) -> set[str]:
    return {
        name.removeprefix("base_model.model.")
        for name, module in peft_model.named_modules()
        if isinstance(module, ModulesToSaveWrapper)
    }


def peft_run(arch: str, class_name: str, options: dict[str, Any]) -> tuple[Any, Any, str | None]:
    """(unwrapped model, PEFT model or None, error or None)."""
    model = build_transformers_model(_model_config(arch), class_name)
    reference = build_transformers_model(_model_config(arch), class_name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            peft_model = get_peft_model(model, LoraConfig(**copy.deepcopy(options)))
    except Exception as exc:  # noqa: BLE001 - any exception is PEFT refusing the config
        return reference, None, f"{type(exc).__name__}: {exc}"
    return reference, peft_model, None


def lint(linter: Linter, path: Path) -> FileResult:
    result = linter.lint(Candidate(path, True))
    assert result is not None and result.model.get("model_class"), result
    return result


def write_config(directory: Path, arch: str, options: dict[str, Any]) -> Path:
    return write_json(
        directory / "adapter_config.json",
        {"base_model_name_or_path": str(FIXTURE_MODELS / arch), "r": 8, "lora_alpha": 16, **options},
    )


def variants(arch: str, heads: tuple[str, ...]) -> list[dict[str, Any]]:
    q = QUERY[arch]
    first = heads[0]
    return [
        {"target_modules": [q]},
        {"target_modules": [q], "modules_to_save": list(heads)},
        {"target_modules": [q], "modules_to_save": ["head"]},
        {"target_modules": [q], "modules_to_save": ["dense"]},
        {"target_modules": "all-linear"},
        {"target_modules": "all-linear", "modules_to_save": list(heads)},
        {"target_modules": "all-linear", "exclude_modules": list(heads)},
        {"target_modules": [q, first]},
        {"target_modules": [q, first], "exclude_modules": [first]},
    ]


def by_code(result: FileResult, code: str) -> list[Diagnostic]:
    return [d for d in result.diagnostics if d.code == code]


@pytest.mark.parametrize("task", sorted(AUTO_CLASS))
def test_head_verdicts_agree_with_peft(task: str, tmp_path: Path, linter: Linter) -> None:
    class_name = AUTO_CLASS[task]
    problems: list[str] = []
    counts = {"raised": 0, "untrained": 0, "trained": 0}
    for arch in ("bert", "roberta", "distilbert", "llama", "t5"):
        heads = real_heads(arch, class_name)
        assert heads, f"{arch} {class_name} has no head"
        for n, extra in enumerate(variants(arch, heads)):
            options = {"task_type": task, **extra}
            label = f"{arch} {task} {options}"
            result = lint(linter, write_config(tmp_path / f"{arch}{n}", arch, options))
            codes = {d.code for d in result.diagnostics}
            reference, peft_model, error = peft_run(arch, class_name, {"r": 8, **options})
            if error is not None:
                counts["raised"] += 1
                if not any(d.level is Level.ERROR for d in result.diagnostics):
                    problems.append(f"{label}: PEFT raised {error[:120]} but lora-lint reports no error")
                if "modules_to_save cannot be applied" in error and "LL405" not in codes:
                    problems.append(f"{label}: PEFT's TypeError on a LoRA head is not LL405: {codes}")
                if codes & {"LL403", "LL404"}:
                    problems.append(f"{label}: PEFT raised, yet LL403/LL404 reported")
                continue
            if codes & {"LL405", "LL314"}:
                problems.append(f"{label}: PEFT accepted it, but lora-lint says it raises: {codes}")
            trained = trained_layers(peft_model)
            flagged = {s for d in by_code(result, "LL403") for s in d.fix_suggestions}
            for head in heads:
                untrained = [layer for layer in head_layers(reference, head) if layer not in trained]
                counts["untrained" if untrained else "trained"] += 1
                if bool(untrained) != (head in flagged):
                    problems.append(f"{label}: PEFT leaves {untrained} of {head} untrained; LL403 {flagged}")
            suffixes = pf.TASK_HEADS[task]
            user = options.get("modules_to_save") or []
            captured = {
                name
                for name in wrapped_modules(peft_model)
                if any(name.endswith(s) and name != s and not name.endswith("." + s) for s in suffixes)
                and not any(name.endswith(u) for u in user)
            }
            reported = {s for d in by_code(result, "LL404") for s in d.fix_suggestions}
            if captured != reported:
                problems.append(f"{label}: PEFT's suffixes capture {captured}; LL404 reports {reported}")
    assert not problems, "\n".join(problems)
    # every task type sees PEFT raise and train the head; only T5's SEQ_CLS head has a name the
    # task suffixes miss (`classification_head`), so only SEQ_CLS sees it left untrained
    assert counts["raised"] and counts["trained"], counts
    assert bool(counts["untrained"]) == (task == "SEQ_CLS"), counts


def test_distilbert_seq_cls_classifier_captures_pre_classifier(tmp_path: Path, linter: Linter) -> None:
    options = {"task_type": "SEQ_CLS", "target_modules": ["q_lin", "v_lin"]}
    path = write_config(tmp_path, "distilbert", options)
    result = lint(linter, path)
    _, peft_model, error = peft_run("distilbert", AUTO_CLASS["SEQ_CLS"], options)
    assert error is None and wrapped_modules(peft_model) == {"pre_classifier", "classifier"}
    [finding] = by_code(result, "LL404")
    assert "`pre_classifier`" in finding.message and "`classifier`" in finding.message
    assert finding.level is Level.WARNING  # the issue asks for a warning; the message says it is usually wanted
    assert finding.fix_suggestions == ("pre_classifier",)
    assert not {d.code for d in result.diagnostics} & {"LL403", "LL405", "LL406"}
    # saying so in modules_to_save silences it, and PEFT trains the same modules
    options["modules_to_save"] = ["pre_classifier"]
    result = lint(linter, write_config(tmp_path / "explicit", "distilbert", options))
    assert not {d.code for d in result.diagnostics} & HEAD_CODES
    _, peft_model, _ = peft_run("distilbert", AUTO_CLASS["SEQ_CLS"], options)
    assert wrapped_modules(peft_model) == {"pre_classifier", "classifier"}


def test_distilbert_seq_cls_all_linear_raises_on_pre_classifier(tmp_path: Path, linter: Linter) -> None:
    """SEQ_CLS keeps only `classifier` out of all-linear; `pre_classifier` gets LoRA, then is wrapped."""
    options = {"task_type": "SEQ_CLS", "target_modules": "all-linear"}
    _, _, error = peft_run("distilbert", AUTO_CLASS["SEQ_CLS"], options)
    assert error is not None and error.startswith("TypeError: modules_to_save cannot be applied")
    result = lint(linter, write_config(tmp_path, "distilbert", options))
    [finding] = by_code(result, "LL405")
    assert "`pre_classifier`" in finding.message and "`classifier`" in finding.message
    assert not by_code(result, "LL314")  # reported once
    # both of the hint's fixes are accepted by PEFT
    for fix in ({"exclude_modules": ["pre_classifier"]}, {"modules_to_save": ["pre_classifier"]}):
        _, peft_model, error = peft_run("distilbert", AUTO_CLASS["SEQ_CLS"], {**options, **fix})
        assert error is None and {"pre_classifier", "classifier"} <= trained_layers(peft_model)
        fixed = lint(linter, write_config(tmp_path / next(iter(fix)), "distilbert", {**options, **fix}))
        assert not [d for d in fixed.diagnostics if d.level is Level.ERROR]


def test_user_modules_to_save_on_a_lora_layer_stays_with_ll314(tmp_path: Path, linter: Linter) -> None:
    # `_proj` guards nothing from LoRA (dot-boundary regex) but wraps q_proj (plain suffix)
    options = {"task_type": "TOKEN_CLS", "target_modules": ["q_proj"], "modules_to_save": ["_proj"]}
    _, _, error = peft_run("llama", AUTO_CLASS["TOKEN_CLS"], options)
    assert error is not None and "modules_to_save cannot be applied" in error
    result = lint(linter, write_config(tmp_path, "llama", options))
    assert by_code(result, "LL314") and not by_code(result, "LL405")


def test_seq_cls_model_all_linear_without_task_type(tmp_path: Path, linter: Linter) -> None:
    cls = "BertForSequenceClassification"
    assert _model_config("bert")["architectures"] == [cls]
    options = {"target_modules": "all-linear"}
    _, peft_model, error = peft_run("bert", cls, options)
    assert error is None
    assert "classifier" in trained_layers(peft_model) and "classifier" not in wrapped_modules(peft_model)
    assert type(peft_model.base_model.model.classifier).__module__.startswith("peft.tuners.lora")
    result = lint(linter, write_config(tmp_path / "bad", "bert", options))
    [finding] = by_code(result, "LL406")
    assert result.model["model_class"] == cls
    assert "`classifier`" in finding.message and "task_type: SEQ_CLS" in finding.hint
    assert not {d.code for d in result.diagnostics} & {"LL403", "LL404", "LL405"}
    # the hint: with SEQ_CLS, PEFT keeps LoRA off the head and trains it in full
    fixed = {"task_type": "SEQ_CLS", **options}
    _, peft_model, error = peft_run("bert", AUTO_CLASS["SEQ_CLS"], fixed)
    assert error is None and wrapped_modules(peft_model) == {"classifier"}
    assert not by_code(lint(linter, write_config(tmp_path / "good", "bert", fixed)), "LL406")
    # a list of targets away from the head does not put LoRA on it
    listed = lint(linter, write_config(tmp_path / "listed", "bert", {"target_modules": ["query"]}))
    assert not by_code(listed, "LL406")


def test_distilbert_all_linear_without_task_type_names_both_layers(tmp_path: Path, linter: Linter) -> None:
    options = {"target_modules": "all-linear"}
    result = lint(linter, write_config(tmp_path / "bad", "distilbert", options))
    [finding] = by_code(result, "LL406")
    assert "`pre_classifier`" in finding.message and "`classifier`" in finding.message
    assert finding.fix_suggestions == ("pre_classifier", "classifier")
    assert "task_type: SEQ_CLS" in finding.hint and "pre_classifier to modules_to_save" in finding.hint
    fixed = {"task_type": "SEQ_CLS", "modules_to_save": ["pre_classifier"], **options}
    _, peft_model, error = peft_run("distilbert", AUTO_CLASS["SEQ_CLS"], fixed)
    assert error is None and wrapped_modules(peft_model) == {"pre_classifier", "classifier"}
    good = lint(linter, write_config(tmp_path / "good", "distilbert", fixed))
    assert not {d.code for d in good.diagnostics} & HEAD_CODES


def test_t5_classification_head_is_not_a_task_suffix(tmp_path: Path, linter: Linter) -> None:
    """SEQ_CLS adds `classifier` / `score`; T5's head is `classification_head`."""
    options = {"task_type": "SEQ_CLS", "target_modules": ["q", "v"]}
    reference, peft_model, error = peft_run("t5", AUTO_CLASS["SEQ_CLS"], options)
    assert error is None and not wrapped_modules(peft_model)
    assert not set(head_layers(reference, "classification_head")) & trained_layers(peft_model)
    [finding] = by_code(lint(linter, write_config(tmp_path / "bad", "t5", options)), "LL403")
    assert finding.fix_suggestions == ("classification_head",)
    assert "`classification_head`" in finding.message and "is not trained" in finding.message
    fixed = {**options, "modules_to_save": ["classification_head"]}
    _, peft_model, _ = peft_run("t5", AUTO_CLASS["SEQ_CLS"], fixed)
    assert wrapped_modules(peft_model) == {"classification_head"}
    assert not by_code(lint(linter, write_config(tmp_path / "good", "t5", fixed)), "LL403")


# -- positions ---------------------------------------------------------------------------------


def position(text: str, key: str, token: str) -> tuple[int, int]:
    """1-based line and column of `token` (from `key` on) on the first line that holds `key`."""
    for number, line in enumerate(text.splitlines(), start=1):
        if key in line:
            return number, line.index(token, line.index(key)) + 1
    raise AssertionError(f"{key} not in file")


def spans(result: FileResult, code: str) -> list[tuple[int, int]]:
    return [(d.span.line, d.span.column) for d in by_code(result, code)]


def test_positions_in_json(tmp_path: Path, linter: Linter) -> None:
    cases = [
        # (arch, options, code, key on the line, token the finding starts at)
        ("t5", {"task_type": "SEQ_CLS", "target_modules": ["q"]}, "LL403", '"task_type"', '"SEQ_CLS"'),
        ("distilbert", {"task_type": "SEQ_CLS", "target_modules": ["q_lin"]}, "LL404", '"task_type"', '"SEQ'),
        ("llama", {"task_type": "QUESTION_ANS", "target_modules": "all-linear"}, "LL405", '"target_', '"all'),
        ("bert", {"target_modules": "all-linear"}, "LL406", '"target_modules"', '"all-linear"'),
    ]
    for n, (arch, options, code, key, token) in enumerate(cases):
        path = write_config(tmp_path / str(n), arch, options)
        result = lint(linter, path)
        assert spans(result, code) == [position(path.read_text(), key, token)], (code, result.diagnostics)
    # with a modules_to_save list, LL403 points at it (partly trained: `dense` matches one layer)
    options = {"task_type": "SEQ_CLS", "target_modules": ["q"], "modules_to_save": ["dense"]}
    path = write_config(tmp_path / "partial", "t5", options)
    result = lint(linter, path)
    assert spans(result, "LL403") == [position(path.read_text(), '"modules_to_save"', "[")]
    [finding] = by_code(result, "LL403")
    assert "only part of `classification_head`" in finding.message
    assert "`classification_head.out_proj`" in finding.message
    # the head listed in target_modules: LL405 points at that entry, on its own line
    options = {"task_type": "TOKEN_CLS", "target_modules": ["q_proj", "score"]}
    path = write_config(tmp_path / "listed", "llama", options)
    result = lint(linter, path)
    assert spans(result, "LL405") == [position(path.read_text(), '"score"', '"score"')]
    assert not by_code(result, "LL314")


def test_positions_in_yaml(tmp_path: Path, linter: Linter) -> None:
    llama, t5, bert = (FIXTURE_MODELS / name for name in ("llama", "t5", "bert"))
    files = {
        "head.yaml": (
            f"base_model_name_or_path: {llama}\ntask_type: TOKEN_CLS\nr: 8\ntarget_modules: [q_proj, v_proj, score]\n",
            [("LL405", "target_modules", "score")],
        ),
        "t5.yaml": (
            f"base_model_name_or_path: {t5}\nr: 8\ntask_type: QUESTION_ANS\ntarget_modules:\n  - q\n  - qa_outputs\n",
            [("LL405", "- qa_outputs", "qa_outputs")],
        ),
        "t5cls.yaml": (
            f"base_model_name_or_path: {t5}\nr: 8\ntask_type: SEQ_CLS\ntarget_modules: [q]\n",
            [("LL403", "task_type", "SEQ_CLS")],
        ),
        "bert.yaml": (
            f"base_model_name_or_path: {bert}\nr: 8\nlora_alpha: 16\ntarget_modules: all-linear\n",
            [("LL406", "target_modules", "all-linear")],
        ),
    }
    for name, (text, expected) in files.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        result = lint(linter, path)
        ours = [d for d in result.diagnostics if d.code in HEAD_CODES]
        found = sorted((d.code, d.span.line, d.span.column) for d in ours)
        want = sorted((code, *position(text, key, token)) for code, key, token in expected)
        assert found == want, (name, result.diagnostics)
