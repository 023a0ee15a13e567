"""The bureau's oversight: calls, applications and their documents, panels and experts, the public notice, the registry, promotion, evaluations, center records, indicators and exports."""
