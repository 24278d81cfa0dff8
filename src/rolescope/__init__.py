"""rolescope: who, from outside an AWS account, can assume which IAM role, and under what conditions."""

__version__ = "0.1.0"
