"""Captions: the tab and its view parts."""
