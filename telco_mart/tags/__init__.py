"""Tags and target groups: the tag-expression language that planners and the tag library write.

Parsing (``expression``) needs nothing but the standard library; only ``compile`` touches Spark.
"""
