"""Bespoke GUI: a workbench for SD1.5 pixel-art LoRA training with kohya-ss sd-scripts."""

__version__ = "0.1.0"
