"""The real till in a real X11 window (Xvfb), typed at with xdotool the way a USB scanner
and a cashier reach it: Shift for ``M``, ``B``, ``R`` and ``:``, 2-10 ms between keys,
Enter at the end, with each kind of field focused.

The keys go out 2-10 ms apart, but xdotool is a process like any other: on a loaded
machine it can stall for 50-100 ms in the middle of a code, which no USB scanner does
(its keys are timed by the hardware). So the till under test allows pauses of up to
``SCANNER_GAP_MS``; the exact timing rules are tested with timestamped key events in
``test_till_input.py`` and ``test_widgets.py``. Everything else here is the real path:
X11 key events, Shift, auto-repeat flags, focus, the window and its screens.

One app start serves the whole module (the tests run in order and share the window);
each test leaves the till signed in on checkout. Without Xvfb or xdotool the module is
skipped with the reason, except in CI (``CI`` set), where that is a failure.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.services import require_service
from tests.ui.xwindow import XDisplay, XTill, missing_tools

SCANNER_DELAYS_MS = (2, 5, 10)
SCANNER_GAP_MS = 120
PERSON_MS = 120


@pytest.fixture(scope="module")
def xtill(tmp_path_factory: pytest.TempPathFactory) -> Iterator[XTill]:
    missing = missing_tools()
    require_service(
        "Xvfb/xdotool",
        f"{', '.join(missing)} not installed (apt-get install xvfb xdotool)" if missing else None,
    )
    display = XDisplay.start()
    till: XTill | None = None
    try:
        till = XTill(
            display, Path(tmp_path_factory.mktemp("xtill")), f"--scanner-gap={SCANNER_GAP_MS}"
        )
        yield till
    finally:
        if till is not None:
            till.quit()
        display.stop()


class Codes:
    """Hands out member codes so each scan shows a member different from the last."""

    def __init__(self, till: XTill) -> None:
        self.codes: list[str] = till.ready["members"]
        self.next = 0

    def take(self) -> str:
        code = self.codes[self.next % len(self.codes)]
        self.next += 1
        return code


@pytest.fixture(scope="module")
def codes(xtill: XTill) -> Codes:
    return Codes(xtill)


def _typed(state: dict[str, Any]) -> dict[str, str]:
    """What sits in the till's input fields, beside the settings' defaults and the code of
    whoever signed in (kept for the lock screen)."""
    ignore = {"pairServer", "qt_spinbox_lineedit", "staffCode"}  # staffCode: the signed-in code
    return {k: v for k, v in state["fields"].items() if v and k not in ignore}


def _payload(code: str, index: int) -> str:
    """Alternate the card's QR text (upper and lower case) and the bare barcode."""
    return ("MBR:" + code, code, "mbr:" + code)[index % 3]


def _scan_shows(till: XTill, code: str, payload: str, delay_ms: int) -> dict[str, Any]:
    till.scan(payload, delay_ms=delay_ms)
    return till.wait_for(
        lambda s: s["screen"] == "CheckoutScreen" and s["member"] == code,
        f"member {code} after scanning {payload!r} at {delay_ms} ms a key",
    )


def test_a_card_scanned_at_sign_in_types_nothing_and_shows_after_sign_in(
    xtill: XTill, codes: Codes
) -> None:
    state = xtill.wait_for(lambda s: s["screen"] == "SignInScreen", "the sign-in screen")
    assert state["focus"] == "staffCode"
    # Maximised at the screen's size (minus nothing: Xvfb has no window manager or panel).
    assert state["geometry"] == state["screen_size"]
    assert not state["full_screen"]
    code = codes.take()
    xtill.scan("MBR:" + code, delay_ms=5)
    state = xtill.wait_for(
        lambda s: "sign in" in s["labels"]["signInMessage"], "the card to be noted"
    )
    assert _typed(state) == {}  # nothing landed in the staff code field
    cashier, pin, _role = xtill.ready["staff"][0]
    xtill.type(cashier, delay_ms=PERSON_MS)
    xtill.key("Return")
    xtill.wait_for(lambda s: s["focus"] == "signInPinPad", "the PIN pad")
    xtill.scan("MBR:" + codes.codes[-1], delay_ms=5)  # a scan on the PIN pad: no digits
    xtill.type(pin, delay_ms=PERSON_MS)
    xtill.key("Return")
    state = xtill.wait_for(lambda s: s["member"] is not None, "the member after sign-in")
    assert state["staff"] == cashier
    assert state["member"] in (code, codes.codes[-1])


