"""Lambda functions executed as local processes instead of moto's Docker containers."""
