"""Dataset: the tab and its view parts."""
