"""CloudFormation that creates what it reports, or fails saying why.

``engine`` drives stack operations on top of moto's template parsing; the other modules
add the resource types moto's CloudFormation does not create.
"""
