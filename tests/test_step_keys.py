from casefile.models import UNIVERSAL_CREDIT_STEPS
from journeys.money import MONEY_STEP_KEYS


def test_case_file_and_money_plan_use_the_same_step_keys() -> None:
    assert UNIVERSAL_CREDIT_STEPS == MONEY_STEP_KEYS
