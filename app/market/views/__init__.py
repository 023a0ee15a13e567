"""The market in the browser."""
