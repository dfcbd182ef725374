"""Dataset: Qt-free core."""
