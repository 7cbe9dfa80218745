"""Every input limit in one place, so the README and the tests can name them.

A linter runs on files from strangers' pull requests: each limit turns a hostile or broken input
into a finding instead of a hang, a crash or a memory blow-up.
"""

#: Files larger than this are not parsed (a LoRA config is a few kilobytes).
MAX_FILE_BYTES = 5 * 1024 * 1024

#: Deepest nesting of mappings and sequences accepted in a config.
MAX_DEPTH = 64

#: Most YAML nodes visited while building one document, aliases expanded: stops "billion laughs".
MAX_NODES = 200_000

#: Longest model reference (`base_model_name_or_path`) that is looked up anywhere.
MAX_MODEL_REF_CHARS = 1024

#: Seconds allowed for fetching a `config.json` from the Hub.
HUB_TIMEOUT_SECONDS = 10.0

#: Largest `config.json` accepted from a local directory, the cache or the Hub.
MAX_MODEL_CONFIG_BYTES = 2 * 1024 * 1024
