"""The PEFT tables lora-lint ships as data must equal the installed PEFT's own."""

from __future__ import annotations

import dataclasses

import peft
from peft import LoraConfig
from peft.utils import constants
from peft.utils import transformers_weight_conversion as conversion

from linter import peft_facts as pf


def test_mirrored_peft_version_is_installed() -> None:
    assert peft.__version__ == pf.PEFT_VERSION


def test_default_target_modules_equal_peft() -> None:
    assert pf.DEFAULT_TARGET_MODULES == constants.TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING


def test_constants_equal_peft() -> None:
    assert pf.ALL_LINEAR == constants.INCLUDE_LINEAR_LAYERS_SHORTHAND
    assert pf.DUMMY_TARGET_MODULES == constants.DUMMY_TARGET_MODULES
    assert pf.MIN_TARGET_MODULES_FOR_OPTIMIZATION == constants.MIN_TARGET_MODULES_FOR_OPTIMIZATION
    assert list(pf.SEQ_CLS_HEAD_NAMES) == list(constants.SEQ_CLS_HEAD_NAMES)
    assert list(pf.EMBEDDING_LAYER_NAMES) == list(constants.EMBEDDING_LAYER_NAMES)
    assert list(pf.TASK_TYPES) == [t.value for t in peft.TaskType]


def test_moe_conversion_tables_equal_peft() -> None:
    assert pf.MOE_TARGET_MODULE_MAPPING == conversion._MOE_TARGET_MODULE_MAPPING
    assert pf.MOE_FUSED_TARGETS == {
        k: {n: list(v) for n, v in d.items()} for k, d in conversion._MOE_FUSED_TARGETS.items()
    }


def test_lora_config_fields_equal_peft() -> None:
    assert list(pf.LORA_CONFIG_FIELDS) == [f.name for f in dataclasses.fields(LoraConfig)]
    # every field has a known first release, except the base fields that are not LoRA options
    base = {"task_type", "peft_type", "auto_mapping", "base_model_name_or_path", "revision", "inference_mode"}
    assert set(pf.KEY_INTRODUCED) == set(pf.LORA_CONFIG_FIELDS) - base
