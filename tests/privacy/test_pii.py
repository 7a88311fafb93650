"""PII recognisers on published test numbers, their near misses, and mixed texts."""

from __future__ import annotations

import pytest

from shoplens.privacy import cn_id_valid, find_pii, luhn_valid, redact, redact_value

# GB 11643-1999's worked example and a textbook one; published payment-network test cards
IDS = ["11010519491231002X", "440524188001010014"]
CARDS = ["4111111111111111", "5555555555554444", "378282246310005", "6011111111111117"]


@pytest.mark.parametrize("number", IDS)
def test_valid_ids_and_every_single_digit_change_fails(number):
    assert cn_id_valid(number)
    for i in range(17):
        wrong = number[:i] + str((int(number[i]) + 1) % 10) + number[i + 1 :]
        # a changed date digit can make an impossible date; either way it must fail
        assert not cn_id_valid(wrong), wrong


def test_id_with_impossible_birth_date_fails():
    # right check character for the digits, but 13th month (computed by hand below)
    body = "11010519491331002"
    w = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * k for d, k in zip(body, w, strict=True)) % 11]
    assert not cn_id_valid(body + check)


@pytest.mark.parametrize("number", CARDS)
def test_published_test_cards_pass_luhn_and_a_changed_digit_fails(number):
    assert luhn_valid(number)
    assert not luhn_valid(number[:-1] + str((int(number[-1]) + 1) % 10))


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("我的手机是13812345678", "phone"),
        ("手机 +86 138-1234-5678", "phone"),
        ("call 0086 139 1234 5678", "phone"),
        ("座机010-62751234", "phone"),
        ("电话(0755) 8765 4321", "phone"),
        ("UK office +44 20 7946 0958", "phone"),
        ("US +1 (415) 555-0100", "phone"),
        ("mail li.wei+shop@example.com.cn", "email"),
        ("身份证号 11010519491231002X", "id_cn"),
        ("卡号 6011 1111 1111 1117", "card"),
        ("card 4111-1111-1111-1111", "card"),
        ("寄到浙江省杭州市西湖区文三路478号华星时代广场A座1201室", "address"),
        ("送到深圳市南山区科技园路1号", "address"),
        ("ship to 221B Baker Street, London", "address"),
        ("deliver to 1600 Pennsylvania Avenue, Suite 5", "address"),
    ],
)
def test_each_kind_is_found_and_redacted(text, kind):
    spans = find_pii(text)
    assert [s.kind for s in spans] == [kind]
    out = redact(text)
    assert spans[0].text not in out and f"[{ {'id_cn': 'ID'}.get(kind, kind.upper()) }]" in out


@pytest.mark.parametrize(
    "text",
    [
        "订单O0000123金额¥2599.00，2025-10-01下单",
        "价格 3299 元，7天无理由退货，满99包邮",
        "iPhone 15 Pro 256G, 12+512G, 65W fast charging",
        "身份证11010519491231002Y",  # wrong check character
        "4111 1111 1111 1112",  # fails Luhn
        "item I00042 and review R0000007, event E00000001",
    ],
)
def test_order_ids_prices_and_near_misses_are_left_alone(text):
    assert find_pii(text) == [] and redact(text) == text


def test_id_wins_over_phone_and_card_and_spans_do_not_overlap():
    text = "ID 440524188001010014 phone 13912345678 card 5555555555554444 x@y.io"
    assert [s.kind for s in find_pii(text)] == ["id_cn", "phone", "card", "email"]
    assert redact(text) == "ID [ID] phone [PHONE] card [CARD] [EMAIL]"


def test_redact_value_walks_json():
    value = {"a": ["13812345678", {"b": "x@y.io"}], "n": 1.5, "none": None}
    assert redact_value(value) == {"a": ["[PHONE]", {"b": "[EMAIL]"}], "n": 1.5, "none": None}
