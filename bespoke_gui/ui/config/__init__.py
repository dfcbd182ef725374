"""Config: the tab and its view parts."""
