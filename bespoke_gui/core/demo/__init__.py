"""Demo: Qt-free core."""
