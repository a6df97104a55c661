"""IAM as AWS enforces it, for the roles functions and job runs act as.

A Lambda invocation or a Glue run gets temporary credentials of its role
(:mod:`.credentials`); a request signed with them is evaluated against the role's identity
policies and the resource's policy with AWS's logic (:mod:`.policy`, :mod:`.requests`), and
refused as AWS refuses it (:mod:`.enforcement`). A person's own credentials (``test``/``test``)
stay an administrator.
"""
