"""Churn modelling: features, the classifier, ranking metrics, the registry and the any-table trainer."""
