"""Every input limit in one place, so the README and the tests can name them.

A linter runs on files from strangers' pull requests: each limit turns a hostile or broken input
into a finding instead of a hang, a crash or a memory blow-up. The README's "Limits" table lists
them; `tests/test_bad_inputs.py` hits each one through the real command line.

A limit hit while reading a file (size, depth, nodes, entries) is an LL001 finding when the file
is a LoRA config by its name (`adapter_config.json`) or by its first `PEEK_BYTES` (a LoRA key such
as `target_modules` or `lora_alpha`); any other file that hits one (a 10 MB `tokenizer.json` that
pre-commit passes by name, a large dataset YAML) is skipped like every other non-LoRA file.
"""

#: Files larger than this are not parsed (a LoRA config is a few kilobytes).
MAX_FILE_BYTES = 5 * 1024 * 1024

#: Deepest nesting of mappings and sequences accepted in a config.
MAX_DEPTH = 64

#: Most YAML / JSON nodes in one document, YAML aliases expanded: stops "billion laughs", and bounds
#: the time and memory of composing a file that is small in bytes but huge in nodes.
MAX_NODES = 100_000

#: Most entries in one list or mapping (`target_modules` with 50,000 names): every entry is matched
#: against every module of the model, so this bounds the work of the checks.
MAX_ENTRIES = 10_000

#: How much of a file that hit one of the limits above is searched for LoRA keys, to tell a LoRA
#: config (reported) from any other large file (skipped silently).
PEEK_BYTES = 64 * 1024

#: Longest model reference (`base_model_name_or_path`) that is looked up anywhere.
MAX_MODEL_REF_CHARS = 1024

#: Seconds allowed for fetching a `config.json` from the Hub (one deadline for the whole answer);
#: `HF_HUB_DOWNLOAD_TIMEOUT` overrides it, as it does for huggingface_hub.
HUB_TIMEOUT_SECONDS = 10.0

#: Largest `config.json` accepted from a local directory, the cache or the Hub.
MAX_MODEL_CONFIG_BYTES = 2 * 1024 * 1024

#: Seconds the checks of one file may take once its model is known (PEFT's matching replayed, every
#: rule): a regular expression that backtracks catastrophically (`target_modules: "(.*.*)*x"`, which
#: would hang PEFT too) is reported instead of hanging the hook. Enforced with SIGALRM, so on POSIX
#: systems and in the main thread only.
MAX_CHECK_SECONDS = 10.0
