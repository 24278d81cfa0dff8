"""The set qualifiers a condition operator can carry."""

from enum import StrEnum


class Qualifier(StrEnum):
    NONE = ""
    FOR_ANY_VALUE = "ForAnyValue"
    FOR_ALL_VALUES = "ForAllValues"
