"""Epochs: the tab and its view parts."""
