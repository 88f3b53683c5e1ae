"""Landing page and the list of deployed processes."""
