"""Epochs: Qt-free core."""
