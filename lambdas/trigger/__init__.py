"""Starts the file processor Glue job for every CSV object created in the input bucket."""
