"""Lambda function code. Shipped to AWS unchanged: nothing here knows the cloud may be local."""
