"""Captions: Qt-free core."""
