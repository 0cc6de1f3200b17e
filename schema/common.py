"""The only translation between PostgreSQL ranges and GraphQL."""

import strawberry


@strawberry.type(description="A range of integers, e.g. the party sizes a resource suits.")
class IntRange:
    lower: int | None
    upper: int | None
    lower_inc: bool
    upper_inc: bool
    is_empty: bool

    @classmethod
    def from_range(cls, value) -> "IntRange":
        return cls(
            lower=value.lower,
            upper=value.upper,
            lower_inc=value.lower_inc,
            upper_inc=value.upper_inc,
            is_empty=value.isempty,
        )
