"""The officials' inbox and task pages."""
