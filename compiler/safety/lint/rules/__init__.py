"""The built-in safety rules, one module each.  A new rule is one module plus
one line here; its id, name, reason and fix are documented in docs/lint-rules.md."""

from __future__ import annotations

from compiler.safety.lint.finding import Rule
from compiler.safety.lint.rules.bc201_response_field_removed import ResponseFieldRemoved
from compiler.safety.lint.rules.bc202_request_field_required import RequestFieldRequired
from compiler.safety.lint.rules.bc203_enum_value_removed_api import ApiEnumValueRemoved
from compiler.safety.lint.rules.bc204_endpoint_removed import EndpointRemoved
from compiler.safety.lint.rules.sc101_drop_column import DropColumn
from compiler.safety.lint.rules.sc102_drop_table import DropTable
from compiler.safety.lint.rules.sc103_narrow_type import NarrowType
from compiler.safety.lint.rules.sc104_enum_value_removed import EnumValueRemoved
from compiler.safety.lint.rules.sc105_rename import Rename
from compiler.safety.lint.rules.sc106_not_null_without_default import NotNullWithoutDefault
from compiler.safety.lint.rules.sc107_rewriting_type_change import RewritingTypeChange
from compiler.safety.lint.rules.sc108_index_not_concurrent import IndexNotConcurrent
from compiler.safety.lint.rules.sc109_constraint_not_valid import ConstraintNotValid
from compiler.safety.lint.rules.sc110_missing_timeouts import MissingTimeouts
from compiler.safety.lint.rules.sc111_unique_on_existing_table import UniqueOnExistingTable

RULES: tuple[Rule, ...] = (  # type: ignore[type-arg]
    DropColumn(),
    DropTable(),
    NarrowType(),
    EnumValueRemoved(),
    Rename(),
    NotNullWithoutDefault(),
    RewritingTypeChange(),
    IndexNotConcurrent(),
    ConstraintNotValid(),
    MissingTimeouts(),
    UniqueOnExistingTable(),
    ResponseFieldRemoved(),
    RequestFieldRequired(),
    ApiEnumValueRemoved(),
    EndpointRemoved(),
)

BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}  # type: ignore[type-arg]
