"""Trust policies where they are written: CloudFormation/SAM/CDK templates and Terraform (plans and HCL).

Each reader turns a file into :class:`~rolescope.iac.model.TemplateRole` records (a trust policy with
its file, line and resource name, and what could not be resolved); :mod:`rolescope.iac.evaluate`
runs the same engine and checks as ``check-policy`` on them.
"""
