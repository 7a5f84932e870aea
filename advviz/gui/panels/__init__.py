"""The centre panels: logit curves, perturbation heatmaps, transfer matrix."""