def test_scans_at_scanner_speed_from_the_search_field(xtill: XTill, codes: Codes) -> None:
    for index, delay in enumerate(SCANNER_DELAYS_MS * 2):
        xtill.key("Escape")  # next customer: the search field has the focus
        xtill.wait_for(lambda s: s["focus"] == "searchField" and s["member"] is None, "search")
        code = codes.take()
        state = _scan_shows(xtill, code, _payload(code, index), delay)
        assert _typed(state) == {}, state["fields"]
        assert not state["labels"]["searchHint"]


@pytest.mark.parametrize("field", ["amountField", "saleRefField", "redeemPoints"])
def test_scans_with_a_sale_field_focused_switch_member_and_type_nothing(
    xtill: XTill, codes: Codes, field: str
) -> None:
    code = codes.take()
    _scan_shows(xtill, code, "MBR:" + code, 5)
    for index, delay in enumerate(SCANNER_DELAYS_MS):
        xtill.click(field)
        other = codes.take()
        state = _scan_shows(xtill, other, _payload(other, index), delay)
        assert _typed(state) == {}, state["fields"]


def test_a_cashier_typing_an_amount_reaches_the_field(xtill: XTill, codes: Codes) -> None:
    code = codes.take()
    _scan_shows(xtill, code, code, 5)
    xtill.click("amountField")
    xtill.type("128.50", delay_ms=PERSON_MS)
    state = xtill.wait_for(lambda s: s["fields"]["amountField"] == "128.50", "the amount")
    assert state["member"] == code


def test_scans_during_enrolment_keep_the_form(xtill: XTill, codes: Codes) -> None:
    xtill.key("F4")
    state = xtill.wait_for(lambda s: s["focus"] == "enrollName", "the enrolment form")
    xtill.type("Zhao Lei", delay_ms=PERSON_MS)
    # In the phone field bare digits are typing (a phone number typed quickly): there only
    # the card's QR text is a scan.
    for index, field in enumerate(("enrollName", "enrollPhone", "enrollEmail", "enrollName")):
        xtill.key("F4")
        xtill.wait_for(lambda s: s["screen"] == "EnrollScreen", "the enrolment form")
        xtill.click(field)
        code = codes.take()
        payload = "MBR:" + code if field == "enrollPhone" else _payload(code, index + 1)
        state = _scan_shows(xtill, code, payload, SCANNER_DELAYS_MS[index % 3])
        assert _typed(state) == {"enrollName": "Zhao Lei"}, state["fields"]
    xtill.key("F4")
    state = xtill.wait_for(lambda s: s["screen"] == "EnrollScreen", "the form again")
    assert state["fields"]["enrollName"] == "Zhao Lei"
    assert not state["labels"]["enrollMessage"]


def test_a_phone_typed_fast_is_typing_not_a_scan(xtill: XTill) -> None:
    xtill.key("F4")
    xtill.wait_for(lambda s: s["screen"] == "EnrollScreen", "the enrolment form")
    xtill.click("enrollPhone")
    xtill.type("13800138000", delay_ms=20)
    xtill.key("Return")  # submits the form: the member is enrolled, their card shown
    state = xtill.wait_for(lambda s: s["screen"] == "CardScreen", "the new member's card")
    assert not state["labels"]["searchHint"]
    xtill.key("Return")
    state = xtill.wait_for(lambda s: s["screen"] == "CheckoutScreen", "checkout")
    assert state["member"] is not None
    xtill.key("F4")
    state = xtill.wait_for(lambda s: s["screen"] == "EnrollScreen", "an empty form")
    assert _typed(state) == {}
    assert not any(state["labels"][k] for k in ("enrollMessage",))
    xtill.key("Escape")
    xtill.wait_for(lambda s: s["screen"] == "CheckoutScreen", "checkout")


def test_kiosk_mode_fills_a_screen_without_a_window_manager(xtill: XTill, tmp_path: Path) -> None:
    """Its own till (``--kiosk``) on the same display, after the shared one is done with."""
    xtill.quit()
    kiosk = XTill(xtill.display, tmp_path, "--kiosk", f"--scanner-gap={SCANNER_GAP_MS}")
    try:
        state = kiosk.state()
        assert state["full_screen"]
        assert state["geometry"] == state["screen_size"]  # Xvfb has no window manager
        assert state["focus"] == "staffCode"
        kiosk.scan("MBR:" + kiosk.ready["members"][0], delay_ms=5)
        state = kiosk.wait_for(lambda s: "sign in" in s["labels"]["signInMessage"], "a card")
        assert _typed(state) == {}
    finally:
        kiosk.quit()
