"""Shipped data (keywords, presets, the CLIP vocabulary, the icon), installed as ``bespoke_gui._resources``.

Read it only through ``bespoke_gui.core.resources``; see there how it is found.
"""
