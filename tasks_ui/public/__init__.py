"""Public pages (no login): complaint intake per office, receipt, tracking."""
