"""lora-lint: a static linter for LoRA / PEFT fine-tuning configs.

The flow is one pass, left to right: discover files, read each into a Document, turn it into an
AdapterSpec, check it against the JSON Schema and (when the base model resolves) against the real
model's Inventory, and report Diagnostics. See DESIGN.md for the picture.
"""

__version__ = "0.1.0"
