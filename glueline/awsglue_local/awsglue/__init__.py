"""A local stand-in for AWS Glue's ``awsglue`` package: Glue job scripts on plain PySpark.

The official ``awsglue`` is a thin Python interface to Glue's JVM libraries, which ship only
inside the AWS Glue image. This package implements the documented public API that job
scripts use (``getResolvedOptions``, ``GlueContext``, ``DynamicFrame``, ``Job``, the common
transforms, Data Catalog reads and writes) on top of Spark DataFrames and boto3.

It is put at the end of ``sys.path`` by a ``.pth`` file, so wherever the real package is
installed, the real package wins. Importing ``awsglue`` alone does not import PySpark, so
``awsglue.utils`` stays usable where Spark is absent.
"""
