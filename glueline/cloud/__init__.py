"""The embedded local cloud: moto's server plus the extensions that make it tell the truth.

moto answers the AWS APIs; the modules here add what moto leaves out for this pipeline:
Lambda functions that really execute (``lambda_runtime``), S3 notifications delivered
asynchronously (``s3_events``), CloudFormation that creates what it reports
(``cloudformation``) and Glue job runs on local Spark (``glue``).
"""
