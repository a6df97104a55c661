"""A local stand-in for AWS Glue Data Quality's ``awsgluedq``: DQDL rules on plain PySpark.

In AWS Glue, ``awsgluedq.transforms.EvaluateDataQuality`` evaluates a DQDL ruleset with Glue's
JVM libraries. This package evaluates a subset of DQDL with Spark DataFrame aggregations and
returns the documented outcome frame; rules outside the subset raise an error naming them.
It sits next to the local ``awsglue`` at the end of ``sys.path``, so a real ``awsgluedq``
wins wherever it is installed.
"""
