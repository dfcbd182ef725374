"""Config: Qt-free core."""
