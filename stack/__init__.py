"""The glueline CDK app: typed config, the per-stage stacks and the delivery pipeline."""
