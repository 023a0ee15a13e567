"""The market: needs, achievements and services, their attachments, search, recommendations, saved searches and profiles."""
